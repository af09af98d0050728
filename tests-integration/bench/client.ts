/**
 * The benchmark's client side: each simulated agent holds one keep-alive connection, opened either
 * through the proxy (CONNECT tunnel, then TLS trusting the proxy's CA) or straight to the fake upstream.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import aws4 from 'aws4';

/** Every request is STS GetCallerIdentity: small, and the fake upstream answers it. */
export const STS_HOST = 'sts.amazonaws.com';
export const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
export const CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

export type Connector = () => Promise<Duplex>;
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface SignedRequest {
  headers: Record<string, string>;
}
/** When a connection reached each stage, filled in by the connectors for the new-host measurement. */
export interface ConnectTimings {
  tunnelOpen?: number;
  tlsDone?: number;
}

/** An http.Agent that holds at most one keep-alive connection and gets it from `connector`. */
export class OneConnectionAgent extends http.Agent {
  connectionsOpened = 0;

  constructor(private readonly connector: Connector) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, keepAliveMsecs: 60_000 });
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.connectionsOpened++;
    this.connector().then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * CONNECT host:443 through the proxy, then TLS inside the tunnel trusting the proxy's CA.
 * `connectTo` replaces the CONNECT target (host:port), the TLS server name staying `host`: how the
 * bench points mitmdump, which dials what the CONNECT names, at the fake upstream.
 */
export function tunnelThroughProxy(proxyPort: number, host: string, ca: string, timings?: ConnectTimings, connectTo = `${host}:443`): Promise<Duplex> {
  return new Promise((resolveSocket, reject) => {
    const connect = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxyPort, path: connectTo, headers: { host: connectTo }, agent: false });
    connect.once('error', reject);
    connect.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200 || head.length > 0) {
        socket.destroy();
        return reject(new Error(`CONNECT ${host}: ${response.statusCode}`));
      }
      if (timings) timings.tunnelOpen = performance.now();
      socket.setNoDelay(true);
      const secure = tls.connect({ socket, servername: host, ca }, () => {
        if (timings) timings.tlsDone = performance.now();
        resolveSocket(secure);
      });
      secure.once('error', reject);
    });
    connect.end();
  });
}

/** TLS straight to the fake upstream (its certificate names 127.0.0.1). */
export function directToUpstream(port: number, ca: string, timings?: ConnectTimings): Promise<Duplex> {
  return new Promise((resolveSocket, reject) => {
    const secure = tls.connect({ host: '127.0.0.1', port, ca }, () => {
      if (timings) timings.tlsDone = performance.now();
      resolveSocket(secure);
    });
    secure.setNoDelay(true);
    secure.once('error', reject);
  });
}

/** An STS GetCallerIdentity request signed with aws4 (SigV4) for `host` / `region`. */
export function signGetCallerIdentity(credentials: Credentials, host = STS_HOST, region = 'us-east-1'): SignedRequest {
  const signed = aws4.sign({ host, method: 'POST', path: '/', service: 'sts', region, body: BODY, headers: { 'Content-Type': CONTENT_TYPE } }, credentials);
  return { headers: signed.headers as Record<string, string> };
}

/** Sends one signed request on `agent`; resolves with the status (and the body when asked). */
export function send(agent: http.Agent, request: SignedRequest, keepBody = false): Promise<{ status: number; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = http.request({ agent, method: 'POST', path: '/', headers: request.headers }, (response) => {
      let body = '';
      if (keepBody) response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      else response.resume();
      response.once('end', () => resolveResponse({ status: response.statusCode ?? 0, body }));
      response.once('error', reject);
    });
    req.once('error', reject);
    req.end(BODY);
  });
}

/** Throws unless the path behind `connector` answers GetCallerIdentity with the fake's account. */
export async function expectCallerIdentity(name: string, connector: Connector, credentials: Credentials): Promise<void> {
  const agent = new OneConnectionAgent(connector);
  const reply = await send(agent, signGetCallerIdentity(credentials), true);
  agent.destroy();
  if (reply.status !== 200 || !reply.body.includes('<Account>')) throw new Error(`${name} sanity request failed: ${reply.status} ${reply.body}`);
}
