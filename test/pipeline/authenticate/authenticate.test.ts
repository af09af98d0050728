import { describe, expect, it } from 'vitest';
import { toAmzDate } from '../../../src/aws/amz-date.js';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { AgentRegistry } from '../../../src/keys/agent-registry.js';
import type { IssuedKey } from '../../../src/keys/issued-key.js';
import { KeyStore } from '../../../src/keys/key-store.js';
import {
  MAX_CLOCK_SKEW_MS,
  readSignatureClaim,
  verifySignatureClaim,
  type Result,
  type Authenticated,
} from '../../../src/pipeline/authenticate/authenticate.js';
import type { SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import aws4 from 'aws4';
import { splitTarget } from '../../../src/aws/query.js';
import { signedHeadersOf, signWithAws4, type SigningOptions } from '../../support/aws4-request.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MINUTE = 60_000;
const TTL = 3600_000;

function setup(): { store: KeyStore; clock: { now: number }; key: IssuedKey } {
  const clock = { now: T0 };
  const master = Buffer.alloc(32, 1);
  const store = new KeyStore({ master, agents: new AgentRegistry(master, [{ name: 'agent-1', ttlSeconds: TTL / 1000 }]), now: () => clock.now });
  return { store, clock, key: store.keyFor('agent-1') };
}

/** Both steps, as the pipeline runs them. */
async function authenticate(request: SignedRequest, body: Buffer | undefined, store: KeyStore, now: number): Promise<Result<Authenticated>> {
  const claim = readSignatureClaim(request, new Date(now));
  if (!claim.ok) return claim;
  return verifySignatureClaim(request, claim.value, body, (id) => store.lookup(id));
}

const sign = (key: IssuedKey, options: Partial<SigningOptions> = {}): SignedRequest =>
  signWithAws4(
    { host: 'sts.amazonaws.com', path: '/?Action=GetCallerIdentity&Version=2011-06-15', service: 'sts', region: 'us-east-1', date: new Date(T0), ...options },
    key,
  );

function expectRefused(result: Result<unknown>, status: number, code: string): string {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error.code).toBe(code);
  expect(result.error.status).toBe(status);
  return result.error.message;
}

describe('authenticate: signature and body', () => {
  it('accepts a GET signed with an issued key and returns the key and the empty-body hash', async () => {
    const { store, key } = setup();
    const result = await authenticate(sign(key), undefined, store, T0);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.key.accessKeyId).toBe(key.accessKeyId);
    expect(result.value.key.agent).toBe('agent-1');
    expect(result.value.auth.service).toBe('sts');
    expect(result.value.payloadHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('accepts a POST whose body was signed (aws4), with the body hash as payload hash', async () => {
    const { store, key } = setup();
    const body = 'Action=SendMessage&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F1%2Fq&MessageBody=hi+there';
    const request = sign(key, { host: 'sqs.us-east-1.amazonaws.com', path: '/', service: 'sqs', body });
    const result = await authenticate(request, Buffer.from(body), store, T0);
    expect(result.ok && result.value.payloadHash).toBe(sha256Hex(body));
  });

  it('refuses the same request with a changed body', async () => {
    const { store, key } = setup();
    const body = 'Action=SendMessage&MessageBody=hello';
    const request = sign(key, { host: 'sqs.us-east-1.amazonaws.com', path: '/', service: 'sqs', body });
    expectRefused(await authenticate(request, Buffer.from(body.replace('hello', 'HELLO')), store, T0), 403, 'SignatureDoesNotMatch');
  });

  it('refuses a body that does not match a signed x-amz-content-sha256, even though the signature covers that header', async () => {
    // A signer that trusts the header (smithy does) would accept this: the signature is valid for the lie.
    const { store, key } = setup();
    const claimedBody = 'the body that was approved';
    const request = sign(key, {
      host: 'b.s3.amazonaws.com',
      path: '/key',
      service: 's3',
      method: 'PUT',
      body: claimedBody,
      headers: { 'X-Amz-Content-Sha256': sha256Hex(claimedBody) },
    });
    expect(String(request.headers.authorization)).toContain('x-amz-content-sha256');
    expect((await authenticate(request, Buffer.from(claimedBody), store, T0)).ok).toBe(true);
    const message = expectRefused(await authenticate(request, Buffer.from('a different body'), store, T0), 400, 'XAmzContentSHA256Mismatch');
    expect(message).toContain('x-amz-content-sha256');
  });

  it('passes UNSIGNED-PAYLOAD through as a literal without needing a body', async () => {
    const { store, key } = setup();
    const request = sign(key, { host: 'b.s3.amazonaws.com', path: '/big-upload', service: 's3', method: 'PUT', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    const claim = readSignatureClaim(request, new Date(T0));
    expect(claim.ok && claim.value.payload).toStrictEqual({ kind: 'literal', value: 'UNSIGNED-PAYLOAD' });
    const result = await authenticate(request, undefined, store, T0);
    expect(result.ok && result.value.payloadHash).toBe('UNSIGNED-PAYLOAD');
  });

  it('refuses a signed x-amz-content-sha256 that is neither a hash nor a known literal', async () => {
    const { store, key } = setup();
    const request = sign(key, { host: 'b.s3.amazonaws.com', path: '/k', service: 's3', headers: { 'X-Amz-Content-Sha256': 'not-a-hash' } });
    expectRefused(await authenticate(request, undefined, store, T0), 400, 'InvalidArgument');
  });

  it('refuses a signed-chunk upload that does not declare its decoded length (its chunks could not be checked against it)', async () => {
    const { store, key } = setup();
    const request = sign(key, { host: 'b.s3.amazonaws.com', path: '/k', service: 's3', method: 'PUT', headers: { 'X-Amz-Content-Sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } });
    expectRefused(await authenticate(request, undefined, store, T0), 411, 'MissingContentLength');
  });

  it('refuses a request signed with the right key id but another secret', async () => {
    const { store, key } = setup();
    const request = sign({ ...key, secretAccessKey: 'wrong' });
    expectRefused(await authenticate(request, undefined, store, T0), 403, 'SignatureDoesNotMatch');
  });
});

describe('authenticate: headers and clock', () => {
  it.each([
    ['16 minutes behind', -16 * MINUTE, false],
    ['16 minutes ahead', 16 * MINUTE, false],
    ['14 minutes behind', -14 * MINUTE, true],
    ['14 minutes ahead', 14 * MINUTE, true],
  ])('x-amz-date %s of the proxy clock: accepted=%s', async (_, offset, accepted) => {
    const { store, key } = setup();
    const request = sign(key, { date: new Date(T0 + offset) });
    const result = await authenticate(request, undefined, store, T0);
    if (accepted) expect(result.ok).toBe(true);
    else expect(expectRefused(result, 403, 'SignatureDoesNotMatch')).toContain(`not within 15 minutes of the proxy's time ${toAmzDate(new Date(T0))}`);
  });

  it('the skew limit is 15 minutes', () => {
    expect(MAX_CLOCK_SKEW_MS).toBe(15 * MINUTE);
  });

  it('refuses a credential scope date that is not the x-amz-date day', async () => {
    const { store, key } = setup();
    const request = sign(key);
    request.headers.authorization = String(request.headers.authorization).replace('/20240501/', '/20240430/');
    expect(expectRefused(await authenticate(request, undefined, store, T0), 403, 'SignatureDoesNotMatch')).toContain('scope date');
  });

  it('refuses a request whose host header is not signed', async () => {
    const { store, key } = setup();
    const request = sign(key);
    request.headers.authorization = String(request.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');
    expect(expectRefused(await authenticate(request, undefined, store, T0), 403, 'SignatureDoesNotMatch')).toContain('host header must be signed');
  });

  it('refuses a missing or unsigned x-amz-date', async () => {
    const { store, key } = setup();
    const request = sign(key);
    const { 'x-amz-date': _, ...withoutDate } = request.headers;
    expectRefused(await authenticate({ ...request, headers: withoutDate }, undefined, store, T0), 403, 'IncompleteSignature');
    const unsigned = { ...request, headers: { ...request.headers, authorization: String(request.headers.authorization).replace(';x-amz-date', '') } };
    expectRefused(await authenticate(unsigned, undefined, store, T0), 403, 'IncompleteSignature');
  });

  it('refuses two Authorization headers, whichever comes first and even if both are the same valid one', async () => {
    const { store, key } = setup();
    const request = sign(key);
    const auth = String(request.headers.authorization);
    const rawHeaders = (second: string) => [...Object.entries(request.headers).flat(), 'Authorization', second];
    // Node keeps the first and drops the second: only the raw list shows there were two.
    for (const second of [auth, 'AWS4-HMAC-SHA256 garbage']) {
      expect(expectRefused(await authenticate({ ...request, rawHeaders: rawHeaders(second) }, undefined, store, T0), 400, 'InvalidArgument')).toContain('one Authorization');
    }
    expect((await authenticate({ ...request, rawHeaders: Object.entries(request.headers).flat() }, undefined, store, T0)).ok).toBe(true);
  });

  it('answers a request without Authorization with MissingAuthenticationToken 403', async () => {
    const { store } = setup();
    const request: SignedRequest = { method: 'GET', rawPath: '/', rawQuery: 'Action=GetCallerIdentity', headers: { host: 'sts.amazonaws.com' } };
    expect(expectRefused(await authenticate(request, undefined, store, T0), 403, 'MissingAuthenticationToken')).toBe('Request is missing Authentication Token');
  });

  /** A presigned URL made by aws4 (signQuery), as the proxy receives it. */
  const presign = (key: IssuedKey, options: { date: Date; expires: number; service?: string; path?: string; host?: string }): SignedRequest => {
    const service = options.service ?? 's3';
    const host = options.host ?? 'b.s3.amazonaws.com';
    const base = options.path ?? '/dir/my%20file.txt';
    const path = `${base}${base.includes('?') ? '&' : '?'}X-Amz-Date=${toAmzDate(options.date)}&X-Amz-Expires=${options.expires}`;
    const signed = aws4.sign({ host, path, service, region: 'us-east-1', method: 'GET', signQuery: true }, key);
    const { rawPath, rawQuery } = splitTarget(signed.path ?? '/');
    return { method: 'GET', rawPath, rawQuery, headers: { host } };
  };

  it('accepts a presigned (query-string) S3 URL made by an independent signer', async () => {
    const { store, key } = setup();
    const request = presign(key, { date: new Date(T0 - 2 * MINUTE), expires: 300 });
    expect(request.rawQuery).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
    const result = await authenticate(request, undefined, store, T0);
    expect(result.ok && result.value.payloadHash).toBe('UNSIGNED-PAYLOAD');
  });

  it('accepts a presigned URL for a non-S3 service (empty body hashed)', async () => {
    const { store, key } = setup();
    const request = presign(key, { date: new Date(T0), expires: 60, service: 'sts', host: 'sts.amazonaws.com', path: '/?Action=GetCallerIdentity&Version=2011-06-15' });
    const result = await authenticate(request, Buffer.alloc(0), store, T0);
    expect(result.ok ? 'ok' : result.error.message).toBe('ok');
  });

  it('refuses a presigned URL whose query was changed, or signed with another secret', async () => {
    const { store, key } = setup();
    const request = presign(key, { date: new Date(T0), expires: 300 });
    expectRefused(await authenticate({ ...request, rawPath: '/dir/other.txt' }, undefined, store, T0), 403, 'SignatureDoesNotMatch');
    const forged = presign({ ...key, secretAccessKey: 'not-the-secret' }, { date: new Date(T0), expires: 300 });
    expectRefused(await authenticate(forged, undefined, store, T0), 403, 'SignatureDoesNotMatch');
  });

  it('refuses a presigned URL past its X-Amz-Expires, and one signed over 15 minutes ago whatever its expiry', async () => {
    const { store, key } = setup();
    const expired = presign(key, { date: new Date(T0 - 2 * MINUTE), expires: 60 });
    expect(expectRefused(await authenticate(expired, undefined, store, T0), 403, 'AccessDenied')).toMatch(/expired/);
    const old = presign(key, { date: new Date(T0 - 16 * MINUTE), expires: 3600 });
    expect(expectRefused(await authenticate(old, undefined, store, T0), 403, 'SignatureDoesNotMatch')).toMatch(/Signature expired/);
  });

  it('refuses malformed presign parameters', async () => {
    const { store } = setup();
    const rawQuery = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=garbage&X-Amz-Date=20240501T100000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=' + 'a'.repeat(64);
    const request: SignedRequest = { method: 'GET', rawPath: '/b/k', rawQuery, headers: { host: 'b.s3.amazonaws.com' } };
    expectRefused(await authenticate(request, undefined, store, T0), 400, 'AuthorizationQueryParametersError');
  });

  it('refuses an AWS4-ECDSA-P256-SHA256 header carrying a SigV4 (regional) credential scope as IncompleteSignature 400', async () => {
    const { store, key } = setup();
    const request = sign(key);
    request.headers.authorization = String(request.headers.authorization).replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256');
    expectRefused(await authenticate(request, undefined, store, T0), 400, 'IncompleteSignature');
  });
});

describe('authenticate: key status', () => {
  it('refuses a key this proxy never issued', async () => {
    const { store } = setup();
    const request = sign({ accessKeyId: 'AKIAPROXYNOTISSUED00', secretAccessKey: 'x', agent: 'a', issuedAt: T0, expiresAt: T0 + TTL });
    const message = expectRefused(await authenticate(request, undefined, store, T0), 403, 'InvalidClientTokenId');
    expect(message).toBe('The security token included in the request is invalid: access key AKIAPROXYNOTISSUED00 is not one this proxy issued.');
  });

  it('refuses an expired key, even with a fresh signature', async () => {
    const { store, clock, key } = setup();
    clock.now = T0 + TTL;
    const request = sign(key, { date: new Date(clock.now) });
    const message = expectRefused(await authenticate(request, undefined, store, clock.now), 403, 'InvalidClientTokenId');
    expect(message).toBe(`The security token included in the request is invalid: access key ${key.accessKeyId} has expired.`);
  });

  it('accepts a key one millisecond before it expires', async () => {
    const { store, clock, key } = setup();
    clock.now = T0 + TTL - 1;
    expect((await authenticate(sign(key, { date: new Date(clock.now) }), undefined, store, clock.now)).ok).toBe(true);
  });

  it('refuses a revoked key', async () => {
    const { store, key } = setup();
    store.revoke({ accessKeyId: key.accessKeyId });
    const message = expectRefused(await authenticate(sign(key), undefined, store, T0), 403, 'InvalidClientTokenId');
    expect(message).toBe(`The security token included in the request is invalid: access key ${key.accessKeyId} has been revoked.`);
  });
});

describe('authenticate: session tokens', () => {
  const REAL = { accessKeyId: 'ASIAREALSESSION00001', secretAccessKey: 'real-session-secret', sessionToken: 'real-session-token' };
  const openSession = (store: KeyStore, parent: IssuedKey, options: { token?: boolean; header?: 'x-amz-security-token' | 'x-amz-s3session-token' } = {}) =>
    store.issueSession({
      parent,
      credentials: options.token === false ? { accessKeyId: REAL.accessKeyId, secretAccessKey: REAL.secretAccessKey } : REAL,
      expiresAt: T0 + TTL,
      assumedRole: 'arn:aws:iam::123456789012:role/demo',
      tokenHeader: options.header ?? 'x-amz-security-token',
    });
  const signAs = (key: IssuedKey, token: Record<string, string> = {}) => sign(key, { headers: token, alsoSign: Object.keys(token) });

  it("accepts a session key with its own proxy-issued token, and hands back the session", async () => {
    const { store, key } = setup();
    const session = openSession(store, key);
    const result = await authenticate(signAs(session, { 'x-amz-security-token': session.session!.sessionToken }), undefined, store, T0);
    expect(result.ok && result.value.key.session?.assumedRole).toBe('arn:aws:iam::123456789012:role/demo');
  });

  it.each([
    ['no token', () => ({})],
    ['the real token', () => ({ 'x-amz-security-token': REAL.sessionToken })],
    ['a token one character off', (t: string) => ({ 'x-amz-security-token': `${t.slice(0, -1)}x` })],
    ['its token in the S3 Express header', (t: string) => ({ 'x-amz-s3session-token': t })],
    ['its token twice, in both headers', (t: string) => ({ 'x-amz-security-token': t, 'x-amz-s3session-token': t })],
  ])('refuses a session key with %s', async (_, token) => {
    const { store, key } = setup();
    const session = openSession(store, key);
    expectRefused(await authenticate(signAs(session, token(session.session!.sessionToken)), undefined, store, T0), 403, 'InvalidClientTokenId');
  });

  it("refuses an agent's own key sent with any token, even another session's", async () => {
    const { store, key } = setup();
    const session = openSession(store, key);
    expectRefused(await authenticate(signAs(key, { 'x-amz-security-token': session.session!.sessionToken }), undefined, store, T0), 403, 'InvalidClientTokenId');
    expectRefused(await authenticate(signAs(key, { 'x-amz-s3session-token': 'anything' }), undefined, store, T0), 403, 'InvalidClientTokenId');
  });

  it('takes an S3 Express session token only in its own header', async () => {
    const { store, key } = setup();
    const session = openSession(store, key, { header: 'x-amz-s3session-token' });
    const token = session.session!.sessionToken;
    expect((await authenticate(signAs(session, { 'x-amz-s3session-token': token }), undefined, store, T0)).ok).toBe(true);
    expectRefused(await authenticate(signAs(session, { 'x-amz-security-token': token }), undefined, store, T0), 403, 'InvalidClientTokenId');
  });

  it('wants no token for a session over credentials that had none (iam:CreateAccessKey)', async () => {
    const { store, key } = setup();
    const session = openSession(store, key, { token: false });
    expect((await authenticate(signAs(session), undefined, store, T0)).ok).toBe(true);
    expectRefused(await authenticate(signAs(session, { 'x-amz-security-token': session.session!.sessionToken }), undefined, store, T0), 403, 'InvalidClientTokenId');
  });

  it('reads a presigned URL’s X-Amz-Security-Token', async () => {
    const { store, key } = setup();
    const session = openSession(store, key);
    const presign = (token: string) => {
      const path = `/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=${toAmzDate(new Date(T0))}&X-Amz-Expires=60&X-Amz-Security-Token=${encodeURIComponent(token)}`;
      const signed = aws4.sign({ host: 'sts.amazonaws.com', path, service: 'sts', region: 'us-east-1', signQuery: true }, session);
      const { rawPath, rawQuery } = splitTarget(signed.path!);
      return { method: 'GET', rawPath, rawQuery, headers: { host: 'sts.amazonaws.com' } };
    };
    expect((await authenticate(presign(session.session!.sessionToken), Buffer.alloc(0), store, T0)).ok).toBe(true);
    expectRefused(await authenticate(presign('forged'), Buffer.alloc(0), store, T0), 403, 'InvalidClientTokenId');
  });
});

describe('authenticate: exactly the headers the client signed', () => {
  it('verifies a signed Date header (Net::Amazon::S3 signs it), and refuses it altered', async () => {
    const { store, key } = setup();
    const request = sign(key, { headers: { Date: 'Wed, 01 May 2024 10:00:00 GMT' } });
    expect(signedHeadersOf(request)).toContain('date');
    expect((await authenticate(request, undefined, store, T0)).ok).toBe(true);
    const altered = { ...request, headers: { ...request.headers, date: 'Wed, 01 May 2024 10:00:01 GMT' } };
    expectRefused(await authenticate(altered, undefined, store, T0), 403, 'SignatureDoesNotMatch');
  });
});
