import { describe, expect, it } from 'vitest';
import type { IssuedKey } from '../../../src/keys/issued-key.js';
import type { Caller } from '../../../src/pipeline/authenticate/caller.js';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';
import { outboundRequest } from '../../../src/pipeline/resign/outbound.js';
import type { ResolvedCall } from '../../../src/pipeline/resolve/types.js';

const NOW = new Date('2026-12-02T09:00:00Z');
const REAL = { accessKeyId: 'ASIAREALOUTBOUND0001', secretAccessKey: 'real-secret', sessionToken: 'real-session-token' };
const key: IssuedKey = { accessKeyId: 'AKIAPROXYKEY', secretAccessKey: 's', agent: 'a', issuedAt: 0, expiresAt: 1 };
const call = { signingName: 's3express', region: 'us-west-2', disableDoubleEncoding: true } as ResolvedCall;
const caller = (overrides: Partial<Caller>): Caller => ({ signed: true, key, scope: { service: 's3express', region: 'us-west-2' }, payloadHash: 'UNSIGNED-PAYLOAD', presigned: false, ...overrides });
const request = new AwsRequest('GET', '/k?x-id=GetObject', 'b--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com', {
  host: 'b--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIAPROXYKEY/20261202/us-west-2/s3express/aws4_request, SignedHeaders=host, Signature=00',
  'x-amz-s3session-token': 'proxy-issued-token',
  'x-amz-date': '20261202T090000Z',
  'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  'accept-encoding': 'gzip',
}, []);

describe('outboundRequest', () => {
  it('sends an unsigned call on without any signature or token, and never signs it', async () => {
    const out = await outboundRequest({ request, caller: caller({ signed: false }), call, credentials: undefined, readsResponse: false, now: NOW }, undefined);
    expect(out.headers.authorization).toBeUndefined();
    expect(out.headers['x-amz-s3session-token']).toBeUndefined();
    expect(out.headers['x-amz-date']).toBeUndefined();
    expect(out.headers.host).toBe(request.hostname);
  });

  it("puts an S3 Express session's real token in its own header, signed, and no x-amz-security-token", async () => {
    const session = { sessionToken: 'proxy-issued-token', tokenHeader: 'x-amz-s3session-token' as const, credentials: REAL, assumedRole: 'b', parentKeyId: 'AKIAPROXYKEY' };
    const out = await outboundRequest({ request, caller: caller({ key: { ...key, session } }), call, credentials: REAL, readsResponse: false, now: NOW }, undefined);
    expect(out.headers['x-amz-s3session-token']).toBe(REAL.sessionToken);
    expect(out.headers['x-amz-security-token']).toBeUndefined();
    expect(out.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAREALOUTBOUND0001\/20261202\/us-west-2\/s3express\/aws4_request, SignedHeaders=[^,]*x-amz-s3session-token/);
  });

  it('asks for an uncompressed response when the proxy must read it, and signs that', async () => {
    const out = await outboundRequest({ request, caller: caller({}), call, credentials: REAL, readsResponse: true, now: NOW }, undefined);
    expect(out.headers['accept-encoding']).toBe('identity');
    expect(out.headers['x-amz-security-token']).toBe(REAL.sessionToken);
    expect(out.headers['x-amz-s3session-token']).toBeUndefined();
    expect(out.headers.authorization).toMatch(/SignedHeaders=accept-encoding;/);
  });
});
