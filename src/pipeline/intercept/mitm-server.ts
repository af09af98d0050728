import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Proxy, type IContext } from 'http-mitm-proxy';
import { isAwsApiHost } from '../../aws/hosts.js';
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
}

export class PortInUseError extends Error {}

/** Errors from connections the client dropped: nothing to report. */
const ROUTINE_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * http-mitm-proxy, adapted: only AWS API hosts are intercepted (everything else is tunnelled
 * untouched), certificates come from our LeafCertificates, and every intercepted request goes to
 * our pipeline instead of the library's forwarder, which could not verify a body before sending it.
 */
export async function startInterceptor(options: InterceptorOptions): Promise<Proxy> {
  const proxy = new Proxy();
  silenceLibraryConsole();
  let listening = false;
  let failStart: (error: Error) => void = () => {};

  // The library's error handler prints stack traces and answers with a bare 504; route it to one line instead.
  (proxy as unknown as { _onError: unknown })._onError = (kind: string, ctx: IContext | null, error: NodeJS.ErrnoException) => {
    if (!listening && error.code === 'EADDRINUSE') return failStart(new PortInUseError(`port ${options.port} on ${options.host} is already in use: stop what is using it or set PROXY_PORT to a free port`));
    if (ROUTINE_ERRORS.has(error.code ?? '')) return;
    if (kind === 'HTTPS_CLIENT_ERROR') return options.warn(`TLS handshake with a client failed (${error.message}); does it trust ${options.ca.certPath}?`);
    options.warn(`${kind.toLowerCase().replace(/_/g, ' ')}: ${error.message}`);
    const res = ctx?.proxyToClientResponse;
    if (res && !res.headersSent) res.writeHead(502).end();
  };

  proxy.onConnect((req: IncomingMessage, socket: Duplex, head: Buffer, callback: (error?: Error) => void) => {
    const target = req.url ?? '';
    const colon = target.lastIndexOf(':');
    const hostname = target.slice(0, colon).replace(/^\[|\]$/g, '').toLowerCase();
    if (!isAwsApiHost(hostname)) return tunnel(hostname, Number(target.slice(colon + 1)), socket as Socket, head);
    // The library caches one TLS context per host for good; drop it when our certificate is due for renewal.
    if (options.leaves.needsRenewal(hostname)) delete (proxy as unknown as { sslServers: Record<string, unknown> }).sslServers[hostname];
    return callback();
  });
  // Never let the library look for (or trust) certificates on disk: always ask LeafCertificates.
  proxy.onCertificateRequired = (hostname, callback) => callback(null, { keyFile: '', certFile: '', hosts: [hostname] });
  proxy.onCertificateMissing = (ctx, _files, callback) => {
    const leaf = options.leaves.forHost(ctx.hostname);
    callback(null, { keyFileData: leaf.keyPem, certFileData: leaf.certPem, hosts: [ctx.hostname] });
  };
  proxy.onRequest((ctx, callback) => {
    const req = ctx.clientToProxyRequest;
    const connectHost = ctx.connectRequest?.url?.split(':')[0]?.toLowerCase();
    const hostname = (req.headers.host ?? '').split(':')[0]!.toLowerCase();
    if (!ctx.isSSL && !connectHost && !isAwsApiHost(hostname)) return callback(); // plain HTTP to a non-AWS host
    options.onAwsRequest(req, ctx.proxyToClientResponse, ctx.isSSL ? connectHost : undefined).catch((error: Error) => {
      options.warn(`request failed: ${error.message}`);
      if (!ctx.proxyToClientResponse.headersSent) ctx.proxyToClientResponse.writeHead(500).end();
      else ctx.proxyToClientResponse.destroy();
    });
  });

  const sslCaDir = prepareLibraryCaDir(options.stateDir, options.ca);
  await new Promise<void>((resolve, reject) => {
    failStart = reject;
    proxy.listen({ host: options.host, port: options.port, keepAlive: true, forceSNI: true, sslCaDir }, (error) => (error ? reject(error) : resolve()));
  });
  listening = true;
  return proxy;
}

/** Non-AWS traffic is passed through as an opaque TCP tunnel. */
function tunnel(hostname: string, port: number, client: Socket, head: Buffer): void {
  const upstream = connect({ host: hostname, port }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => (client.writable ? client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n') : client.destroy()));
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

/**
 * The library insists on loading a CA from `<dir>/certs/ca.pem` and `<dir>/keys/ca.private.key`
 * (and would generate and store a second CA otherwise). Point it at ours with links, so the
 * private key exists exactly once on disk.
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

/** The library announces every new host on console.debug/info (stdout); our stdout is the action log. */
function silenceLibraryConsole(): void {
  console.debug = () => {};
  console.info = () => {};
}
