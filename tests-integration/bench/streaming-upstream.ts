/**
 * The streaming section's upstream, in a process of its own (startUpstream in processes.ts): it
 * checks nothing heavy and buffers nothing. PUT: counts and SHA-256s the body (a signed-chunk one without its framing) as it arrives and
 * answers with both (a PUT to STALLED_KEY is left unread for STALL_MS first). GET of
 * GENERATED_KEY<n>: streams n generated MiB. POST to TRICKLE_PATH: a chunked answer trickled over
 * seconds. 'stats' counts requests signed with the real key id.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ByteReader } from '../../src/aws/wire/byte-reader.js';
import { REAL } from '../support/proxy-process.js';
import { createTestCa } from '../support/test-ca.js';
import { GENERATED_KEY, MIB, STALLED_KEY, STALL_MS, TRICKLE, TRICKLE_PATH, generatedMiBs } from './stream-data.js';

const stats = { verified: 0, refused: 0, firstFailure: undefined as string | undefined };

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
  if (keyId === REAL.accessKeyId) stats.verified++;
  else {
    stats.refused++;
    stats.firstFailure ??= `${req.method} ${req.url} signed by ${keyId ?? 'nobody'}`;
  }
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'PUT') {
    if (path === STALLED_KEY) await sleep(STALL_MS);
    const hash = createHash('sha256');
    let bytes = 0;
    // A signed-chunk body is counted and hashed without its framing (its signatures are the integration tests' business).
    const body = String(req.headers['x-amz-content-sha256']).startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') ? unframed(req) : (req as AsyncIterable<Buffer>);
    for await (const chunk of body) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    res.writeHead(200, { etag: '"bench"', 'x-bench-bytes': String(bytes), 'x-bench-sha256': hash.digest('hex'), 'content-length': '0' }).end();
  } else if (req.method === 'GET' && path.startsWith(GENERATED_KEY)) {
    const count = Number(path.slice(GENERATED_KEY.length));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(count * MIB) });
    await pipeline(Readable.from(generatedMiBs(count)), res);
  } else if (req.method === 'POST' && path === TRICKLE_PATH) {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    for (let i = 0; i < TRICKLE.chunks; i++) {
      if (i > 0) await sleep(TRICKLE.intervalMs);
      res.write(Buffer.alloc(TRICKLE.bytes, i));
    }
    res.end();
  } else {
    req.resume();
    res.writeHead(404, { 'content-length': '0' }).end();
  }
}

async function* unframed(req: IncomingMessage): AsyncGenerator<Buffer> {
  const reader = ByteReader.of(req);
  for (;;) {
    const size = parseInt((await reader.line(128)).split(';')[0]!, 16);
    yield* reader.bytes(size);
    await reader.crlf();
    if (size === 0) return;
  }
}

const ca = createTestCa(mkdtempSync(join(tmpdir(), 'iap-bench-stream-')));
const server = createServer({ key: ca.serverKeyPem, cert: ca.serverCertPem }, (req, res) => void serve(req, res).catch(() => res.destroy()));
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

process.on('message', (message: unknown) => {
  if (message === 'stats') {
    process.send!({ stats: { ...stats } });
    Object.assign(stats, { verified: 0, refused: 0, firstFailure: undefined });
  } else if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true, endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caFile: ca.caFile, caPem: ca.caPem });
