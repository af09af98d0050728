import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws, type RecordedRequest, type UpstreamCredentials } from './fake-aws.js';

const REAL: UpstreamCredentials = { accessKeyId: 'AKIAREALREALREAL0001', secretAccessKey: 'real/secret+key/0123456789abcdefghijklmn' };
const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  record: RecordedRequest;
}

/** What a test sends: aws4 signing options plus what to change on the wire after signing. */
interface Probe extends aws4.Request {
  credentials?: UpstreamCredentials;
  unsigned?: boolean;
  /** aws4 leaves these out of the signature unless asked (its built-in skip list). */
  extraHeadersToInclude?: Record<string, boolean>;
  wireBody?: string | Buffer;
  wireHeaders?: Record<string, string | string[]>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const amzDate = (time: number): string => new Date(time).toISOString().replace(/[:-]|\.\d{3}/g, '');

let dir: string;
let fake: FakeAws;

function send(target: FakeAws, probe: Probe): Promise<Sent> {
  const { credentials = REAL, unsigned, wireBody, wireHeaders, ...options } = probe;
  const signed = unsigned ? options : aws4.sign(options, credentials);
  const headers = { ...signed.headers, ...wireHeaders };
  const before = target.requests.length;
  return new Promise((resolve, reject) => {
    const url = new URL(target.endpoint);
    const req = httpsRequest(
      // The Host header is an AWS name; servername keeps the TLS check on the fake's certificate.
      { host: url.hostname, port: url.port, servername: 'localhost', ca: target.caPem, method: signed.method, path: signed.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const record = target.requests[before];
          if (!record) return reject(new Error('fake recorded nothing'));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), record });
        });
      },
    );
    req.on('error', reject);
    req.end(wireBody ?? signed.body);
  });
}

const sts = (extra: Partial<Probe> = {}): Probe => ({
  host: 'sts.amazonaws.com',
  method: 'POST',
  path: '/',
  service: 'sts',
  region: 'us-east-1',
  body: STS_BODY,
  ...extra,
});

const s3Put = (key: string, body: string, extra: Partial<Probe> = {}): Probe => ({
  host: 's3.us-west-2.amazonaws.com',
  method: 'PUT',
  path: `/test-bucket/${key}`,
  service: 's3',
  region: 'us-west-2',
  body,
  headers: { 'X-Amz-Content-Sha256': sha256(body) },
  ...extra,
});

function expectRejected(sent: Sent, failure: string | RegExp, code = 'SignatureDoesNotMatch'): void {
  expect(sent.record.verified).toBe(false);
  expect(sent.record.failure).toMatch(failure);
  expect(sent.status).toBe(403);
  expect(sent.body).toContain(`<Code>${code}</Code>`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fake-aws-'));
  fake = await startFakeAws({ credentials: REAL, dir });
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

describe('signature verification', () => {
  it('accepts a correctly signed STS GetCallerIdentity and answers in XML', async () => {
    const sent = await send(fake, sts());
    expect(sent.record).toMatchObject({ verified: true, accessKeyId: REAL.accessKeyId, service: 'sts', region: 'us-east-1', host: 'sts.amazonaws.com' });
    expect(sent.record.failure).toBeUndefined();
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('<Account>123456789012</Account>');
    expect(sent.body).toContain('<Arn>arn:aws:iam::123456789012:user/real-test-user</Arn>');
  });

  it('rejects a wrong secret', async () => {
    const sent = await send(fake, sts({ credentials: { ...REAL, secretAccessKey: 'fake-secret' } }));
    expectRejected(sent, 'signature mismatch');
    expect(sent.body).not.toContain('GetCallerIdentityResult');
  });

  it('rejects a wrong access key id', async () => {
    const sent = await send(fake, sts({ credentials: { ...REAL, accessKeyId: 'AKIAFAKEFAKEFAKE0001' } }));
    expectRejected(sent, /unknown access key id AKIAFAKEFAKEFAKE0001/, 'InvalidClientTokenId');
    expect(sent.record.accessKeyId).toBe('AKIAFAKEFAKEFAKE0001');
  });

  it('rejects a body changed after signing when the payload hash is implicit', async () => {
    const sent = await send(fake, sts({ wireBody: STS_BODY.replace('2011', '2012') }));
    expectRejected(sent, 'signature mismatch');
  });

  it('rejects a body that does not match x-amz-content-sha256', async () => {
    const sent = await send(fake, s3Put('k', 'hello', { wireBody: 'jello' }));
    expectRejected(sent, 'x-amz-content-sha256 does not match body');
    expect(fake.objects.size).toBe(0);
  });

  it('rejects an unsigned request', async () => {
    const sent = await send(fake, sts({ unsigned: true, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expectRejected(sent, 'missing Authorization header');
  });

  it('rejects an x-amz-date older than 15 minutes even though the signature matches it', async () => {
    const sent = await send(fake, sts({ headers: { 'X-Amz-Date': amzDate(Date.now() - 16 * 60 * 1000) } }));
    expectRejected(sent, /more than 15 minutes/);
  });

  it('accepts an x-amz-date a few minutes old', async () => {
    const sent = await send(fake, sts({ headers: { 'X-Amz-Date': amzDate(Date.now() - 5 * 60 * 1000) } }));
    expect(sent.record.verified).toBe(true);
  });

  it('rejects a signed header changed after signing', async () => {
    const sent = await send(fake, s3Put('k', 'hello', { headers: { 'X-Amz-Content-Sha256': sha256('hello'), 'X-Amz-Meta-Owner': 'alice' }, wireHeaders: { 'X-Amz-Meta-Owner': 'mallory' } }));
    expectRejected(sent, 'signature mismatch');
  });

  it('rejects an x-amz-* header added to an S3 request after signing', async () => {
    const sent = await send(fake, s3Put('k', 'hello', { wireHeaders: { 'X-Amz-Meta-Owner': 'mallory' } }));
    expectRejected(sent, 'x-amz-meta-owner is not signed');
  });

  it('rejects a leftover session token when the real credentials have none', async () => {
    const sent = await send(fake, sts({ credentials: { ...REAL, sessionToken: 'agent-fake-token' } }));
    expectRejected(sent, /x-amz-security-token sent/);
  });

  it('rejects signed chunks that are not on the real key\'s chain', async () => {
    const headers = { 'X-Amz-Content-Sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'Content-Encoding': 'aws-chunked', 'X-Amz-Decoded-Content-Length': '5' };
    const sent = await send(fake, s3Put('k', `5;chunk-signature=${'0'.repeat(64)}\r\nhello\r\n0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`, { headers }));
    expectRejected(sent, 'signed-chunk upload: chunk 1 signature mismatch');
  });

  it('verifies headers outside aws4 defaults (range, user-agent) when they are signed', async () => {
    fake.objects.set('test-bucket/k', Buffer.from('hello'));
    const headers = { 'X-Amz-Content-Sha256': sha256(''), Range: 'bytes=0-1', 'User-Agent': 'agent/1.0' };
    const probe = { ...s3Put('k', ''), method: 'GET', body: undefined, headers, extraHeadersToInclude: { range: true, 'user-agent': true } };
    expect((await send(fake, probe)).record.verified).toBe(true);
    const tampered = await send(fake, { ...probe, wireHeaders: { Range: 'bytes=0-4' } });
    expectRejected(tampered, 'signature mismatch');
  });

  it('collapses repeated headers and inner whitespace as SigV4 does', async () => {
    // aws4 signs the single value "a,b c"; the wire carries two lines that must collapse to it.
    const probe = sts({ headers: { 'X-Custom': 'a,b  c' }, wireHeaders: { 'X-Custom': [' a ', 'b \t c'] } });
    expect((await send(fake, probe)).record.verified).toBe(true);
    const reordered = await send(fake, { ...probe, wireHeaders: { 'X-Custom': ['b c', 'a'] } });
    expectRejected(reordered, 'signature mismatch');
  });

  it('accepts S3 virtual-hosted style and routes to the bucket from the Host', async () => {
    const sent = await send(fake, s3Put('dir/key.txt', 'hi', { host: 'test-bucket.s3.us-west-2.amazonaws.com', path: '/dir/key.txt' }));
    expect(sent.record.verified).toBe(true);
    expect(fake.objects.get('test-bucket/dir/key.txt')?.toString()).toBe('hi');
  });

  it('agrees with the proxy\'s signer on normalised, double-encoded paths for non-S3 services', async () => {
    // Signed by @smithy/signature-v4 as the proxy does, so the two implementations are compared.
    const hostname = 'execute-api.us-east-1.amazonaws.com';
    const signer = new SignatureV4({ service: 'execute-api', region: 'us-east-1', credentials: REAL, sha256: Sha256 });
    const request = { method: 'GET', protocol: 'https:', hostname, path: '/a%20b/./c//d', query: { q: 'x y+z' }, headers: { host: hostname } };
    const { headers } = await signer.sign(request);
    const probe: Probe = { unsigned: true, method: 'GET', path: '/a%20b/./c//d?q=x%20y%2Bz', headers };
    expect((await send(fake, probe)).record.verified).toBe(true);
    expectRejected(await send(fake, { ...probe, path: '/a%20b/c/e?q=x%20y%2Bz' }), 'signature mismatch');
  });
});

describe('aws-chunked bodies with STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => {
  const crc32Base64 = (data: string): string => {
    const digest = Buffer.alloc(4);
    digest.writeUInt32BE(crc32(data));
    return digest.toString('base64');
  };
  const chunkedPut = (framed: string): Probe =>
    s3Put('chunked.txt', framed, {
      headers: {
        'X-Amz-Content-Sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'Content-Encoding': 'aws-chunked',
        'X-Amz-Decoded-Content-Length': '11',
        'X-Amz-Trailer': 'x-amz-checksum-crc32',
      },
    });

  it('decodes the body and checks the trailer checksum', async () => {
    const framed = `6\r\nhello \r\n5;ext=1\r\nworld\r\n0\r\nx-amz-checksum-crc32:${crc32Base64('hello world')}\r\n\r\n`;
    const sent = await send(fake, chunkedPut(framed));
    expect(sent.record.verified).toBe(true);
    expect(sent.record.body.toString()).toBe(framed);
    expect(sent.record.decodedBody.toString()).toBe('hello world');
    expect(fake.objects.get('test-bucket/chunked.txt')?.toString()).toBe('hello world');
  });

  it('rejects a wrong trailer checksum', async () => {
    const framed = `b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:${crc32Base64('hello there')}\r\n\r\n`;
    expectRejected(await send(fake, chunkedPut(framed)), /trailer x-amz-checksum-crc32 does not match/);
  });

  it('rejects broken framing', async () => {
    const framed = `c\r\nhello world\r\n0\r\nx-amz-checksum-crc32:${crc32Base64('hello world')}\r\n\r\n`;
    expectRejected(await send(fake, chunkedPut(framed)), /malformed aws-chunked body/);
  });
});

describe('with a session token in the real credentials', () => {
  const withToken = { ...REAL, sessionToken: 'real-session-token' };
  let tokenFake: FakeAws;

  beforeAll(async () => {
    tokenFake = await startFakeAws({ credentials: withToken, dir, accountId: '210987654321' });
  });
  afterAll(() => tokenFake.close());

  it('accepts the signed real token', async () => {
    const sent = await send(tokenFake, sts({ credentials: withToken }));
    expect(sent.record.verified).toBe(true);
    expect(sent.body).toContain('<Account>210987654321</Account>');
  });

  it('rejects a missing or different token', async () => {
    expectRejected(await send(tokenFake, sts()), /x-amz-security-token missing or not the real/);
    const other = await send(tokenFake, sts({ credentials: { ...withToken, sessionToken: 'fake-session-token' } }));
    expectRejected(other, /x-amz-security-token missing or not the real/);
  });

  it('rejects the token when it is not signed', async () => {
    const sent = await send(tokenFake, sts({ wireHeaders: { 'X-Amz-Security-Token': withToken.sessionToken } }));
    expectRejected(sent, 'x-amz-security-token is not signed');
  });
});

describe('canned responses parsed by the AWS SDK for JavaScript v3', () => {
  const clientConfig = () => ({
    region: 'us-west-2',
    endpoint: fake.endpoint,
    credentials: REAL,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: fake.caPem }) }),
  });

  it('STS GetCallerIdentity', async () => {
    const identity = await new STSClient(clientConfig()).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/real-test-user' });
    expect(fake.requests.every((r) => r.verified)).toBe(true);
  });

  it('answers JSON-protocol GetCallerIdentity in JSON', async () => {
    const headers = { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSSecurityTokenServiceV20110615.GetCallerIdentity' };
    const sent = await send(fake, sts({ body: '{}', headers }));
    expect(sent.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(sent.body)).toMatchObject({ Account: '123456789012' });
  });

  it('S3 object round trip, including a key that needs encoding', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const key = 'dir/a b+c~ü(1)!.txt';
    await s3.send(new CreateBucketCommand({ Bucket: 'made-bucket' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: key, Body: 'payload' }));
    expect(put.ETag).toBe(`"${createHash('md5').update('payload').digest('hex')}"`);
    expect(fake.objects.get(`test-bucket/${key}`)?.toString()).toBe('payload');

    const got = await s3.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: key }));
    expect(await got.Body?.transformToString()).toBe('payload');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'test-bucket', Key: key }))).ContentLength).toBe(7);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'test-bucket', Prefix: 'dir/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([[key, 7]]);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual(['made-bucket', 'test-bucket']);

    await s3.send(new DeleteObjectCommand({ Bucket: 'test-bucket', Key: key }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(fake.requests.map((r) => r.failure)).toEqual(fake.requests.map(() => undefined));
  });

  it('S3 rejects the SDK when it signs with the wrong secret', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true, credentials: { ...REAL, secretAccessKey: 'wrong' } });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: 'k', Body: 'x' }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
    expect(fake.objects.size).toBe(0);
  });
});
