/**
 * A client for hostile requests: signs with aws4 (an independent signer), repeated headers too,
 * then lets the test change the request on the wire at will — reorder headers, write an absolute-form
 * target, send it through a CONNECT tunnel to any host or as plain HTTP to the proxy port — and
 * writes the bytes itself, so nothing (not even Node's HTTP client) normalises what is sent.
 */
import { connect } from 'node:net';
import aws4 from 'aws4';
import type { ProxyRun } from './proxy-process.js';
import { openTunnel } from './raw-client.js';

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What is written: request line, header lines in order (repeats allowed), body. */
export interface Wire {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export interface HostileRequest {
  host: string;
  method?: string;
  /** Path and query, as signed (aws4 normalises `..` and `//` for every service but s3 when it signs). */
  path?: string;
  headers?: Record<string, string>;
  /**
   * Header lines sent after `headers`, in this order and letter case, repeats allowed; signed as
   * AWS reads repeats (one name's values joined by ',').
   */
  headerLines?: Array<[string, string]>;
  body?: string | Buffer;
  /** Credential scope: signing name and region. */
  service: string;
  region?: string;
  /** Leave out for an unsigned request. */
  keys?: Keys;
  /** Changes the request after it was signed. */
  tamper?: (wire: Wire) => void;
  /** Host the CONNECT tunnel is opened to (default: `host`). */
  connectHost?: string;
  /** Send as plain HTTP to the proxy port (absolute-form target by default) instead of through a tunnel. */
  plain?: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Signs the request as aws4 would and returns what would be written. */
export function signedWire(request: HostileRequest): Wire {
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  // aws4 joins an array value with ',', as AWS canonicalises repeats.
  const repeated: Record<string, string[]> = {};
  for (const [name, value] of request.headerLines ?? []) (repeated[name.toLowerCase()] ??= []).push(value);
  const options = {
    host: request.host,
    method: request.method ?? 'GET',
    path: request.path ?? '/',
    headers: { ...request.headers, ...repeated } as Record<string, string | string[]>,
    body,
    service: request.service,
    region: request.region ?? 'us-east-1',
  };
  if (request.keys) aws4.sign(options, request.keys);
  const headers: Array<[string, string]> = Object.entries(options.headers).filter(([name]) => !(name in repeated)).map(([name, value]) => [name, String(value)]);
  headers.push(...(request.headerLines ?? []));
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) headers.unshift(['Host', request.host]);
  return { method: options.method, target: request.path ?? '/', headers, body };
}

/** Signs, tampers, sends through the proxy and reads the whole answer. */
export async function sendHostile(proxy: ProxyRun, request: HostileRequest): Promise<WireResponse> {
  const wire = signedWire(request);
  if (request.plain) wire.target = `http://${request.host}${wire.target}`;
  request.tamper?.(wire);
  return exchange(proxy, serialize(wire), request.plain ? undefined : (request.connectHost ?? request.host));
}

/** Sets a header (every existing occurrence, any case, is replaced by one). */
export function setHeader(wire: Wire, name: string, value: string): void {
  removeHeader(wire, name);
  wire.headers.push([name, value]);
}

export function removeHeader(wire: Wire, name: string): void {
  wire.headers = wire.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
}

export function serialize(wire: Wire): Buffer {
  const headers = wire.headers.filter(([name]) => name.toLowerCase() !== 'connection');
  if (!headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name)) && (wire.body.length > 0 || !['GET', 'HEAD', 'DELETE'].includes(wire.method))) {
    headers.push(['Content-Length', String(wire.body.length)]);
  }
  headers.push(['Connection', 'close']);
  const head = `${wire.method} ${wire.target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), wire.body]);
}

/** Writes raw bytes through a tunnel to `connectHost` (or to the proxy port itself) and reads until the proxy closes. */
export async function exchange(proxy: ProxyRun, bytes: Buffer, connectHost: string | undefined): Promise<WireResponse> {
  const socket = connectHost === undefined ? await plainSocket(proxy.port) : await openTunnel(proxy, connectHost);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    // The proxy may answer (413, a refusal) and close before it has read everything sent.
    socket.on('error', () => finish());
    socket.write(bytes);
  });
}

function plainSocket(port: number): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One HTTP/1.1 response: Content-Length, chunked or read-to-close bodies; status 0 when the connection closed without one. */
export function parseResponse(data: Buffer): WireResponse {
  if (data.length === 0) return { status: 0, headers: {}, body: '' };
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP response head in ${JSON.stringify(data.subarray(0, 200).toString('latin1'))}`);
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
  }
  let body = data.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', position);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(position, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!size) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    position = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The AWS error code of an answer in any protocol: XML `<Code>`, JSON `__type`, or `x-amzn-errortype`. */
export function errorCode(response: WireResponse): string | undefined {
  const xml = /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1];
  if (xml) return xml;
  try {
    const type = (JSON.parse(response.body) as { __type?: string }).__type;
    if (type) return type.split('#').pop();
  } catch {
    // not JSON
  }
  return response.headers['x-amzn-errortype']?.split(':')[0];
}
