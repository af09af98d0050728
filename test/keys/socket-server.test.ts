import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { askProxy } from '../../src/keys/socket-client.js';
import { BUSY_ERROR, serveLines, type LineService, type SocketLimits } from '../../src/keys/socket-server.js';

const LIMITS: SocketLimits = { maxRequestBytes: 64, requestTimeoutMs: 300, silentClientMs: 50, lingerMs: 300, maxActive: 8, maxOpen: 32 };
const echo: LineService = { answer: (request) => ({ echo: request }), silentClient: () => ({ silent: true }) };
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

async function serve(service: LineService = echo, limits = LIMITS): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'iap-sock-')), 's.sock');
  servers.push(await serveLines(path, service, limits));
  return path;
}

/** Connects, writes, optionally half-closes, and collects what comes back until the server closes. */
function talk(path: string, write?: string | Buffer, options: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(path, () => {
      if (write !== undefined) socket.write(write);
      if (options.end) socket.end();
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('serveLines', () => {
  it('creates the socket 0600 and answers one JSON line with one JSON line', async () => {
    const path = await serve();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await talk(path, '{"op":"x"}\n')).toBe('{"echo":{"op":"x"}}\n');
    expect(await askProxy(path, { op: 'keys' })).toStrictEqual({ echo: { op: 'keys' } });
  });

  it('answers a request whose writer shut down its side without a newline', async () => {
    expect(await talk(await serve(), '{"op":"x"}', { end: true })).toBe('{"echo":{"op":"x"}}\n');
  });

  it('gives a client that connects and only reads the silent-client answer', async () => {
    expect(await talk(await serve())).toBe('{"silent":true}\n');
  });

  it('garbage: a clear JSON error', async () => {
    const path = await serve();
    for (const garbage of ['not json\n', '\u0000\u0001\u0002\n', Buffer.from([0xff, 0xfe, 0x0a]), '{"op":\n']) {
      expect(JSON.parse(await talk(path, garbage))).toStrictEqual({ error: 'a request is one line of JSON, e.g. {"op":"credentials"}' });
    }
  });

  it('oversized: an error as soon as the cap is passed, newline or not', async () => {
    const path = await serve();
    for (const big of ['x'.repeat(65), `${'x'.repeat(100)}\n`, 'x'.repeat(100_000)]) {
      expect(JSON.parse(await talk(path, big))).toStrictEqual({ error: 'request too large: at most 64 bytes' });
    }
  });

  it('half-written: an error when the request timeout passes (no silent answer once something was sent)', async () => {
    const started = Date.now();
    expect(JSON.parse(await talk(await serve(), '{"op":'))).toStrictEqual({ error: 'incomplete request: send one line of JSON ending in a newline within 300 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('without a silent-client answer, a silent client gets the timeout error', async () => {
    const path = await serve({ answer: echo.answer });
    expect(JSON.parse(await talk(path))).toHaveProperty('error', expect.stringMatching(/^incomplete request/));
  });

  it('a client that never reads (nor closes) is disconnected after the linger time', async () => {
    const path = await serve();
    const server = servers.at(-1)!;
    const connections = () => new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
    const socket = connect(path, () => socket.write('{"op":"x"}\n'));
    socket.pause(); // never reads
    socket.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(await connections()).toBe(1);
    await new Promise((r) => setTimeout(r, LIMITS.lingerMs + 100));
    expect(await connections()).toBe(0);
    socket.destroy();
  });

  it('an answer that throws becomes an error line; the server goes on', async () => {
    const path = await serve({ answer: () => { throw new Error('disk full'); } });
    expect(JSON.parse(await talk(path, '{}\n'))).toStrictEqual({ error: 'the proxy could not answer: disk full' });
    expect(JSON.parse(await talk(path, '{}\n'))).toStrictEqual({ error: 'the proxy could not answer: disk full' });
  });

  it('too many at once: the ones over the cap are told it is busy or closed; afterwards it serves normally', async () => {
    const path = await serve();
    const results = await Promise.all(Array.from({ length: 200 }, () => talk(path, undefined).catch((error: Error) => `closed: ${error.message}`)));
    const busy = results.filter((text) => text === `${JSON.stringify({ error: BUSY_ERROR })}\n`).length;
    const served = results.filter((text) => text === '{"silent":true}\n').length;
    const closed = results.filter((text) => text === '' || text.startsWith('closed')).length;
    expect(busy + served + closed).toBe(200);
    expect(served).toBeGreaterThanOrEqual(8);
    expect(busy + closed).toBeGreaterThan(0);
    expect(await talk(path, '{"op":"after"}\n')).toBe('{"echo":{"op":"after"}}\n');
  });

  it('askProxy asks a busy socket again', async () => {
    const path = await serve();
    const blockers = Array.from({ length: 8 }, () => talk(path, '{')); // hold every slot until the timeout
    await new Promise((r) => setTimeout(r, 50));
    expect(await askProxy(path, { op: 'keys' })).toStrictEqual({ echo: { op: 'keys' } });
    await Promise.all(blockers);
  });

  it('replaces a stale socket file, refuses to replace a live one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-sock-'));
    const path = join(dir, 's.sock');
    writeFileSync(path, 'stale');
    servers.push(await serveLines(path, echo, LIMITS));
    expect(await talk(path, '{}\n')).toBe('{"echo":{}}\n');
    await expect(serveLines(path, echo, LIMITS)).rejects.toThrow(`another iam-agent-proxy is already serving ${path}: stop it first`);
  });
});
