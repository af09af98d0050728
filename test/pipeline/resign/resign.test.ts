import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { createSigner } from '../../../src/aws/signer.js';
import { resign, signedTarget, strippedHeaders, type ResignInput } from '../../../src/pipeline/resign/resign.js';

const REAL = { accessKeyId: 'AKIAREALKEY000000001', secretAccessKey: 'real-secret', sessionToken: 'real-session-token' };
const NOW = new Date('2026-01-02T03:04:05Z');
const body = 'Action=GetCallerIdentity&Version=2011-06-15';

const input = (overrides: Partial<ResignInput> = {}): ResignInput => ({
  method: 'POST',
  rawPath: '/',
  rawQuery: '',
  headers: {
    host: 'sts.amazonaws.com',
    'content-type': 'application/x-www-form-urlencoded',
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIAPROXYAAAAAAAAAAA/20260102/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00',
    'x-amz-date': '20260102T030000Z',
    'x-amz-security-token': 'agent-token',
    'proxy-authorization': 'Basic x',
    connection: 'keep-alive',
    'user-agent': 'aws-cli/2',
  },
  service: 'sts',
  region: 'us-east-1',
  payloadHash: sha256Hex(body),
  sendPayloadHash: false,
  ...overrides,
});

/** Recomputes the signature with aws4 (an independent signer) over the headers the proxy signed. */
function aws4Signature(headers: Record<string, string>, service: string, path = '/', requestBody = body): string {
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(headers.authorization!)![1]!.split(';');
  const subset = Object.fromEntries(signedHeaders.map((h) => [h, headers[h]!]));
  const signer = new aws4.RequestSigner({ host: headers.host, path, method: 'POST', service, region: 'us-east-1', headers: subset, body: requestBody, doNotModifyHeaders: true } as aws4.Request, REAL);
  signer.datetime = headers['x-amz-date']!;
  return signer.signature();
}

describe('resign', () => {
  it("replaces the agent's signature with one an independent verifier accepts for the real key", async () => {
    const headers = await resign(input(), REAL, NOW);
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAREALKEY000000001\/20260102\/us-east-1\/sts\/aws4_request, /);
    expect(headers['x-amz-date']).toBe('20260102T030405Z');
    expect(headers['x-amz-security-token']).toBe('real-session-token');
    expect(/Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]).toBe(aws4Signature(headers, 'sts'));
  });

  it('drops proxy and hop-by-hop headers, and sends no payload hash header the agent did not send', async () => {
    const headers = await resign(input(), REAL, NOW);
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers.connection).toBeUndefined();
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('AKIAPROXY');
    expect(JSON.stringify(headers)).not.toContain('agent-token');
  });

  it('signs over the verified payload hash, and sends it for S3', async () => {
    const headers = await resign(
      input({ service: 's3', rawPath: '/b/k', headers: { host: 'b.s3.amazonaws.com' }, payloadHash: 'UNSIGNED-PAYLOAD', sendPayloadHash: true }),
      REAL,
      NOW,
    );
    expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(headers.authorization).toContain('x-amz-content-sha256');
  });
});

/** What resign() made before it signed with src/aws/sigv4.ts: @smithy/signature-v4 over the same headers. */
async function smithyResign(i: ResignInput, credentials: typeof REAL): Promise<Record<string, string>> {
  const headers = strippedHeaders(i.headers, i.setHeaders);
  headers['x-amz-content-sha256'] = i.payloadHash;
  const signed = await createSigner(credentials, i.region, i.service).sign(
    { method: i.method, protocol: 'https:', hostname: headers.host ?? '', ...signedTarget(i), headers },
    { signingDate: NOW, unsignableHeaders: i.sendPayloadHash ? undefined : new Set(['x-amz-content-sha256']) },
  );
  const out = signed.headers as Record<string, string>;
  if (!i.sendPayloadHash) delete out['x-amz-content-sha256'];
  return out;
}

describe('resign, against @smithy/signature-v4 over the same request', () => {
  const shapes: Array<[string, Partial<ResignInput>]> = [
    ['STS form POST', {}],
    ['a query API with repeated and encoded parameters', { method: 'GET', rawQuery: 'Action=DescribeInstances&Filter.1.Value=a%20b&Filter.1.Value=c&Empty=&x=%2F%7E', headers: { host: 'ec2.us-east-1.amazonaws.com', 'x-custom': '  spaced   value ' } }],
    ['a REST path with dot segments and encoded characters', { method: 'GET', service: 'lambda', rawPath: '/2015-03-31/functions/my%3Afunc/./invocations/../configuration', headers: { host: 'lambda.us-east-1.amazonaws.com', 'sec-fetch-mode': 'cors', 'cache-control': 'no-cache' } }],
    ['an S3 key with spaces, plus signs and a repeated parameter', { method: 'PUT', service: 's3', rawPath: '/bucket/a%20b+c/%E2%82%AC.txt', rawQuery: 'tagging=&b=2&b=1', headers: { host: 's3.us-east-1.amazonaws.com', 'content-type': 'text/plain', 'x-amz-meta-a': 'x' }, payloadHash: 'UNSIGNED-PAYLOAD', sendPayloadHash: true }],
    ['an S3 session token set by the proxy', { service: 's3', rawPath: '/b/k', headers: { host: 'b.s3express-use1-az4.us-east-1.amazonaws.com' }, setHeaders: { 'x-amz-s3session-token': 'express-token' }, payloadHash: 'UNSIGNED-PAYLOAD', sendPayloadHash: true }],
  ];
  for (const [name, overrides] of shapes) {
    it(`makes the same signed headers and signature: ${name}`, async () => {
      const i = input(overrides);
      for (const credentials of [REAL, { accessKeyId: REAL.accessKeyId, secretAccessKey: REAL.secretAccessKey }]) {
        expect(await resign(i, credentials as typeof REAL, NOW)).toEqual(await smithyResign(i, credentials as typeof REAL));
      }
    });
  }
});
