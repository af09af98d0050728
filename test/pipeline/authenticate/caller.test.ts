import { describe, expect, it } from 'vitest';
import type { KeyLookup } from '../../../src/keys/issued-key.js';
import { identifyCaller, MAX_UNSIGNED_BODY_BYTES, UNAUTHENTICATED_AGENT, type CallerSources } from '../../../src/pipeline/authenticate/caller.js';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';

const NOW = new Date('2026-12-02T09:00:00Z');

function sources(overrides: Partial<CallerSources> = {}): CallerSources & { reads: number } {
  const state = { reads: 0 };
  return Object.assign(state, {
    now: NOW,
    lookupKey: (): KeyLookup => ({ status: 'unknown' }),
    readBody: async () => (state.reads++, Buffer.from('{"roleName":"x"}')),
    hostScope: () => ({ service: 'awsssoportal', region: 'us-east-1' }),
    ...overrides,
  });
}

const request = (headers: Record<string, string>, target = '/federation/credentials?role_name=x&account_id=123456789012') =>
  new AwsRequest('GET', target, 'portal.sso.us-east-1.amazonaws.com', { host: 'portal.sso.us-east-1.amazonaws.com', ...headers }, []);

describe('identifyCaller', () => {
  it('lets a request with no signature at all on as unsigned, with the scope of its host and its body read', async () => {
    const from = sources();
    const result = await identifyCaller(request({ 'x-amz-sso_bearer_token': 'token' }), from);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).toMatchObject({ signed: false, presigned: false, scope: { service: 'awsssoportal', region: 'us-east-1' }, key: { agent: UNAUTHENTICATED_AGENT } });
    expect(result.value.key.session).toBeUndefined();
    expect(from.reads).toBe(1);
  });

  it('does not treat a malformed or foreign signature as no signature', async () => {
    const result = await identifyCaller(request({ authorization: 'AWS4-ECDSA-P256-SHA256 Credential=x' }), sources());
    expect(result.ok || result.error.code).toBe('IncompleteSignature');
    const presigned = await identifyCaller(request({}, '/x?X-Amz-Algorithm=AWS4-HMAC-SHA256'), sources());
    expect(presigned.ok || presigned.error.code).toBe('AuthorizationQueryParametersError');
  });

  it('looks the key up before reading a signed body: an unknown, expired or revoked key costs no read', async () => {
    for (const status of ['unknown', 'expired', 'revoked'] as const) {
      const from = sources({ lookupKey: () => ({ status }) });
      const signed = request({
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIAPROXYNOTOURS/20261202/us-east-1/awsssoportal/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64),
        'x-amz-date': '20261202T090000Z',
      });
      const result = await identifyCaller(signed, from);
      expect(result.ok || result.error.code).toBe('InvalidClientTokenId');
      expect(from.reads).toBe(0);
    }
  });

  it('refuses an unsigned request to a host that names no service', async () => {
    const result = await identifyCaller(request({}), sources({ hostScope: () => undefined }));
    expect(result.ok || result.error.code).toBe('MissingAuthenticationToken');
  });

  it('reads at most 1 MiB of an unsigned body, and refuses more', async () => {
    const { BodyTooLargeError } = await import('../../../src/pipeline/intercept/read-body.js');
    const limits: Array<number | undefined> = [];
    const result = await identifyCaller(request({}), sources({ readBody: (max) => (limits.push(max), Promise.reject(new BodyTooLargeError('body is over the limit'))) }));
    expect(result.ok || result.error.code).toBe('EntityTooLarge');
    expect(limits).toEqual([MAX_UNSIGNED_BODY_BYTES]);
    expect(MAX_UNSIGNED_BODY_BYTES).toBe(1024 * 1024);
  });
});
