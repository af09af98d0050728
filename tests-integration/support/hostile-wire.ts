/** What the hostile-input families share: the seeded PRNG, the case type, signing and framing. */
import { signedWire } from './hostile-client.js';

/** Deterministic PRNG (mulberry32): every random choice of a case comes from here. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** Letters and digits, for host labels and names. */
  word(n: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** How a case's bytes reach the proxy. */
export type Via =
  /** Written to the proxy port as they are (the CONNECT line is the case). */
  | { kind: 'front' }
  /** After a well-formed CONNECT to `host`, written into the tunnel without TLS. */
  | { kind: 'tunnel'; host: string }
  /** After a CONNECT to `host` and a TLS handshake sending `servername` (null: no SNI). */
  | { kind: 'tls'; host: string; servername?: string | null }
  /** After a CONNECT to `host`, a hand-made ClientHello (the case's first chunk); any answer ends it. */
  | { kind: 'hello'; host: string };

export interface HostileCase {
  family: string;
  /** Position in the whole generated list: with the seed, names the case. */
  index: number;
  name: string;
  via: Via;
  chunks: Buffer[];
  /** Pause between chunks (slowloris). */
  delayMs?: number;
  /** Half-close after the last chunk (a truncated request: nothing more is coming). */
  end?: boolean;
  /** Silence before that half-close. */
  holdMs?: number;
  /** After the first answer, keep reading this long: a second answer means a smuggled request was served. */
  graceMs?: number;
  /** Designed valid (must be answered 200, and forwarded) or not (never forwarded). */
  expect: 'forward' | 'refuse';
  /** Statuses besides 4xx and a closed connection that a refused case may get (a CONNECT's 200). */
  alsoAccept?: number[];
  timeoutMs: number;
}

export type CaseDraft = Omit<HostileCase, 'family' | 'index' | 'timeoutMs'> & { timeoutMs?: number };

export interface GenerationContext {
  rng: Rng;
  keys: Keys;
  /** Keys of other agents (created on first use), one valid call each. */
  agents: Keys[];
  /** Signing time of every signed case. */
  now: Date;
}

export const DEFAULT_TIMEOUT_MS = 8_000;
export const STS = 'sts.amazonaws.com';
export const GCI_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
export const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

/** One request as header lines in order, signed by aws4 (an independent signer) when keys are given. */
export interface Signed {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export function sign(options: { host: string; method?: string; path?: string; headers?: Record<string, string>; headerLines?: Array<[string, string]>; body?: string | Buffer; service: string; region?: string; keys?: Keys; date?: Date }): Signed {
  const headers = { ...options.headers };
  if (options.date) headers['X-Amz-Date'] = options.date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  // hostile-client signs repeated header lines as AWS reads them (values joined with ',').
  const signed = signedWire({ ...options, method: options.method ?? 'POST', headers, region: options.region ?? 'us-east-1' });
  return { method: signed.method, path: signed.target, headers: signed.headers, body: signed.body };
}

/** A signed GetCallerIdentity: the request every family starts from. */
export function gci(keys: Keys | undefined, now: Date, host = STS): Signed {
  return sign({ host, service: 'sts', headers: { 'content-type': FORM }, body: GCI_BODY, keys, date: now });
}

/** HTTP/1.1 bytes; Content-Length added unless told otherwise, Connection: close last so the proxy ends the exchange. */
export function wire(request: Signed, options: { contentLength?: boolean; close?: boolean; eol?: string } = {}): Buffer {
  const eol = options.eol ?? '\r\n';
  const lines = [...request.headers];
  const framed = lines.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  if (options.contentLength !== false && !framed) lines.push(['Content-Length', String(request.body.length)]);
  if (options.close !== false) lines.push(['Connection', 'close']);
  const head = `${request.method} ${request.path} HTTP/1.1${eol}${lines.map(([n, v]) => `${n}: ${v}${eol}`).join('')}${eol}`;
  return Buffer.concat([Buffer.from(head, 'latin1'), request.body]);
}

export function header(request: Signed, name: string): string | undefined {
  return request.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

export function withHeaders(request: Signed, change: (headers: Array<[string, string]>) => Array<[string, string]>): Signed {
  return { ...request, headers: change(request.headers.map(([n, v]) => [n, v])) };
}

/** A valid call among hostile ones: the proxy must still forward it (and only it). */
export function control(ctx: GenerationContext, name = 'valid control'): CaseDraft {
  return { name, via: { kind: 'tls', host: STS, servername: STS }, chunks: [wire(gci(ctx.keys, ctx.now))], expect: 'forward' };
}

/** A key this proxy never issued, shaped like one of its own or like AWS's. */
export function forgedKeys(rng: Rng): Keys {
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let tail = '';
  for (let i = 0; i < 32; i++) tail += base32[rng.int(32)];
  const accessKeyId = rng.pick([`AKIAPROXY${tail}`, `ASIAPROXY${tail}`, `AKIA${tail.slice(0, 16)}`, `AKIAPROXY${tail.slice(0, rng.range(0, 31))}`]);
  return { accessKeyId, secretAccessKey: rng.bytes(30).toString('base64') };
}


/** Printable form of a case detail for its name. */
export function show(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
