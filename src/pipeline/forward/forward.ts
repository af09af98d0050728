import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { gunzip } from '../../aws/wire/gzip.js';
import { DEFAULT_TIMEOUT_SETTINGS, UpstreamTimeoutError, type UpstreamTimeouts } from './timeouts.js';

/** Where re-signed requests go: the AWS host itself, or PROXY_UPSTREAM_ENDPOINT with the Host kept; and how long to wait on it. */
export interface UpstreamTarget {
  protocol: 'https:' | 'http:';
  hostname: string;
  port: number;
  timeouts: UpstreamTimeouts;
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

export function upstreamTargetFor(awsHost: string, override: URL | undefined, timeouts: UpstreamTimeouts = DEFAULT_TIMEOUT_SETTINGS): UpstreamTarget {
  if (!override) return { protocol: 'https:', hostname: awsHost, port: 443, timeouts };
  const protocol = override.protocol === 'http:' ? 'http:' : 'https:';
  const port = override.port ? Number(override.port) : protocol === 'https:' ? 443 : 80;
  return { protocol, hostname: override.hostname.replace(/^\[|\]$/g, ''), port, timeouts };
}

/**
 * Sends the request upstream and streams the response back to the agent unbuffered.
 * Resolves with the upstream status once the response has been fully relayed.
 * An error response is read whole first and `redact` applied to it: AWS errors can echo the
 * signing key id and, in S3's CanonicalRequest, the session token the proxy signed with.
 */
export function forward(request: OutboundRequest, target: UpstreamTarget, response: http.ServerResponse, redact: Redaction = new Map()): Promise<number> {
  return new Promise((resolve, reject) => {
    const upstream = openUpstream(request, target);
    upstream.on('error', reject);
    upstream.on('response', (answer) => {
      const status = answer.statusCode ?? 502;
      if (status >= 300 && redact.size) return relayRedacted(answer, response, redact).then(() => resolve(status), reject);
      response.writeHead(status, answer.statusMessage, relayableHeaders(answer.headers));
      answer.pipe(response);
      answer.on('error', reject);
      response.on('close', () => {
        if (!answer.complete) answer.destroy(); // the agent went away mid-response
        resolve(status);
      });
    });
    sendBody(upstream, request.body);
  });
}

/** Real values and what the agent sees in their place. */
export type Redaction = Map<string, string>;

/** An error body larger than this is not relayed (AWS error bodies are a few hundred bytes). */
const MAX_ERROR_BODY_BYTES = 256 * 1024;

async function relayRedacted(answer: http.IncomingMessage, response: http.ServerResponse, redact: Redaction): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer) {
    size += (chunk as Buffer).length;
    if (size > MAX_ERROR_BODY_BYTES) throw new Error(`an error response larger than ${MAX_ERROR_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: Buffer = Buffer.concat(chunks);
  const headers = relayableHeaders(answer.headers);
  if (headers['content-encoding'] === 'gzip') {
    const inflated = gunzip(body);
    if (!inflated.ok) throw new Error(inflated.error);
    body = inflated.value;
    delete headers['content-encoding'];
  } else if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') {
    throw new Error(`an error response in ${String(headers['content-encoding'])} encoding`);
  }
  let text = body.toString('latin1');
  for (const [real, shown] of redact) if (real) text = text.split(real).join(shown);
  body = Buffer.from(text, 'latin1');
  headers['content-length'] = String(body.length);
  response.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
  response.end(body);
}

/** A response read whole: for the proxy's own requests, and for responses it must rewrite before the agent sees them. */
export interface BufferedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class ResponseTooLargeError extends Error {}

/**
 * Sends the request and reads the whole answer, at most `maxBytes` of it. Rejects when the
 * answer is cut short (a truncated body is never mistaken for a whole one) or too large.
 */
export function fetchUpstream(request: OutboundRequest, target: UpstreamTarget, maxBytes = 1024 * 1024): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const upstream = openUpstream(request, target);
    upstream.on('error', reject);
    upstream.on('response', (answer) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return void answer.destroy(new ResponseTooLargeError(`the response is larger than ${maxBytes} bytes`));
        chunks.push(chunk);
      });
      answer.on('end', () => {
        if (!answer.complete) return reject(new Error('the response was cut short'));
        resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) });
      });
      answer.on('error', reject);
      answer.on('close', () => {
        if (!answer.complete) reject(new Error('the response was cut short'));
      });
    });
    sendBody(upstream, request.body);
  });
}

/** Headers of an upstream response that may be copied to the agent's connection. */
export function relayableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function openUpstream(request: OutboundRequest, target: UpstreamTarget): http.ClientRequest {
  const transport = target.protocol === 'https:' ? https : http;
  const upstream = transport.request({
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
  limitWaiting(upstream, target);
  return upstream;
}

/**
 * Ends the request with an UpstreamTimeoutError when a new connection is not up within connectMs,
 * no response has begun responseMs after the request was sent, or the response body pauses longer.
 * The agent's own upload is not timed: its pace is the agent's.
 */
function limitWaiting(upstream: http.ClientRequest, { timeouts, protocol }: UpstreamTarget): void {
  const fail = (phase: UpstreamTimeoutError['phase'], ms: number) => () => upstream.destroy(new UpstreamTimeoutError(phase, ms));
  const timers: NodeJS.Timeout[] = [];
  const start = (phase: UpstreamTimeoutError['phase'], ms: number) => {
    const timer = setTimeout(fail(phase, ms), ms);
    timers.push(timer);
    return timer;
  };
  upstream.once('socket', (socket) => {
    if (upstream.reusedSocket) return;
    const connecting = start('connect', timeouts.connectMs);
    socket.once(protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
  });
  let waiting: NodeJS.Timeout | undefined;
  let answered = false;
  upstream.once('finish', () => {
    if (!answered) waiting = start('response', timeouts.responseMs);
  });
  // An answer may come before the upload ends (an early error): it stops the wait either way.
  upstream.once('response', (answer) => {
    answered = true;
    clearTimeout(waiting);
    // Progress is read off the socket (a listener on the body would change how it flows); a body
    // held back because the agent reads slowly is the agent's pace, not a stalled upstream.
    let seen = answer.socket?.bytesRead ?? 0;
    const pause = setTimeout(function check() {
      const read = answer.socket?.bytesRead ?? seen;
      const heldBack = answer.readableFlowing === false || answer.readableLength > 0;
      if (read === seen && !heldBack) return upstream.destroy(new UpstreamTimeoutError('body', timeouts.responseMs));
      seen = read;
      pause.refresh();
    }, timeouts.responseMs);
    timers.push(pause);
    answer.once('end', () => clearTimeout(pause));
  });
  upstream.once('close', () => timers.forEach(clearTimeout));
}

/** Buffered bodies go in slices, as the socket drains: handed over whole, TLS would hold a second, encrypted copy. */
const SEND_SLICE_BYTES = 64 * 1024;

function sendBody(upstream: http.ClientRequest, body: OutboundRequest['body']): void {
  if (body === undefined || (Buffer.isBuffer(body) && body.length <= SEND_SLICE_BYTES)) return void upstream.end(body);
  const stream = Buffer.isBuffer(body) ? Readable.from(slices(body), { objectMode: false }) : body;
  stream.on('error', (error) => upstream.destroy(error));
  stream.pipe(upstream);
}

function* slices(body: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += SEND_SLICE_BYTES) yield body.subarray(offset, offset + SEND_SLICE_BYTES);
}
