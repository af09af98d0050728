import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import aws4 from 'aws4';
import { parseRawQuery, splitTarget } from '../../../src/aws/query.js';
import { parseAuthorization, parsePresignedQuery, type SigV4Authorization } from '../../../src/pipeline/authenticate/authorization-header.js';
import { presignedSignatureMatches, signatureMatches, type SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { signWithAws4, signedHeadersOf } from '../../support/aws4-request.js';

// get-vanilla of the AWS SigV4 test suite (every case is in sigv4-suite.test.ts).
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const suiteHeaders = { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' };
const suiteAuth = (signature: string, signedHeaders = 'host;x-amz-date'): SigV4Authorization =>
  parseAuthorization(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`)!;
const vanilla: SignedRequest = { method: 'GET', rawPath: '/', rawQuery: '', headers: suiteHeaders, rawHeaders: ['Host', 'example.amazonaws.com', 'X-Amz-Date', '20150830T123600Z'] };
const VANILLA_SIGNATURE = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';

/** SigV4 by hand (node:crypto) over a given canonical request, in the suite's scope. */
function suiteSignature(canonicalRequest: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = ['20150830', 'us-east-1', 'service', 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${SUITE_SECRET}`);
  const stringToSign = ['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request', sha256Hex(canonicalRequest)].join('\n');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('signatureMatches: what the signature covers', () => {
  const auth = suiteAuth(VANILLA_SIGNATURE);

  it('get-vanilla fails with another method, path, host or payload hash', async () => {
    expect(await signatureMatches(vanilla, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(true);
    expect(await signatureMatches({ ...vanilla, method: 'DELETE' }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches({ ...vanilla, rawPath: '/x' }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches({ ...vanilla, rawHeaders: ['Host', 'example.amazonaws.com.evil', 'X-Amz-Date', '20150830T123600Z'] }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches(vanilla, auth, SUITE_SECRET, sha256Hex('x'), SUITE_DATE)).toBe(false);
  });

  it('headers are read from the lines received: any letter case, an unsigned extra one ignored, a second Host not', async () => {
    const lines = (...extra: string[]) => ({ ...vanilla, rawHeaders: ['hOST', 'example.amazonaws.com', 'x-amz-DATE', '20150830T123600Z', ...extra] });
    expect(await signatureMatches(lines('X-Amz-Meta-Extra', 'unsigned'), auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(true);
    // Node's `headers` would show only the first Host; the signature covers both.
    expect(await signatureMatches(lines('Host', 'iam.amazonaws.com'), auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
  });

  it('a SignedHeaders list that is not sorted and unique is refused, even signed in the order it lists', async () => {
    const value: Record<string, string> = { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', '': '' };
    for (const list of ['x-amz-date;host', 'host;host;x-amz-date', 'host;;x-amz-date']) {
      const names = list.split(';');
      const canonical = ['GET', '/', '', ...names.map((name) => `${name}:${value[name]}`), '', list, EMPTY_HASH].join('\n');
      expect(await signatureMatches(vanilla, suiteAuth(suiteSignature(canonical), list), SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    }
    // The same hand-made signer agrees with the suite on the list sorted.
    expect(suiteSignature(['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_HASH].join('\n'))).toBe(VANILLA_SIGNATURE);
  });
});

describe('signatureMatches: requests signed by aws4', () => {
  const creds = { accessKeyId: 'AKIAPROXYABCDEFGHIJK', secretAccessKey: 'c2VjcmV0L2tleStmb3ItdGVzdHMvb25seQ==' };
  const date = new Date('2024-05-01T10:00:00Z');

  async function verifies(request: SignedRequest, payloadHash: string): Promise<boolean> {
    const auth = parseAuthorization(String(request.headers.authorization));
    expect(auth).toBeDefined();
    return signatureMatches(request, auth!, creds.secretAccessKey, payloadHash, date);
  }

  it('an S3 path with spaces, unicode and reserved characters, all encoded', async () => {
    const path = '/my-bucket/dir%20one/caf%C3%A9/%E2%9C%93%28x%29%21%2A%27%3D%40%3A%26%24%2C%3B.txt';
    const request = signWithAws4({ host: 's3.us-east-1.amazonaws.com', path, service: 's3', region: 'us-east-1', date }, creds);
    expect(request.rawPath).toBe(path);
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
  });

  it('an S3 path given to aws4 unencoded (it encodes spaces and unicode once)', async () => {
    const request = signWithAws4({ host: 'b.s3.amazonaws.com', path: '/a b/café ✓.txt?versionId=3', service: 's3', region: 'us-east-1', date }, creds);
    expect(request.rawPath).toBe('/a%20b/caf%C3%A9%20%E2%9C%93.txt');
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
  });

  it('an S3 key sent with reserved characters unencoded is signed as S3 decodes it: `=` as %3D, `+` as a space', async () => {
    const request = signWithAws4({ host: 'b.s3.amazonaws.com', path: '/data/asset_id=1/a+b$(c)', service: 's3', region: 'us-east-1', date }, creds);
    expect(request.rawPath).toBe('/data/asset_id=1/a+b$(c)');
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawPath: '/data/asset_id%3D1/a%20b%24%28c%29' }, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawPath: '/data/asset_id%3D1/a%2Bb%24%28c%29' }, EMPTY_HASH)).toBe(false);
    expect(await verifies({ ...request, rawPath: '/data/asset_id=1/a+b$(c%' }, EMPTY_HASH)).toBe(false);
  });

  it('an S3 path is not normalised: the same request with "/./" removed does not verify', async () => {
    const request = signWithAws4({ host: 'b.s3.amazonaws.com', path: '/dir/./key', service: 's3', region: 'us-east-1', date }, creds);
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawPath: '/dir/key' }, EMPTY_HASH)).toBe(false);
  });

  it('a non-S3 path with "..", "." and "//" is normalised and double-encoded', async () => {
    const path = '/foo/../bar/./a%20b//c%2Fd';
    const request = signWithAws4({ host: 'abc123.execute-api.us-east-1.amazonaws.com', path, service: 'execute-api', region: 'us-east-1', date }, creds);
    expect(request.rawPath).toBe(path);
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    // Same canonical path, different bytes on the wire: still the same signature…
    expect(await verifies({ ...request, rawPath: '/bar/a%20b/c%2Fd' }, EMPTY_HASH)).toBe(true);
    // …but a path that decodes to the same characters is a different canonical path (no single-decoding).
    expect(await verifies({ ...request, rawPath: '/bar/a b/c%2Fd' }, EMPTY_HASH)).toBe(false);
  });

  it('query parameters: repeated keys and percent-encoded values', async () => {
    const request = signWithAws4(
      { host: 'sqs.us-east-1.amazonaws.com', path: '/?b=2&a=1&a=0&c=%2F%20x', service: 'sqs', region: 'us-east-1', date },
      creds,
    );
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawQuery: 'b=2&a=1&c=%2F%20x' }, EMPTY_HASH)).toBe(false);
  });

  it('honours user-agent and range when the client listed them in SignedHeaders', async () => {
    const request = signWithAws4(
      {
        host: 'b.s3.amazonaws.com',
        path: '/key',
        service: 's3',
        region: 'us-east-1',
        headers: { 'User-Agent': 'agent/1.0', Range: 'bytes=0-9' },
        alsoSign: ['user-agent', 'range'],
        date,
      },
      creds,
    );
    expect(signedHeadersOf(request)).toEqual(expect.arrayContaining(['user-agent', 'range']));
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    // they really are part of the signature: changing one breaks it
    expect(await verifies({ ...request, headers: { ...request.headers, range: 'bytes=0-99' } }, EMPTY_HASH)).toBe(false);
    expect(await verifies({ ...request, headers: { ...request.headers, 'user-agent': 'other/2.0' } }, EMPTY_HASH)).toBe(false);
  });

  it('ignores user-agent when the client did not sign it', async () => {
    const request = signWithAws4({ host: 'sts.amazonaws.com', path: '/?Action=GetCallerIdentity&Version=2011-06-15', service: 'sts', region: 'us-east-1', headers: { 'User-Agent': 'a/1' }, date }, creds);
    expect(signedHeadersOf(request)).not.toContain('user-agent');
    expect(await verifies({ ...request, headers: { ...request.headers, 'user-agent': 'changed/2' } }, EMPTY_HASH)).toBe(true);
  });

  it('a body is covered through the payload hash it is given', async () => {
    const body = 'Action=ListQueues&Version=2012-11-05';
    const request = signWithAws4({ host: 'sqs.us-east-1.amazonaws.com', path: '/', service: 'sqs', region: 'us-east-1', body, date }, creds);
    expect(await verifies(request, sha256Hex(body))).toBe(true);
    expect(await verifies(request, sha256Hex(`${body}&x=1`))).toBe(false);
  });

  it('a header listed as signed but not sent is canonicalised as empty', async () => {
    const request = signWithAws4({ host: 'sqs.us-east-1.amazonaws.com', path: '/', service: 'sqs', region: 'us-east-1', headers: { 'X-Amz-Meta-Empty': '' }, date }, creds);
    expect(signedHeadersOf(request)).toContain('x-amz-meta-empty');
    const { 'x-amz-meta-empty': _, ...withoutIt } = request.headers;
    expect(await verifies({ ...request, headers: withoutIt }, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, headers: { ...withoutIt, 'x-amz-meta-empty': 'x' } }, EMPTY_HASH)).toBe(false);
  });

  it('a repeated S3 query parameter: only its first value is signed, as S3 signs it', async () => {
    const request = signWithAws4({ host: 'b.s3.amazonaws.com', path: '/?list-type=2&prefix=a&prefix=b', service: 's3', region: 'us-east-1', date }, creds);
    expect(request.rawQuery).toBe('list-type=2&prefix=a&prefix=b');
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawQuery: 'list-type=2&prefix=a&prefix=c' }, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawQuery: 'list-type=2&prefix=c&prefix=b' }, EMPTY_HASH)).toBe(false);
  });

  it('a query parameter named x-amz-signature is part of a header signature like any other', async () => {
    const request = signWithAws4({ host: 'sqs.us-east-1.amazonaws.com', path: '/?Action=ListQueues&x-amz-signature=1', service: 'sqs', region: 'us-east-1', date }, creds);
    expect(await verifies(request, EMPTY_HASH)).toBe(true);
    expect(await verifies({ ...request, rawQuery: 'Action=ListQueues&x-amz-signature=2' }, EMPTY_HASH)).toBe(false);
  });
});

describe('presignedSignatureMatches: requests presigned by aws4', () => {
  const creds = { accessKeyId: 'AKIAPROXYABCDEFGHIJK', secretAccessKey: 'c2VjcmV0L2tleStmb3ItdGVzdHMvb25seQ==' };
  const date = new Date('2024-05-01T10:00:00Z');

  /** aws4 signs every header it is given: here Host and, when given, one more. */
  function presign(path: string, headers: Record<string, string> = {}): SignedRequest {
    const query = `${path.includes('?') ? '&' : '?'}X-Amz-Date=20240501T100000Z&X-Amz-Expires=300`;
    const signed = aws4.sign({ host: 'b.s3.amazonaws.com', path: `${path}${query}`, service: 's3', region: 'us-east-1', headers, signQuery: true }, creds);
    const { rawPath, rawQuery } = splitTarget(signed.path!);
    const rawHeaders = Object.entries(signed.headers!).flatMap(([name, value]) => [name, String(value)]);
    return { method: 'GET', rawPath, rawQuery, headers: {}, rawHeaders };
  }

  const verifies = (request: SignedRequest) =>
    presignedSignatureMatches(request, parsePresignedQuery(parseRawQuery(request.rawQuery))!, creds.secretAccessKey, 'UNSIGNED-PAYLOAD', date);

  it('covers every query parameter but X-Amz-Signature, one of the same name in another case included', async () => {
    const request = presign('/k?versionId=3&x-amz-signature=1');
    expect(await verifies(request)).toBe(true);
    expect(await verifies({ ...request, rawQuery: request.rawQuery.replace('versionId=3', 'versionId=4') })).toBe(false);
    expect(await verifies({ ...request, rawQuery: request.rawQuery.replace('x-amz-signature=1', 'x-amz-signature=2') })).toBe(false);
    expect(await verifies({ ...request, rawQuery: `${request.rawQuery}&extra=1` })).toBe(false);
  });

  it('covers exactly the headers X-Amz-SignedHeaders names, as sent', async () => {
    const request = presign('/k', { 'X-Amz-Meta-Owner': 'me' });
    expect(request.rawQuery).toContain('X-Amz-SignedHeaders=host%3Bx-amz-meta-owner');
    expect(await verifies(request)).toBe(true);
    expect(await verifies({ ...request, rawHeaders: [...request.rawHeaders!, 'x-amz-meta-owner', 'you'] })).toBe(false);
    expect(await verifies({ ...request, rawHeaders: [...request.rawHeaders!, 'x-amz-meta-other', 'unsigned'] })).toBe(true);
  });
});
