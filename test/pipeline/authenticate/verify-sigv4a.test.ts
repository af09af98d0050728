import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { parseRawQuery } from '../../../src/aws/query.js';
import { AgentRegistry } from '../../../src/keys/agent-registry.js';
import { KeyStore } from '../../../src/keys/key-store.js';
import { readSignatureClaim, verifySignatureClaim } from '../../../src/pipeline/authenticate/authenticate.js';
import { parseAuthorization, parsePresignedQuery, type SigV4Authorization } from '../../../src/pipeline/authenticate/authorization-header.js';
import type { SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { sigv4aClaimError, sigv4aPrivateKey, sigv4aPublicKey, sigv4aSignatureMatches } from '../../../src/pipeline/authenticate/verify-sigv4a.js';
import { signWithSigv4a } from '../../support/sigv4a-request.js';

const hex = (base64url: string | undefined) => Buffer.from(base64url ?? '', 'base64url').toString('hex');

describe('SigV4a key derivation', () => {
  // aws-c-auth tests/key_derivation_tests.c ("values derived in synchronicity with Golang and IAM
  // implementations"), also pinned by the Go, Kotlin and Swift SDKs.
  const akid = 'AKISORANDOMAASORANDOM';
  const secret = 'q+jcrXGc+0zWN6uzclKVhvMmUsIfRPa4rlRandom';

  it('derives the published private key and public point', () => {
    expect(sigv4aPrivateKey(akid, secret).toString('hex')).toBe('7fd3bd010c0d9c292141c2b77bfbde1042c92e6836fff749d1269ec890fca1bd');
    const jwk = sigv4aPublicKey(akid, secret).export({ format: 'jwk' });
    expect(hex(jwk.x)).toBe('15d242ceebf8d8169fd6a8b5a746c41140414c3b07579038da06af89190fffcb');
    expect(hex(jwk.y)).toBe('0515242cedd82e94799482e4c0514b505afccf2c0c98d6a553bf539f424c5ec0');
  });

  it('caches the key per access key id, and derives again for another secret', () => {
    const key = sigv4aPublicKey(akid, secret);
    expect(sigv4aPublicKey(akid, secret)).toBe(key);
    expect(sigv4aPublicKey(akid, `${secret}x`)).not.toBe(key);
    expect(sigv4aPublicKey(akid, `${secret}x`).equals(key)).toBe(false);
  });
});

describe('sigv4aSignatureMatches: aws-c-auth SigV4a suite (v4a/get-vanilla)', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const EMPTY = sha256Hex('');
  const DATE = new Date('2015-08-30T12:36:00Z');
  const HEADER_SIGNATURE =
    '3046022100fddaaf816a31e30d04973875b13bc27b98da10907a3a1872fd5819a221334abc022100de2ee81d83b54f31efc82834de07e6cd4d5c6f25bfa08e0f29a15bb0977c343e';
  const request: SignedRequest = {
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', 'x-amz-region-set': 'us-east-1' },
  };
  const auth = (signature = HEADER_SIGNATURE): SigV4Authorization =>
    parseAuthorization(`AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=${signature}`, 'us-east-1')!;

  it('derives the suite’s public key', () => {
    const jwk = sigv4aPublicKey('AKIDEXAMPLE', SECRET).export({ format: 'jwk' });
    expect(hex(jwk.x)).toBe('b6618f6a65740a99e650b33b6b4b5bd0d43b176d721a3edfea7e7d2d56d936b1');
    expect(hex(jwk.y)).toBe('865ed22a7eadc9c5cb9d2cbaca1b3699139fedc5043dc6661864218330c8e518');
  });

  it('verifies the suite’s header signature', async () => {
    expect(await sigv4aSignatureMatches(request, auth(), SECRET, EMPTY, DATE)).toBe(true);
  });

  it('verifies the suite’s presigned URL (X-Amz-Region-Set a signed query parameter)', async () => {
    const rawQuery =
      'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Region-Set=us-east-1' +
      '&X-Amz-Signature=3045022100a28466db6c76223d5aa6ed436a8451b30e21ba0a076e7f2f943dd1f3d2816249022049e4b3746929cd2a2cb7b7984dbe0f5d40a300e7d9a7a7f1307c196b6f96b61a';
    const presigned = { method: 'GET', rawPath: '/', rawQuery, headers: { host: 'example.amazonaws.com' } };
    const presignedAuth = parsePresignedQuery(parseRawQuery(rawQuery))!;
    expect(await sigv4aSignatureMatches(presigned, presignedAuth, SECRET, EMPTY, DATE)).toBe(true);
    const widened = { ...presigned, rawQuery: rawQuery.replace('X-Amz-Region-Set=us-east-1', 'X-Amz-Region-Set=%2A') };
    expect(await sigv4aSignatureMatches(widened, parsePresignedQuery(parseRawQuery(widened.rawQuery))!, SECRET, EMPTY, DATE)).toBe(false);
  });

  it.each([
    ['another path', { ...request, rawPath: '/x' }, auth(), SECRET],
    ['another region set, as signed', { ...request, headers: { ...request.headers, 'x-amz-region-set': '*' } }, auth(), SECRET],
    ['another host', { ...request, headers: { ...request.headers, host: 'example2.amazonaws.com' } }, auth(), SECRET],
    ['another secret', request, auth(), `${SECRET}x`],
    ['one signature byte changed', request, auth(HEADER_SIGNATURE.replace(/.$/, 'f')), SECRET],
    ['a signature that is not DER', request, auth('ff'.repeat(40)), SECRET],
  ])('refuses %s', async (_, tampered, tamperedAuth, secret) => {
    expect(await sigv4aSignatureMatches(tampered, tamperedAuth, secret, EMPTY, DATE)).toBe(false);
  });

  it('refuses another payload hash and another signing time', async () => {
    expect(await sigv4aSignatureMatches(request, auth(), SECRET, sha256Hex('x'), DATE)).toBe(false);
    expect(await sigv4aSignatureMatches(request, auth(), SECRET, EMPTY, new Date(DATE.getTime() + 1000))).toBe(false);
  });
});

describe('authenticate: SigV4a from @smithy/signature-v4a, as the JS SDK signs a Multi-Region Access Point request', () => {
  const T0 = Date.parse('2024-05-01T10:00:00Z');
  const master = Buffer.alloc(32, 1);
  const store = new KeyStore({ master, agents: new AgentRegistry(master, [{ name: 'agent-1', ttlSeconds: 3600 }]), now: () => T0 });
  const key = store.keyFor('agent-1');
  const body = Buffer.from('hello');

  async function authenticate(request: SignedRequest) {
    const claim = readSignatureClaim(request, new Date(T0));
    if (!claim.ok) return claim;
    return verifySignatureClaim(request, claim.value, body, (id) => store.lookup(id));
  }

  it('verifies the agent key’s signature; the scope is s3 in any region, with the signed region set', async () => {
    const result = await authenticate(await signWithSigv4a({ date: new Date(T0), body }, key));
    expect(result.ok && result.value.auth).toMatchObject({ algorithm: 'AWS4-ECDSA-P256-SHA256', service: 's3', region: '*', regionSet: ['*'] });
    expect(result.ok && result.value.payloadHash).toBe(sha256Hex(body));
  });

  it('keeps a one-region set as the region', async () => {
    const result = await authenticate(await signWithSigv4a({ date: new Date(T0), body, regionSet: 'eu-west-1' }, key));
    expect(result.ok && result.value.auth).toMatchObject({ region: 'eu-west-1', regionSet: ['eu-west-1'] });
  });

  it('refuses it changed: another key in the path, another signed header value', async () => {
    const signed = await signWithSigv4a({ date: new Date(T0), body }, key);
    for (const tampered of [{ ...signed, rawPath: '/docs/b.txt' }, { ...signed, headers: { ...signed.headers, 'x-amz-region-set': 'us-east-1' } }]) {
      const result = await authenticate(tampered);
      expect(!result.ok && result.error.code).toBe('SignatureDoesNotMatch');
    }
  });

  it('refuses it signed by a key the proxy did not issue the secret of', async () => {
    const result = await authenticate(await signWithSigv4a({ date: new Date(T0), body }, { ...key, secretAccessKey: 'not-the-secret' }));
    expect(!result.ok && result.error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a region set that is not signed, and SigV4a signed chunks', async () => {
    const signed = await signWithSigv4a({ date: new Date(T0), body }, key);
    const auth = parseAuthorization(String(signed.headers.authorization), '*')!;
    expect(sigv4aClaimError(signed, { ...auth, signedHeaders: auth.signedHeaders.filter((h) => h !== 'x-amz-region-set') })).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const chunked = { ...signed, headers: { ...signed.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' } };
    expect(sigv4aClaimError(chunked, auth)).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(sigv4aClaimError(signed, auth)).toBeUndefined();
  });

  it('refuses a SigV4a header without x-amz-region-set as IncompleteSignature', async () => {
    const signed = await signWithSigv4a({ date: new Date(T0), body }, key);
    delete signed.headers['x-amz-region-set'];
    const result = await authenticate(signed);
    expect(!result.ok && result.error).toMatchObject({ status: 400, code: 'IncompleteSignature' });
  });
});
