import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';

/** Where re-signed requests go: the AWS host itself, or PROXY_UPSTREAM_ENDPOINT with the Host kept. */
export interface UpstreamTarget {
  protocol: 'https:' | 'http:';
  hostname: string;
  port: number;
}

export interface OutboundRequest {
  method: string;
  /** Raw request target (path and query) exactly as the agent sent it. */
  target: string;
  headers: Record<string, string>;
  /** A buffered body, or the agent's stream for uploads forwarded without buffering. */
  body: Buffer | Readable | undefined;
}

/** Response headers that belong to one connection and must not be copied to the other. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te']);

/** Keep-alive pools shared by every request; TLS trusts the system store plus NODE_EXTRA_CA_CERTS. */
const agents = {
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
};

export function upstreamTargetFor(awsHost: string, override: URL | undefined): UpstreamTarget {
  if (!override) return { protocol: 'https:', hostname: awsHost, port: 443 };
  const protocol = override.protocol === 'http:' ? 'http:' : 'https:';
  const port = override.port ? Number(override.port) : protocol === 'https:' ? 443 : 80;
  return { protocol, hostname: override.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * Sends the request upstream and streams the response back to the agent unbuffered.
 * Resolves with the upstream status once the response has been fully relayed.
 */
export function forward(request: OutboundRequest, target: UpstreamTarget, response: http.ServerResponse): Promise<number> {
  return new Promise((resolve, reject) => {
    const upstream = openUpstream(request, target);
    upstream.on('error', reject);
    upstream.on('response', (answer) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.pipe(response);
      answer.on('error', reject);
      response.on('close', () => {
        if (!answer.complete) answer.destroy(); // the agent went away mid-response
        resolve(answer.statusCode ?? 502);
      });
    });
    sendBody(upstream, request.body);
  });
}

/** Sends a request the proxy makes on its own behalf and returns the buffered answer. */
export function fetchUpstream(request: OutboundRequest, target: UpstreamTarget): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = openUpstream(request, target);
    upstream.on('error', reject);
    upstream.on('response', (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: Buffer.concat(chunks) }));
      answer.on('error', reject);
    });
    sendBody(upstream, request.body);
  });
}

function openUpstream(request: OutboundRequest, target: UpstreamTarget): http.ClientRequest {
  const transport = target.protocol === 'https:' ? https : http;
  return transport.request({
    method: request.method,
    hostname: target.hostname,
    port: target.port,
    path: request.target,
    headers: request.headers,
    agent: agents[target.protocol],
    // Node would check the certificate against the Host header (the AWS name); check the host we dial.
    servername: isIP(target.hostname) ? undefined : target.hostname,
    checkServerIdentity: (_host, cert) => checkServerIdentity(target.hostname, cert),
  });
}

function sendBody(upstream: http.ClientRequest, body: OutboundRequest['body']): void {
  if (body === undefined || Buffer.isBuffer(body)) return void upstream.end(body);
  body.on('error', (error) => upstream.destroy(error));
  body.pipe(upstream);
}
