import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { Proxy, type IContext } from 'http-mitm-proxy';
import { isAwsApiHost } from '../../aws/hosts.js';
import { normalizeHost } from './address-class.js';
import { ALLOW_ALL, decideEgress, type EgressPolicy, type EgressRefusal } from './egress.js';
import { deferContinue } from './expect-continue.js';
import { publicKeyPem, type CertificateAuthority } from '../../tls/certificate-authority.js';
import type { LeafCertificates } from '../../tls/leaf-certificates.js';

export interface InterceptorOptions {
  host: string;
  port: number;
  stateDir: string;
  ca: CertificateAuthority;
  leaves: LeafCertificates;
  /** Handles one request to an AWS host; `connectHost` is the host the agent tunnelled to, if it did. */
  onAwsRequest(req: IncomingMessage, res: ServerResponse, connectHost: string | undefined): Promise<void>;
  /** A problem worth one line on stderr (never contains request data). */
  warn(message: string): void;
  /** Which non-AWS hosts may be reached (default: allow-all). */
  egress?: EgressPolicy;
  /** The proxy's other listening ports (the credential endpoint): refused as egress, like its own port. */
  otherOwnPorts?: number[];
  /** The agent a Proxy-Authorization header proves (src/keys/proxy-identity.ts), for the log of refusals. */
  agentOf?(proxyAuthorization: string | undefined): string | undefined;
  /** Called once per refused non-AWS connection or request (answered 403 already). */
  onEgressRefused?(refusal: EgressRefusal): void;
  /**
   * AWS hosts to mint certificates for once listening, in the background (src/tls/premint.ts), and
   * `warm` run for each too (the endpoint scan a host's first request would pay).
   */
  premint?: { hosts: string[]; warm?(host: string): void };
}

export interface Interceptor {
  port: number;
  /** Stops taking connections and closes idle ones; requests under way go on. */
  stopAccepting(): void;
  /** Ends every connection, under way or not. */
  close(): void;
}

class PortInUseError extends Error {}

/** Errors from connections the client dropped: nothing to report. */
const ROUTINE_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_EOF_STATE']);
/** AWS SDKs keep connections open between calls; keep them usable for a minute. */
const KEEP_ALIVE_MS = 60_000;

/**
 * The front door. http-mitm-proxy parses proxy requests and CONNECTs. A CONNECT to an AWS API
 * host is answered here: TLS is terminated on that very socket with our certificate for the host,
 * and its requests go straight to the pipeline. (The library's own interception would route every
 * tunnel through a second loopback TCP hop and a per-host server, and could not verify a body
 * before sending it upstream.) Every other CONNECT, and every plain-HTTP request or WebSocket
 * upgrade to a non-AWS host, is held to the egress policy (./egress.ts): the host is resolved
 * once, every address checked, and the connection made to a checked address (no second lookup);
 * an admitted CONNECT is tunnelled untouched, an admitted plain-HTTP request passed on by the library.
 */
export async function startInterceptor(options: InterceptorOptions): Promise<Interceptor> {
  const proxy = new Proxy();
  silenceLibraryConsole();
  let listening = false;
  let failStart: (error: Error) => void = () => {};

  const tunnelledHosts = new WeakMap<object, string>();
  const tlsRequests = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    const connectHost = tunnelledHosts.get(req.socket);
    options.onAwsRequest(req, res, connectHost).catch((error: Error) => failRequest(res, error));
  });
  tlsRequests.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    deferContinue(req);
    tlsRequests.emit('request', req, res);
  });
  tlsRequests.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A TLS failure is reported once, by the TLS socket's own handler.
    if (!ROUTINE_ERRORS.has(error.code ?? '') && !error.code?.startsWith('ERR_SSL_')) options.warn(`malformed request from a client: ${error.message}`);
    socket.destroy();
  });
  const failRequest = (res: ServerResponse, error: Error): void => {
    options.warn(`request failed: ${error.message}`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  };

  // The library's error handler prints stack traces and answers with a bare 504; route it to one line instead.
  (proxy as unknown as { _onError: unknown })._onError = (kind: string, ctx: IContext | null, error: NodeJS.ErrnoException) => {
    if (!listening && error.code === 'EADDRINUSE') return failStart(new PortInUseError(`port ${options.port} on ${options.host} is already in use: stop what is using it or set PROXY_PORT to a free port`));
    if (ROUTINE_ERRORS.has(error.code ?? '')) return;
    options.warn(`${kind.toLowerCase().replace(/_/g, ' ')}: ${error.message}`);
    const res = ctx?.proxyToClientResponse;
    if (res && !res.headersSent) res.writeHead(502).end();
  };

  proxy.onConnect((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      interceptOrTunnel(req, socket, head);
    } catch (error) {
      options.warn(`CONNECT ${req.url ?? ''} failed: ${(error as Error).message}`);
      socket.destroy();
    }
  });
  const interceptOrTunnel = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = parseConnectTarget(req.url ?? '');
    if (!target) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    const { hostname, port } = target;
    if (!isAwsApiHost(hostname)) {
      void checkEgress('CONNECT', hostname, port, req).then((verdict) => {
        if (verdict.kind === 'refused') return void socket.end(forbidden(verdict.reason));
        if (verdict.kind === 'unresolved') return void socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
        tunnel(verdict.addresses, port, socket as Socket, head);
      });
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    // The certificate is for the host the agent asked to reach, whatever SNI it sends (or none).
    const tls = new TLSSocket(socket as Socket, {
      isServer: true,
      secureContext: options.leaves.forHost(hostname).secureContext,
      ALPNProtocols: ['http/1.1'],
    });
    tunnelledHosts.set(tls, hostname);
    tls.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_SSL_NO_APPLICATION_PROTOCOL') options.warn(`a client for ${hostname} offered only HTTP/2; iam-agent-proxy speaks HTTP/1.1: let the client fall back to http/1.1`);
      else if (!ROUTINE_ERRORS.has(error.code ?? '')) options.warn(`TLS with a client for ${hostname} failed (${error.message}); does it trust ${options.ca.certPath}?`);
      socket.destroy();
    });
    tlsRequests.emit('connection', tls);
  };
  proxy.onRequest((ctx, callback) => {
    const req = ctx.clientToProxyRequest;
    if (!isAwsApiHost((req.headers.host ?? '').split(':')[0]!)) return void passOnPlainHttp(ctx, callback); // plain HTTP to a non-AWS host
    options.onAwsRequest(req, ctx.proxyToClientResponse, undefined).catch((error: Error) => failRequest(ctx.proxyToClientResponse, error));
  });
  // The library would pass a plain-HTTP request on to wherever its URL (or Host) points: hold that to the policy.
  const passOnPlainHttp = async (ctx: IContext, callback: () => void): Promise<void> => {
    const target = ctx.proxyToServerRequestOptions!;
    const hostname = String(target.host ?? '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const port = Number(target.port) || 80;
    const res = ctx.proxyToClientResponse;
    const verdict = await checkEgress(ctx.clientToProxyRequest.method ?? 'GET', hostname, port, ctx.clientToProxyRequest);
    if (verdict.kind === 'refused') {
      const body = `${refusalLine(verdict.reason)}\n`;
      return void res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
    }
    if (verdict.kind === 'unresolved') return void res.writeHead(502, { connection: 'close' }).end();
    // Connect to the checked address; the Host header still names the host. The agent's proxy password stays here.
    target.headers = { host: port === 80 ? hostname : `${hostname}:${port}`, ...target.headers };
    for (const name of Object.keys(target.headers)) if (name.toLowerCase() === 'proxy-authorization') delete target.headers[name];
    target.host = verdict.addresses[0]!;
    callback();
  };
  // WebSocket upgrades over plain HTTP: the upgrade has been accepted by then, so a refusal drops the connection.
  proxy.onWebSocketConnection((ctx, callback) => {
    // The library's close handler assumes an upstream socket exists unless these are set: it would throw and end the process.
    const drop = () => {
      Object.assign(ctx, { closedByServer: true, closedByClient: false });
      ctx.clientToProxyWebSocket?.terminate();
    };
    const options_ = ctx.proxyToServerWebSocketOptions as { url: string } | undefined;
    let url: URL;
    try {
      url = new URL(options_?.url ?? '');
    } catch {
      return drop();
    }
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const port = Number(url.port) || (url.protocol === 'wss:' ? 443 : 80);
    const upgrade = (ctx.clientToProxyWebSocket as unknown as { upgradeReq?: IncomingMessage }).upgradeReq;
    void checkEgress('GET', hostname, port, upgrade).then((verdict) => {
      if (verdict.kind !== 'admitted') return drop();
      const address = verdict.addresses[0]!;
      url.hostname = address.includes(':') ? `[${address}]` : address;
      options_!.url = url.toString();
      callback();
    });
  });

  type EgressVerdict = { kind: 'admitted'; addresses: string[] } | { kind: 'refused'; reason: string } | { kind: 'unresolved' };
  // The port is known once listening; the machine's addresses once: a container keeps its own.
  let egress: EgressPolicy | undefined;
  const egressPolicy = (): EgressPolicy =>
    (egress ??= { ...(options.egress ?? ALLOW_ALL), own: { ports: [proxy.httpPort, ...(options.otherOwnPorts ?? [])], addresses: machineAddresses() } });
  /** Decides on the name, resolves it once, decides on every address; logs a refusal. */
  const checkEgress = async (method: string, hostname: string, port: number, req: IncomingMessage | undefined): Promise<EgressVerdict> => {
    const started = Date.now();
    const policy = egressPolicy();
    let decision = decideEgress(policy, hostname, port);
    let addresses: string[] = [];
    if (decision.allowed) {
      try {
        addresses = (await lookup(hostname, { all: true, verbatim: true })).map((found) => found.address);
      } catch {
        return { kind: 'unresolved' };
      }
      decision = decideEgress(policy, hostname, port, addresses);
    }
    if (decision.allowed) return { kind: 'admitted', addresses };
    const socket = req?.socket;
    const client = socket?.remoteAddress === undefined ? undefined : `${socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress}:${socket.remotePort}`;
    const proxyAuthorization = req?.headers['proxy-authorization'];
    const agent = options.agentOf?.(typeof proxyAuthorization === 'string' ? proxyAuthorization : undefined);
    options.onEgressRefused?.({ method, host: hostname, port, client, agent, reason: decision.reason, latencyMs: Date.now() - started });
    return { kind: 'refused', reason: decision.reason };
  };

  const sslCaDir = prepareLibraryCaDir(options.stateDir, options.ca);
  await new Promise<void>((resolve, reject) => {
    failStart = reject;
    proxy.listen({ host: options.host, port: options.port, keepAlive: true, sslCaDir }, (error) => (error ? reject(error) : resolve()));
  });
  listening = true;
  if (options.premint) void options.leaves.premint(options.premint.hosts, options.premint.warm);
  const stopAccepting = () => {
    if (!listening) return;
    listening = false;
    proxy.close();
    tlsRequests.closeIdleConnections();
  };
  return {
    port: proxy.httpPort,
    stopAccepting,
    close: () => {
      stopAccepting();
      tlsRequests.closeAllConnections();
    },
  };
}

/** Every address of this machine's interfaces, normalised as the egress policy compares them. */
function machineAddresses(): Set<string> {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => normalizeHost(entry.address.replace(/%.*$/, ''))));
  return new Set(addresses);
}

/** `host:port` or `[v6]:port` of a CONNECT; undefined unless both parts are well formed. */
function parseConnectTarget(target: string): { hostname: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+)):(\d{1,5})$/i.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return undefined;
  return { hostname: (match[1] ?? match[2]!).toLowerCase(), port };
}

function refusalLine(reason: string): string {
  return `iam-agent-proxy: egress refused: ${reason.replace(/[\r\n]/g, ' ')}`;
}

/** A refused CONNECT: 403 with a one-line reason. */
function forbidden(reason: string): string {
  const body = `${refusalLine(reason)}\n`;
  return `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Admitted non-AWS traffic is passed through as an opaque TCP tunnel, to the checked addresses in turn. */
function tunnel(addresses: string[], port: number, client: Socket, head: Buffer): void {
  const [address, ...rest] = addresses;
  let connected = false;
  const upstream = connect({ host: address!, port }, () => {
    connected = true;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!connected && rest.length && !client.destroyed) return tunnel(rest, port, client, head);
    if (client.writable && !connected) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    else client.destroy();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

/**
 * The library insists on loading a CA from `<dir>/certs/ca.pem` and `<dir>/keys/ca.private.key`
 * when it starts (and would generate and store a second CA otherwise). Point it at ours with
 * links, so the private key exists exactly once on disk.
 */
function prepareLibraryCaDir(stateDir: string, ca: CertificateAuthority): string {
  const dir = join(stateDir, '.http-mitm-proxy');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'certs'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  symlinkSync(ca.certPath, join(dir, 'certs', 'ca.pem'));
  symlinkSync(join(stateDir, 'ca.key'), join(dir, 'keys', 'ca.private.key'));
  writeFileSync(join(dir, 'keys', 'ca.public.key'), publicKeyPem(ca.key), { mode: 0o644 });
  return dir;
}

/** The library announces itself on console.debug/info (stdout); our stdout is the action log. */
function silenceLibraryConsole(): void {
  console.debug = () => {};
  console.info = () => {};
}
