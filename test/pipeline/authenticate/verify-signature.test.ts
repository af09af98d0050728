import { describe, expect, it } from 'vitest';
import { parseAuthorization, type SigV4Authorization } from '../../../src/pipeline/authenticate/authorization-header.js';
import { signatureMatches, type SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { signWithAws4, signedHeadersOf } from '../../support/aws4-request.js';

// AWS SigV4 test suite (aws-sig-v4-test-suite): credentials, date and scope shared by every vector.
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const suiteHeaders = { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' };
const suiteAuth = (signature: string): SigV4Authorization =>
  parseAuthorization(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`)!;

describe('signatureMatches: AWS SigV4 test-suite vectors', () => {
  const vectors: Array<[string, SignedRequest, string]> = [
    ['get-vanilla', { method: 'GET', rawPath: '/', rawQuery: '', headers: suiteHeaders }, '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['post-vanilla', { method: 'POST', rawPath: '/', rawQuery: '', headers: suiteHeaders }, '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
    [
      'get-vanilla-query-order-key-case',
      { method: 'GET', rawPath: '/', rawQuery: 'Param2=value2&Param1=value1', headers: suiteHeaders },
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
  ];

  it.each(vectors)('%s verifies', async (_, request, signature) => {
    expect(await signatureMatches(request, suiteAuth(signature), SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(true);
  });

  it('get-vanilla fails with another secret', async () => {
    const [, request, signature] = vectors[0]!;
    expect(await signatureMatches(request, suiteAuth(signature), `${SUITE_SECRET}x`, EMPTY_HASH, SUITE_DATE)).toBe(false);
  });

  it('get-vanilla fails with another method, path, host or payload hash', async () => {
    const [, request, signature] = vectors[0]!;
    const auth = suiteAuth(signature);
    expect(await signatureMatches({ ...request, method: 'DELETE' }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches({ ...request, rawPath: '/x' }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches({ ...request, headers: { ...suiteHeaders, host: 'example.amazonaws.com.evil' } }, auth, SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(false);
    expect(await signatureMatches(request, auth, SUITE_SECRET, sha256Hex('x'), SUITE_DATE)).toBe(false);
  });

  it('get-vanilla still verifies with an extra header the client did not sign', async () => {
    const [, request, signature] = vectors[0]!;
    const withExtra = { ...request, headers: { ...suiteHeaders, 'x-amz-meta-extra': 'unsigned' } };
    expect(await signatureMatches(withExtra, suiteAuth(signature), SUITE_SECRET, EMPTY_HASH, SUITE_DATE)).toBe(true);
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

  it('an S3 path with spaces, unicode and reserved characters (signed as sent, not re-encoded)', async () => {
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
});
