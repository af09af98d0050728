import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { signedChunkBody } from '../test/support/chunk-signing.js';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { actionRecords, REAL, run, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, openTunnel } from './support/raw-client.js';

let upstream: FakeAws;
let proxy: ProxyRun;
let agent: { accessKeyId: string; secretAccessKey: string };

proxyInFrontOfFakeAws(async (run) => {
  ({ upstream, proxy } = run);
  agent = await agentKeys(proxy);
});

const HOST = 's3.us-east-1.amazonaws.com';
const CHUNK = 64 * 1024;

/** A PUT signed the way minio-go and the AWS docs do it: seed signature over the STREAMING literal, then signed chunks. */
function signedUpload(key: string, data: Buffer, options: { trailer?: string[]; method?: string; decodedLength?: number } = {}): { headers: Record<string, string>; body: Buffer } {
  const payload = options.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) chunks.push(data.subarray(i, i + CHUNK));
  const headers: Record<string, string> = {
    'Content-Encoding': 'aws-chunked',
    'X-Amz-Content-Sha256': payload,
    'X-Amz-Decoded-Content-Length': String(options.decodedLength ?? data.length),
    ...(options.trailer ? { 'X-Amz-Trailer': options.trailer.map((l) => l.split(':')[0]).join(',') } : {}),
  };
  // The framed length does not depend on the signatures, so Content-Length can be signed first.
  const placeholder = signedChunkBody({ secretAccessKey: 'x', amzDate: '20000101T000000Z', region: 'r', service: 's' }, '0'.repeat(64), chunks, options.trailer);
  headers['Content-Length'] = String(placeholder.body.length);
  const request = { host: HOST, method: options.method ?? 'PUT', path: `/chunk-bucket/${key}`, service: 's3', region: 'us-east-1', headers, body: '' };
  aws4.sign(request, agent);
  const seed = /Signature=([0-9a-f]{64})/.exec(request.headers.Authorization!)![1]!;
  const side = { secretAccessKey: agent.secretAccessKey, amzDate: request.headers['X-Amz-Date']!, region: 'us-east-1', service: 's3' };
  return { headers: request.headers, body: signedChunkBody(side, seed, chunks, options.trailer).body };
}

async function put(key: string, upload: { headers: Record<string, string>; body: Buffer }, method = 'PUT'): Promise<{ status: number; body: string }> {
  const socket = await openTunnel(proxy, HOST);
  return new Promise((resolve, reject) => {
    const req = http.request({ method, path: `/chunk-bucket/${key}`, headers: { host: HOST, ...upload.headers }, createConnection: () => socket });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The proxy may answer and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(upload.body);
  });
}

describe('signed-chunk uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  it('stores a 100 MiB upload byte for byte, every chunk re-signed with the real key and checked upstream', async () => {
    const data = randomBytes(100 * 1024 * 1024);
    const upload = signedUpload('big.bin', data);
    const answer = await put('big.bin', upload);
    expect(answer.status).toBe(200);
    expect(upstream.objects.get('chunk-bucket/big.bin')?.equals(data)).toBe(true);
    const [received] = upstream.requests;
    // The fake checked the seed with aws4 and every chunk signature with its own node:crypto chain.
    expect(received!.failure).toBeUndefined();
    expect([received!.verified, received!.accessKeyId]).toEqual([true, REAL.accessKeyId]);
    expect(received!.body.length).toBe(upload.body.length);
    const agentFirstSignature = /chunk-signature=(\w{64})/.exec(upload.body.toString('latin1', 0, 200))![1]!;
    expect(received!.body.indexOf(agentFirstSignature)).toBe(-1);
  });

  it('checks and re-signs the trailer of the -TRAILER variant', async () => {
    const data = randomBytes(200_000);
    const answer = await put('trailer.bin', signedUpload('trailer.bin', data, { trailer: ['x-amz-meta-note:signed-after-the-data'] }));
    expect(answer.status).toBe(200);
    expect(upstream.objects.get('chunk-bucket/trailer.bin')?.equals(data)).toBe(true);
    expect(upstream.requests[0]!.failure).toBeUndefined();
    expect(upstream.requests[0]!.verified).toBe(true);
  });

  for (const corrupt of [1, 7, 'last'] as const) {
    it(`aborts upstream at a corrupted chunk (#${corrupt}): no object is stored, the agent gets SignatureDoesNotMatch`, async () => {
      const data = Buffer.alloc(10 * CHUNK, 'z');
      const upload = signedUpload('corrupt.bin', data);
      const text = upload.body.toString('latin1');
      // Change one byte of the chosen chunk's data, or of the final (empty) chunk's signature.
      const headers = [...text.matchAll(/[0-9a-f]+;chunk-signature=[0-9a-f]{64}\r\n/g)]; // the data is 'z's: no false match
      const target = corrupt === 'last' ? headers.at(-1)!.index! + 20 : headers[corrupt - 1]!.index! + headers[corrupt - 1]![0].length + 5;
      upload.body[target] = upload.body[target] === 0x61 ? 0x62 : 0x61;
      const answer = await put('corrupt.bin', upload);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
      await new Promise((r) => setTimeout(r, 200));
      expect(upstream.objects.has('chunk-bucket/corrupt.bin')).toBe(false);
      expect(upstream.requests.filter((r) => r.path.includes('corrupt.bin'))).toEqual([]);
      await proxy.waitForStdout(/REFUSED  s3:PutObject|SignatureDoesNotMatch/);
    });
  }

  it("a body the resolver must read (DeleteObjects) is decided on the chunks' content, then relayed re-signed", async () => {
    for (const key of ['a.txt', 'b.txt']) upstream.objects.set(`chunk-bucket/${key}`, Buffer.from(key));
    const xml = Buffer.from('<Delete><Object><Key>a.txt</Key></Object><Object><Key>b.txt</Key></Object></Delete>');
    const answer = await put('?delete', signedUpload('?delete', xml, { method: 'POST' }), 'POST');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Key>b.txt</Key>');
    expect([...upstream.objects.keys()].filter((k) => k.startsWith('chunk-bucket/'))).toEqual([]);
    const line = await proxy.waitForStdout(/s3:DeleteObject/);
    expect(line).toMatch(/ALLOWED/);
    const record = actionRecords(proxy).find((r) => r.operation === 'DeleteObjects');
    expect(record).toBeDefined();
    expect(JSON.stringify(record!.authorizations)).toContain('arn:aws:s3:::chunk-bucket/b.txt');
  });

  it("refuses chunks replayed from another of the agent's uploads (same data, another seed), and stores nothing", async () => {
    const data = Buffer.alloc(3 * CHUNK, 'r');
    const first = signedUpload('replayed.bin', data);
    await new Promise((r) => setTimeout(r, 1100)); // another x-amz-date, so another seed
    const second = signedUpload('replayed.bin', data);
    expect(second.headers.Authorization).not.toBe(first.headers.Authorization);
    const answer = await put('replayed.bin', { headers: second.headers, body: first.body });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    expect(upstream.objects.has('chunk-bucket/replayed.bin')).toBe(false);
  });

  it('refuses chunks that carry more or less than the signed x-amz-decoded-content-length, before the last chunk goes', async () => {
    for (const decodedLength of [CHUNK, 3 * CHUNK]) {
      const answer = await put('lying.bin', signedUpload('lying.bin', Buffer.alloc(2 * CHUNK, 'l'), { decodedLength }));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(/<Code>IncompleteBody<\/Code>/);
      expect(upstream.objects.has('chunk-bucket/lying.bin')).toBe(false);
    }
  });

  it('refuses a chunk chain forged with another key before anything goes upstream', async () => {
    const upload = signedUpload('forged.bin', Buffer.alloc(3 * CHUNK, 'f'));
    const forged = signedChunkBody({ secretAccessKey: 'not-the-agent-secret', amzDate: upload.headers['X-Amz-Date']!, region: 'us-east-1', service: 's3' }, /Signature=(\w+)/.exec(upload.headers.Authorization!)![1]!, [Buffer.alloc(3 * CHUNK, 'f')]);
    const answer = await put('forged.bin', { headers: upload.headers, body: forged.body });
    expect(answer.status).toBe(403);
    expect(upstream.objects.has('chunk-bucket/forged.bin')).toBe(false);
  });
});

describe('restic (minio-go) over plain HTTP, which sends signed chunks', () => {
  it('initialises a repository and backs up through the proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-restic-'));
    writeFileSync(join(dir, 'data.bin'), randomBytes(3 * 1024 * 1024));
    const env = {
      ...proxy.agentEnv,
      HTTP_PROXY: proxy.url,
      AWS_ACCESS_KEY_ID: agent.accessKeyId,
      AWS_SECRET_ACCESS_KEY: agent.secretAccessKey,
      RESTIC_PASSWORD: 'a test repository password',
      RESTIC_CACHE_DIR: join(dir, 'cache'),
    };
    const repo = ['-r', 's3:http://s3.amazonaws.com/restic-bucket/repo'];
    const init = await run('restic', [...repo, 'init'], env);
    expect(init.stderr).toBe('');
    const backup = await run('restic', [...repo, 'backup', join(dir, 'data.bin')], env);
    expect(backup.code).toBe(0);
    const check = await run('restic', [...repo, 'check', '--read-data'], env);
    expect(check.code).toBe(0);
    const streamed = upstream.requests.filter((r) => String(r.headers['x-amz-content-sha256']).startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD'));
    expect(streamed.length).toBeGreaterThan(0);
    for (const request of upstream.requests) expect([request.method, request.path, request.failure, request.verified, request.accessKeyId]).toEqual([request.method, request.path, undefined, true, REAL.accessKeyId]);
  });
});
