import { cbor, tag } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import { epochMillis, rewriteCredentials, type FoundCredentials } from '../../../src/pipeline/respond/rewrite-credentials.js';
import type { CredentialLocation } from '../../../src/services/model.js';

const REAL = {
  accessKeyId: 'ASIAREALREALREAL0001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYREALSECRET',
  sessionToken: 'IQoJb3JpZ2luX2VjEREALTOKEN+/=AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI',
  expiration: '2026-12-02T09:00:00Z',
};
const STAND_IN = { accessKeyId: 'ASIAPROXYSTANDIN0001', secretAccessKey: 'proxy/secret/standin/0000000000000000000', sessionToken: 'IAPproxytoken' };
const STS_LOCATION: CredentialLocation[] = [
  { path: [{ member: 'Credentials' }], accessKeyId: { member: 'AccessKeyId' }, secretAccessKey: { member: 'SecretAccessKey' }, sessionToken: { member: 'SessionToken' }, expiration: { member: 'Expiration' } },
];

/** An sts:AssumeRole response as AWS writes it (the documented example, with other values). */
const ASSUME_ROLE_XML = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
  <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${REAL.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${REAL.secretAccessKey}</SecretAccessKey>
      <SessionToken>${REAL.sessionToken}</SessionToken>
      <Expiration>${REAL.expiration}</Expiration>
    </Credentials>
    <PackedPolicySize>8</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`;

function rewrite(body: Buffer | string, protocol: Parameters<typeof rewriteCredentials>[1], operation: string, locations: CredentialLocation[]) {
  const found: FoundCredentials[] = [];
  const result = rewriteCredentials(Buffer.from(body), protocol, operation, locations, (f) => (found.push(f), { ...STAND_IN }));
  return { result, found };
}

describe('rewriteCredentials', () => {
  it('swaps the key, secret and token of an AssumeRole response in place, keeping every other byte', () => {
    const { result, found } = rewrite(ASSUME_ROLE_XML, 'awsQuery', 'AssumeRole', STS_LOCATION);
    expect(found).toEqual([{ accessKeyId: REAL.accessKeyId, secretAccessKey: REAL.secretAccessKey, sessionToken: REAL.sessionToken, expiresAt: Date.parse(REAL.expiration) }]);
    if (!result.ok) throw new Error(result.reason);
    const expected = ASSUME_ROLE_XML.replace(REAL.accessKeyId, STAND_IN.accessKeyId).replace(REAL.secretAccessKey, STAND_IN.secretAccessKey).replace(REAL.sessionToken, STAND_IN.sessionToken);
    expect(result.body.toString()).toBe(expected);
  });

  it('rewrites restJson1 (SSO roleCredentials, expiry in milliseconds) and keeps the other members', () => {
    const locations: CredentialLocation[] = [
      { path: [{ member: 'roleCredentials' }], accessKeyId: { member: 'accessKeyId' }, secretAccessKey: { member: 'secretAccessKey' }, sessionToken: { member: 'sessionToken' }, expiration: { member: 'expiration' } },
    ];
    const body = JSON.stringify({ roleCredentials: { accessKeyId: REAL.accessKeyId, secretAccessKey: REAL.secretAccessKey, sessionToken: REAL.sessionToken, expiration: 1764666000000 } });
    const { result, found } = rewrite(body, 'restJson1', 'GetRoleCredentials', locations);
    expect(found[0]!.expiresAt).toBe(1764666000000);
    if (!result.ok) throw new Error(result.reason);
    expect(JSON.parse(result.body.toString())).toEqual({ roleCredentials: { ...STAND_IN, expiration: 1764666000000 } });
  });

  it('rewrites CBOR, reading a tag-1 expiry', () => {
    const body = cbor.serialize({ Credentials: { AccessKeyId: REAL.accessKeyId, SecretAccessKey: REAL.secretAccessKey, SessionToken: REAL.sessionToken, Expiration: tag({ tag: 1, value: Date.parse(REAL.expiration) / 1000 }) } });
    const { result, found } = rewrite(Buffer.from(body), 'rpcv2Cbor', 'AssumeRole', STS_LOCATION);
    expect(found[0]!.expiresAt).toBe(Date.parse(REAL.expiration));
    if (!result.ok) throw new Error(result.reason);
    const decoded = cbor.deserialize(result.body) as { Credentials: Record<string, unknown> };
    expect(decoded.Credentials.SecretAccessKey).toBe(STAND_IN.secretAccessKey);
    expect(decoded.Credentials.Expiration).toMatchObject({ tag: 1, value: Date.parse(REAL.expiration) / 1000 });
    expect(result.body.includes(REAL.secretAccessKey)).toBe(false);
  });

  it('gives credentials without a token (iam:CreateAccessKey) no token', () => {
    const locations: CredentialLocation[] = [{ path: [{ member: 'AccessKey' }], accessKeyId: { member: 'AccessKeyId' }, secretAccessKey: { member: 'SecretAccessKey' } }];
    const xml = `<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey><UserName>bob</UserName><AccessKeyId>AKIAREALUSERKEY00001</AccessKeyId><Status>Active</Status><SecretAccessKey>${REAL.secretAccessKey}</SecretAccessKey></AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>`;
    const { result, found } = rewrite(xml, 'awsQuery', 'CreateAccessKey', locations);
    expect(found[0]!.sessionToken).toBeUndefined();
    if (!result.ok) throw new Error(result.reason);
    expect(result.body.toString()).not.toContain('AKIAREALUSERKEY00001');
    expect(result.body.toString()).not.toContain(REAL.secretAccessKey);
  });

  it('steps into lists: every item is swapped', () => {
    const locations: CredentialLocation[] = [
      { path: [{ member: 'jobs', list: 'wrapped' }, { member: 'data' }, { member: 'artifactCredentials' }], accessKeyId: { member: 'accessKeyId' }, secretAccessKey: { member: 'secretAccessKey' }, sessionToken: { member: 'sessionToken' } },
    ];
    const job = (n: number) => ({ id: `job-${n}`, data: { artifactCredentials: { accessKeyId: `ASIAREAL${n}`, secretAccessKey: `secret-${n}-${REAL.secretAccessKey}`, sessionToken: `token-${n}` } } });
    const { result, found } = rewrite(JSON.stringify({ jobs: [job(1), job(2)] }), 'awsJson1_1', 'PollForJobs', locations);
    expect(found.map((f) => f.accessKeyId)).toEqual(['ASIAREAL1', 'ASIAREAL2']);
    expect(result.ok).toBe(true);
  });

  it('leaves a listed key whose secret AWS no longer shows as it is', () => {
    const locations: CredentialLocation[] = [{ path: [{ member: 'accessKeys', list: 'wrapped' }], accessKeyId: { member: 'accessKeyId' }, secretAccessKey: { member: 'secretAccessKey' } }];
    const body = JSON.stringify({ accessKeys: [{ accessKeyId: 'AKIALIGHTSAIL000001', secretAccessKey: '', status: 'Active' }] });
    const { result, found } = rewrite(body, 'awsJson1_1', 'GetBucketAccessKeys', locations);
    expect(found).toEqual([]);
    expect(result.ok && result.body.toString()).toBe(body);
  });

  describe('fails closed', () => {
    const refused = (body: string | Buffer, protocol: Parameters<typeof rewriteCredentials>[1] = 'awsQuery', locations = STS_LOCATION) => {
      const { result } = rewrite(body, protocol, 'AssumeRole', locations);
      expect(result.ok).toBe(false);
      return result.ok ? '' : result.reason;
    };

    it('on a secret written with a character reference, which text replacement would miss', () => {
      const escaped = ASSUME_ROLE_XML.replace(`<SecretAccessKey>${REAL.secretAccessKey}`, `<SecretAccessKey>&#${REAL.secretAccessKey.charCodeAt(0)};${REAL.secretAccessKey.slice(1)}`);
      expect(refused(escaped)).toMatch(/escaped|still/);
    });

    it('on a second copy of a secret where the model does not place credentials', () => {
      const extra = ASSUME_ROLE_XML.replace('<PackedPolicySize>', `<Debug><SessionToken>${REAL.sessionToken}x</SessionToken></Debug><PackedPolicySize>`);
      expect(refused(extra)).toMatch(/SessionToken/);
    });

    it('on credentials moved to where the model does not say (an unknown shape)', () => {
      const moved = ASSUME_ROLE_XML.replace(/<(\/?)Credentials>/g, '<$1NewCredentials>');
      expect(refused(moved)).toMatch(/does not place/);
    });

    it('on a truncated or unreadable body', () => {
      expect(refused(ASSUME_ROLE_XML.slice(0, 400))).toMatch(/unreadable/);
      expect(refused('{"roleCredentials": {"secretAccessKey": "abc"', 'restJson1')).toMatch(/unreadable/);
      expect(refused(Buffer.from([0xbf, 0x61]), 'rpcv2Cbor')).toMatch(/unreadable/);
    });

    it('on a secret without its key id', () => {
      const body = JSON.stringify({ Credentials: { SecretAccessKey: REAL.secretAccessKey } });
      expect(refused(body, 'awsJson1_1')).toMatch(/without its access key id/);
    });

    it('on a real value that also appears in another member (a session name echoing the key)', () => {
      const body = JSON.stringify({ Credentials: { AccessKeyId: REAL.accessKeyId, SecretAccessKey: REAL.secretAccessKey, SessionToken: REAL.sessionToken }, Note: `\\u0041${REAL.secretAccessKey}` });
      const { result } = rewrite(body, 'awsJson1_1', 'AssumeRole', STS_LOCATION);
      // The escaped copy decodes to a string holding the real secret: caught after re-reading.
      expect(result.ok).toBe(false);
    });
  });
});

describe('epochMillis', () => {
  it.each([
    ['2026-12-02T09:00:00Z', Date.parse('2026-12-02T09:00:00Z')],
    [1764666000, 1764666000000],
    [1764666000.5, 1764666000500],
    [1764666000000, 1764666000000],
    ['1764666000', 1764666000000],
    [{ tag: 1, value: 1764666000 }, 1764666000000],
    ['soon', undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => expect(epochMillis(value)).toBe(expected));
});
