/**
 * Runs hostile cases against the proxy on raw sockets (Node's HTTP client refuses to send most of
 * them), each bounded by its own timeout, many at once.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { HostileCase } from './hostile-wire.js';

export interface Outcome {
  /** Status of the first answer; 0 when the connection closed without one. */
  status: number;
  /** Complete HTTP answers seen (more than one: the proxy served a request the client did not mean to send). */
  responses: number;
  timedOut: boolean;
  /** Everything the proxy sent back (decrypted), for the secret scan. */
  received: Buffer;
  /** The client could not get as far as sending the case (CONNECT refused, TLS failed). */
  error?: string;
  ms: number;
}

const pause = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** Length of the first complete HTTP answer in `data`, or undefined while it is incomplete (1xx answers skipped). */
function completeAnswer(data: Buffer): { status: number; length: number } | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const head = data.subarray(offset, end).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    if (status >= 100 && status < 200) {
      offset = end + 4;
      continue;
    }
    const bodyStart = end + 4;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (length !== undefined) return data.length >= bodyStart + Number(length) ? { status, length: bodyStart + Number(length) } : undefined;
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const last = data.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
      return last < 0 ? undefined : { status, length: last + 7 };
    }
    return undefined; // read to close (a CONNECT's 200 included)
  }
}

/** Opens a CONNECT tunnel on `raw`; resolves once the proxy answered 200, rejects otherwise. */
function connectTunnel(raw: Socket, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      raw.off('data', onData);
      if (!/^HTTP\/1\.1 200/.test(head.toString('latin1'))) return reject(new Error(`CONNECT answered ${head.subarray(0, 40).toString('latin1')}`));
      if (head.length > end + 4) raw.unshift(head.subarray(end + 4));
      resolve();
    };
    raw.on('data', onData);
    raw.once('close', () => reject(new Error('CONNECT: connection closed')));
    raw.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
  });
}

export async function runCase(port: number, ca: Buffer, c: HostileCase): Promise<Outcome> {
  const started = performance.now();
  const raw = connect(port, '127.0.0.1');
  raw.on('error', () => undefined);
  let stream: Socket | TLSSocket = raw;
  const received: Buffer[] = [];
  let responses = 0;
  let status = 0;
  let settle: (outcome: Outcome) => void = () => undefined;
  const result = new Promise<Outcome>((resolve) => (settle = resolve));
  let done = false;
  const finish = (extra: Partial<Outcome> = {}) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    stream.destroy();
    raw.destroy();
    settle({ status, responses, timedOut: false, received: Buffer.concat(received), ms: performance.now() - started, ...extra });
  };
  const timer = setTimeout(() => finish({ timedOut: true }), c.timeoutMs);
  const listen = (socket: Socket | TLSSocket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (c.via.kind === 'hello') return finish(); // any answer to the hand-made hello ends it
      pending = Buffer.concat([pending, chunk]);
      for (let answer = completeAnswer(pending); answer; answer = completeAnswer(pending)) {
        if (responses === 0) status = answer.status;
        responses++;
        pending = pending.subarray(answer.length);
        if (c.graceMs === undefined) return finish();
        if (responses === 1) setTimeout(() => finish(), c.graceMs);
      }
      // A response whose body runs to the close: its status is known already.
      if (responses === 0) status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(pending.subarray(0, 20).toString('latin1'))?.[1] ?? 0);
    });
    socket.on('close', () => finish());
    socket.on('end', () => finish());
    socket.on('error', () => finish());
  };
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', resolve);
      raw.once('error', reject);
    });
    if (c.via.kind !== 'front') await connectTunnel(raw, c.via.host);
    if (c.via.kind === 'tls') {
      const servername = c.via.servername === null ? '' : (c.via.servername ?? c.via.host);
      const tls = tlsConnect({ socket: raw, servername, ca, checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'] });
      stream = tls;
      await new Promise<void>((resolve, reject) => {
        tls.once('secureConnect', resolve);
        tls.once('error', reject);
      });
    }
  } catch (error) {
    finish({ error: (error as Error).message });
    return result;
  }
  listen(stream);
  for (const [n, chunk] of c.chunks.entries()) {
    if (done) break;
    if (n > 0 && c.delayMs) await pause(c.delayMs);
    if (chunk.length) stream.write(chunk);
  }
  if (c.holdMs && !done) await pause(c.holdMs);
  if (c.end && !done) stream.end();
  return result;
}

/** Runs `work` over `items`, at most `limit` at a time, in order of start. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
