/**
 * Hostile requests from an agent that holds valid agent keys: each one is signed correctly with
 * those keys, and tries to make the proxy decide on one operation (or resource) while AWS would
 * execute another. For every attack the test checks what the client is told AND that nothing
 * reached the (fake) upstream; a control, the same request without the disguise, is forwarded, so
 * a proxy that refused everything would fail here too. The last group holds the holes found while
 * writing it, each with a comment naming what got through before it was fixed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws, type RecordedRequest } from './support/fake-aws.js';
import { errorCode, removeHeader, sendHostile, setHeader, type HostileRequest, type Keys, type WireResponse } from './support/hostile-client.js';
import { REAL, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys } from './support/raw-client.js';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '999999999999';

/** The README's example allowlist, verbatim. */
const README_ALLOWLIST = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ProxyRecordedActions', Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 'sts:GetCallerIdentity'], Resource: '*' }],
};

/** Specific resources (and a few own-account wildcards, the usual way to scope a policy to an account). */
const SCOPED_ALLOWLIST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::allowed-bucket/*' },
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::allowed-bucket/public/*' },
    { Effect: 'Allow', Action: 's3:GetAccountPublicAccessBlock', Resource: '*' },
    { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/allowed` },
    { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:allowed` },
    { Effect: 'Allow', Action: 'apigateway:GET', Resource: ['arn:aws:apigateway:us-east-1::/restapis/allowed', 'arn:aws:apigateway:us-east-1::/restapis/allowed/*'] },
    { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:us-east-1:${ACCOUNT}:abcde12345/prod/GET/public/*` },
    { Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*` },
    { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/*` },
    { Effect: 'Allow', Action: 'cloudwatch:ListMetrics', Resource: '*' },
    { Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition', 'events:PutTargets'], Resource: '*' },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/admin' },
  ],
};

type Mode = 'readme' | 'scoped' | 'record';

let upstream: FakeAws;
const proxies = {} as Record<Mode, ProxyRun>;
const keys = {} as Record<Mode, Keys>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iap-attacks-'));
  writeFileSync(join(dir, 'readme.json'), JSON.stringify(README_ALLOWLIST));
  writeFileSync(join(dir, 'scoped.json'), JSON.stringify(SCOPED_ALLOWLIST));
  upstream = await startFakeAws({ credentials: REAL, dir });
  const enforce = (file: string) => ({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, file) } });
  [proxies.readme, proxies.scoped, proxies.record] = await Promise.all([startProxy(enforce('readme.json')), startProxy(enforce('scoped.json')), startProxy({ upstream })]);
  // Each proxy looks its account id up at start (resource ARNs need it): wait for all three.
  for (const deadline = Date.now() + 10_000; upstream.requests.filter((r) => r.verified).length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  [keys.readme, keys.scoped, keys.record] = await Promise.all([agentKeys(proxies.readme), agentKeys(proxies.scoped), agentKeys(proxies.record)]);
});
afterAll(async () => {
  await Promise.all(Object.values(proxies).map((proxy) => proxy.stop()));
  await upstream?.close();
});
beforeEach(() => upstream.reset());

interface Attempt {
  res: WireResponse;
  /** What reached the fake upstream because of this one request. */
  forwarded: RecordedRequest[];
}

async function attempt(mode: Mode, request: Omit<HostileRequest, 'keys'> & { keys?: Keys }): Promise<Attempt> {
  const before = upstream.requests.length;
  const res = await sendHostile(proxies[mode], { keys: keys[mode], ...request });
  return { res, forwarded: upstream.requests.slice(before) };
}

type Format = 'xml' | 'json' | 'none';

/** Refused with this status and code, in the client's protocol, and nothing went upstream. */
function expectRefused({ res, forwarded }: Attempt, status: number, code: string | undefined, format: Format): void {
  expect(forwarded.map((r) => `${r.method} ${r.host}${r.path}`)).toEqual([]);
  expect(res.status).toBe(status);
  expect(errorCode(res)).toBe(code);
  if (format === 'xml') expect(res.body).toContain(`<Code>${code}</Code>`);
  if (format === 'json') expect((JSON.parse(res.body) as { __type: string }).__type).toBe(code);
}

/** Forwarded once, re-signed with the real key (the fake verified it), to this host and target. */
function expectForwarded({ res, forwarded }: Attempt, host: string, target: string): void {
  expect(forwarded.map((r) => `${r.method} ${r.host}${r.path} verified=${r.verified}`)).toEqual([expect.stringMatching(new RegExp(`^\\S+ ${literal(host)}${literal(target)} verified=true$`))]);
  expect(res.status).toBeLessThan(500);
  expect(['AccessDenied', 'AccessDeniedException', 'SignatureDoesNotMatch', 'InvalidRequest']).not.toContain(errorCode(res));
}

/** Refused, whatever the status or code (the last group's attacks): nothing forwarded. */
function expectNotForwarded({ res, forwarded }: Attempt, status?: number): void {
  expect(forwarded.map((r) => `${r.method} ${r.host}${r.path}`)).toEqual([]);
  if (status) expect(res.status).toBe(status);
  else expect(res.status).toBeGreaterThanOrEqual(400);
}

/** The answer's body with XML character references decoded, for matching its message. */
const messageOf = (res: WireResponse) => res.body.replace(/&#39;/g, "'").replace(/&#34;|&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const S3 = { service: 's3', region: 'us-east-1' } as const;
const STS = { service: 'sts', host: 'sts.amazonaws.com', method: 'POST' } as const;
const IDENTITY = 'Action=GetCallerIdentity&Version=2011-06-15';
const ASSUME_ADMIN = `Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A${ACCOUNT}%3Arole%2Fadmin&RoleSessionName=s`;
const SECRET = 'secret-bucket.s3.us-east-1.amazonaws.com';
const ALLOWED = 'allowed-bucket.s3.us-east-1.amazonaws.com';
const S3_CONTROL = `${ACCOUNT}.s3-control.us-east-1.amazonaws.com`;
const PUBLIC_ACCESS_BLOCK = '<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>';
const json = (target: string, version = '1.0') => ({ 'x-amz-target': target, 'content-type': `application/x-amz-json-${version}` });
const DYNAMODB = { service: 'dynamodb', host: 'dynamodb.us-east-1.amazonaws.com', method: 'POST' } as const;
const SQS = { service: 'sqs', host: 'sqs.us-east-1.amazonaws.com', method: 'POST' } as const;
const queueUrl = (name: string, account = ACCOUNT) => `https://sqs.us-east-1.amazonaws.com/${account}/${name}`;
const APIGW = { service: 'apigateway', host: 'apigateway.us-east-1.amazonaws.com' } as const;
const EXECUTE_API = { service: 'execute-api', host: 'abcde12345.execute-api.us-east-1.amazonaws.com' } as const;
const deleteObjects = (keysXml: string) => `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${keysXml}</Delete>`;
const objectXml = (key: string) => `<Object><Key>${key}</Key></Object>`;

describe('the README allowlist (s3:ListAllMyBuckets, sts:GetCallerIdentity on *)', () => {
  it('controls: the allowed calls are forwarded', async () => {
    expectForwarded(await attempt('readme', { ...S3, host: 's3.amazonaws.com', path: '/' }), 's3.amazonaws.com', '/');
    expectForwarded(await attempt('readme', { ...STS, headers: FORM, body: IDENTITY }), 'sts.amazonaws.com', '/');
    expectForwarded(await attempt('readme', { ...STS, method: 'GET', path: `/?${IDENTITY}` }), 'sts.amazonaws.com', `/?${IDENTITY}`);
    expectForwarded(await attempt('readme', { ...STS, host: 'sts.us-west-2.amazonaws.com', region: 'us-west-2', headers: FORM, body: IDENTITY }), 'sts.us-west-2.amazonaws.com', '/');
    expectForwarded(await attempt('readme', { ...S3, host: 's3.amazonaws.com', path: '/', plain: true }), 's3.amazonaws.com', '/');
  });

  describe('S3 requests disguised as ListAllMyBuckets are decided as the S3 operation they are', () => {
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, string]> = [
      ['GET ?Action=ListAllMyBuckets', { ...S3, host: SECRET, path: '/k?Action=ListAllMyBuckets' }, 's3:GetObject'],
      ['PUT with X-Amz-Target: x.ListAllMyBuckets', { ...S3, host: SECRET, method: 'PUT', path: '/k', headers: { 'x-amz-target': 'x.ListAllMyBuckets' }, body: 'data' }, 's3:PutObject'],
      ['DELETE with a form body Action=ListAllMyBuckets', { ...S3, host: SECRET, method: 'DELETE', path: '/k', headers: FORM, body: 'Action=ListAllMyBuckets' }, 's3:DeleteObject'],
      ['PUT with ?Action=ListAllMyBuckets and a form body', { ...S3, host: SECRET, method: 'PUT', path: '/k?Action=ListAllMyBuckets&Version=2006-03-01', headers: FORM, body: 'Action=ListAllMyBuckets' }, 's3:PutObject'],
      ['GET with all three disguises', { ...S3, host: SECRET, path: '/k?Action=ListAllMyBuckets', headers: { 'x-amz-target': 'x.ListAllMyBuckets', ...FORM }, body: 'Action=ListAllMyBuckets' }, 's3:GetObject'],
      ['path-style GET on the very host ListBuckets uses', { ...S3, host: 's3.amazonaws.com', path: '/secret-bucket/k?Action=ListAllMyBuckets' }, 's3:GetObject'],
      ['DELETE of a bucket with X-Amz-Target', { ...S3, host: 's3.amazonaws.com', method: 'DELETE', path: '/secret-bucket', headers: { 'x-amz-target': 'x.ListAllMyBuckets' } }, 's3:DeleteBucket'],
      ['the same over plain HTTP (absolute-form)', { ...S3, host: SECRET, path: '/k?Action=ListAllMyBuckets', plain: true }, 's3:GetObject'],
    ];
    for (const [name, request, action] of cases) {
      it(`${name}: AccessDenied for ${action}`, async () => {
        const result = await attempt('readme', request);
        expectRefused(result, 403, 'AccessDenied', 'xml');
        expect(messageOf(result.res)).toContain(`perform: ${action} on resource`);
      });
    }
  });

  it('S3 Control PUT publicAccessBlock (signed as s3) is s3:PutAccountPublicAccessBlock, denied', async () => {
    const result = await attempt('readme', { ...S3, host: S3_CONTROL, method: 'PUT', path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': ACCOUNT }, body: PUBLIC_ACCESS_BLOCK });
    expectRefused(result, 403, 'AccessDenied', 'xml');
    expect(messageOf(result.res)).toContain('perform: s3:PutAccountPublicAccessBlock on resource');
  });

  describe('the credential scope is bound to the host', () => {
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, Format, RegExp]> = [
      ['scope sts sent to an execute-api host', { service: 'sts', host: EXECUTE_API.host, path: '/prod/pets' }, 'json', /'execute-api'/],
      ['scope sts sent to s3.amazonaws.com', { service: 'sts', host: 's3.amazonaws.com', path: `/?${IDENTITY}` }, 'xml', /'s3'/],
      ['scope us-east-1 sent to sts.us-west-2', { ...STS, host: 'sts.us-west-2.amazonaws.com', region: 'us-east-1', headers: FORM, body: IDENTITY }, 'xml', /region/],
      ['scope us-west-2 sent to the global STS endpoint', { ...STS, region: 'us-west-2', headers: FORM, body: IDENTITY }, 'xml', /region/],
      ['bedrock-runtime as the signing name (it signs as bedrock)', { service: 'bedrock-runtime', host: 'bedrock-runtime.us-east-1.amazonaws.com', method: 'POST', path: '/model/m/invoke', headers: { 'content-type': 'application/json' }, body: '{}' }, 'json', /'bedrock'/],
      ['scope s3 sent to STS', { ...STS, service: 's3', headers: FORM, body: IDENTITY }, 'xml', /'sts'/],
    ];
    for (const [name, request, format, message] of cases) {
      it(`${name}: SignatureDoesNotMatch`, async () => {
        const result = await attempt('readme', request);
        expectRefused(result, 403, 'SignatureDoesNotMatch', format);
        expect(messageOf(result.res)).toMatch(message);
      });
    }
  });

  describe('operation fields given twice or in two protocols are refused', () => {
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, number, string]> = [
      ['two Action= in the body', { ...STS, headers: FORM, body: `Action=GetCallerIdentity&${ASSUME_ADMIN}` }, 400, 'InvalidRequest'],
      ['Action in the query and in an odd-case form body', { ...STS, path: '/?Action=GetCallerIdentity', headers: { 'content-type': 'Application/X-WWW-Form-URLEncoded' }, body: ASSUME_ADMIN }, 400, 'InvalidRequest'],
      ['the same Action in query and body', { ...STS, path: '/?Action=GetCallerIdentity', headers: FORM, body: IDENTITY }, 400, 'InvalidRequest'],
      ['Action and action', { ...STS, headers: FORM, body: `${IDENTITY}&action=AssumeRole` }, 400, 'InvalidRequest'],
      ['Action percent-encoded as %41ction beside Action', { ...STS, path: '/?%41ction=AssumeRole', headers: FORM, body: IDENTITY }, 400, 'InvalidRequest'],
      ['a JSON body on a query service', { ...STS, path: `/?${IDENTITY}`, headers: { 'content-type': 'application/json' }, body: '{"Action":"AssumeRole"}' }, 400, 'InvalidRequest'],
      ['a PUT with the Action in the query and a form body', { ...STS, method: 'PUT', path: `/?${IDENTITY}`, headers: FORM, body: ASSUME_ADMIN }, 400, 'InvalidRequest'],
      // Signed as %2B (aws4 would read a + as a space), sent as +: SigV4 reads both as a plus.
      ['a + in a query-protocol query string', { ...STS, method: 'GET', path: `/?${IDENTITY}&X=a%2Bb`, tamper: (w) => void (w.target = w.target.replace('%2B', '+')) }, 400, 'InvalidRequest'],
      ['another API version', { ...STS, headers: FORM, body: 'Action=GetCallerIdentity&Version=2009-01-01' }, 400, 'InvalidRequest'],
      [
        'two Content-Types: text/plain first, then form (the body names AssumeRole)',
        { ...STS, path: `/?${IDENTITY}`, headerLines: [['content-type', 'text/plain'], ['Content-Type', 'application/x-www-form-urlencoded']], body: ASSUME_ADMIN },
        400,
        'InvalidRequest',
      ],
      ['an X-Amz-Target naming AssumeRole on query-only STS', { ...STS, headers: json('AWSSecurityTokenServiceV20110615.AssumeRole', '1.1'), body: '{}' }, 400, 'UnknownOperationException'],
      ['an Action the model does not have', { ...STS, headers: FORM, body: 'Action=GetEverything&Version=2011-06-15' }, 400, 'InvalidAction'],
    ];
    for (const [name, request, status, code] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        expectRefused(await attempt('readme', request), status, code, 'xml');
      });
    }
  });

  it('UNSIGNED-PAYLOAD lets the body change after signing, but the body decided on is the body sent: AccessDenied', async () => {
    const result = await attempt('readme', {
      ...STS,
      headers: { ...FORM, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(ASSUME_ADMIN.length) },
      body: IDENTITY,
      tamper: (w) => void (w.body = Buffer.from(ASSUME_ADMIN)),
    });
    expectRefused(result, 403, 'AccessDenied', 'xml');
    expect(result.res.body).toContain('sts:AssumeRole');
  });

  it('a body over 64 MiB is refused before anything is signed: EntityTooLarge', async () => {
    const result = await attempt('readme', { ...STS, headers: FORM, body: IDENTITY, tamper: (w) => setHeader(w, 'Content-Length', String(64 * 1024 * 1024 + 1)) });
    expectRefused(result, 413, 'EntityTooLarge', 'xml');
  });

  describe('Host header tricks', () => {
    it('a second Host, sent first, naming another AWS host than the tunnel: InvalidHostHeader', async () => {
      const result = await attempt('readme', { ...STS, headers: FORM, body: IDENTITY, tamper: (w) => w.headers.unshift(['Host', 'iam.amazonaws.com']) });
      expectRefused(result, 400, 'InvalidHostHeader', 'xml');
    });

    it('a Host with a trailing dot (not an AWS API host as written): InvalidHostHeader', async () => {
      expectRefused(await attempt('readme', { ...STS, host: 'sts.amazonaws.com.', connectHost: 'sts.amazonaws.com', headers: FORM, body: IDENTITY }), 400, 'InvalidHostHeader', 'xml');
    });

    it('no Host at all: 400, never forwarded', async () => {
      expectRefused(await attempt('readme', { ...STS, headers: FORM, body: IDENTITY, tamper: (w) => removeHeader(w, 'Host') }), 400, undefined, 'none');
    });

    it('an obsolete folded header line continuing X-Amz-Target: the connection is dropped, never forwarded', async () => {
      const result = await attempt('scoped', {
        ...DYNAMODB,
        headers: json('DynamoDB_20120810.GetItem'),
        body: '{"TableName":"allowed","Key":{"id":{"S":"1"}}}',
        tamper: (w) => setHeader(w, 'X-Amz-Target', 'DynamoDB_20120810.GetItem\r\n .DeleteTable'),
      });
      expect(result.forwarded).toEqual([]);
      expect(result.res.status === 0 || result.res.status === 400).toBe(true);
    });
  });

  describe('neutralised: forwarded, but only to the host and target that were verified and decided on', () => {
    it('a duplicate Host sent after the tunnelled one is dropped', async () => {
      const result = await attempt('readme', { ...STS, headers: FORM, headerLines: [['Host', 'sts.amazonaws.com'], ['Host', 'iam.amazonaws.com']], body: IDENTITY });
      expectForwarded(result, 'sts.amazonaws.com', '/');
      expect(result.forwarded[0]!.headers.host).toBe('sts.amazonaws.com');
    });

    it('plain HTTP: an absolute-form target naming another host than Host goes to the signed Host only', async () => {
      const result = await attempt('readme', { ...STS, headers: FORM, body: IDENTITY, plain: true, tamper: (w) => void (w.target = 'http://iam.amazonaws.com/') });
      expectForwarded(result, 'sts.amazonaws.com', '/');
    });

    it('plain HTTP: an absolute-form target without a path (`http://host?Action=…`) is read and forwarded as `/`', async () => {
      const result = await attempt('readme', { ...STS, headers: FORM, body: IDENTITY, plain: true, tamper: (w) => void (w.target = 'http://sts.amazonaws.com?Action=AssumeRole') });
      expectForwarded(result, 'sts.amazonaws.com', '/');
    });
  });
});

describe('the scoped allowlist (one bucket, one table, one queue, one API)', () => {
  it('controls: the same requests without a disguise are forwarded', async () => {
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, path: '/k' }), ALLOWED, '/k');
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, path: '/k?x-id=GetObject' }), ALLOWED, '/k?x-id=GetObject');
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, path: '/k?Action=ListAllMyBuckets' }), ALLOWED, '/k?Action=ListAllMyBuckets');
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, method: 'PUT', path: '/k', body: 'x' }), ALLOWED, '/k');
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': '/allowed-bucket/src' } }), ALLOWED, '/dest');
    expectForwarded(await attempt('scoped', { ...S3, host: ALLOWED, method: 'POST', path: '/?delete', body: deleteObjects(objectXml('public/a')) }), ALLOWED, '/?delete');
    expectForwarded(await attempt('scoped', { ...S3, host: S3_CONTROL, path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': ACCOUNT } }), S3_CONTROL, '/v20180820/configuration/publicAccessBlock');
    expectForwarded(await attempt('scoped', { ...DYNAMODB, headers: json('DynamoDB_20120810.GetItem'), body: '{"TableName":"allowed","Key":{"id":{"S":"1"}}}' }), DYNAMODB.host, '/');
    expectForwarded(await attempt('scoped', { ...DYNAMODB, headers: json('DynamoDB_20120810.Query'), body: '{"TableName":"mine"}' }), DYNAMODB.host, '/');
    const sendAllowed = `Action=SendMessage&Version=2012-11-05&QueueUrl=${encodeURIComponent(queueUrl('allowed'))}&MessageBody=hi`;
    expectForwarded(await attempt('scoped', { ...SQS, headers: FORM, body: sendAllowed }), SQS.host, '/');
    expectForwarded(await attempt('scoped', { ...SQS, headers: json('AmazonSQS.SendMessage'), body: JSON.stringify({ QueueUrl: queueUrl('allowed'), MessageBody: 'hi' }) }), SQS.host, '/');
    expectForwarded(await attempt('scoped', { ...APIGW, path: '/restapis/allowed/resources' }), APIGW.host, '/restapis/allowed/resources');
    expectForwarded(await attempt('scoped', { ...EXECUTE_API, path: '/prod/public/x' }), EXECUTE_API.host, '/prod/public/x');
  });

  describe('S3 subresource and header tricks', () => {
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, number, string, string?]> = [
      ['GET ?x-id=DeleteObject', { ...S3, host: ALLOWED, path: '/k?x-id=DeleteObject' }, 400, 'InvalidRequest', 'x-id'],
      ['GET /k?uploads', { ...S3, host: ALLOWED, path: '/k?uploads' }, 400, 'InvalidRequest', 'uploads'],
      ['PUT ?acl&tagging', { ...S3, host: ALLOWED, method: 'PUT', path: '/k?acl&tagging' }, 400, 'InvalidRequest', 'fits'],
      ['POST ?uploads&uploadId=1', { ...S3, host: ALLOWED, method: 'POST', path: '/k?uploads&uploadId=1' }, 400, 'InvalidRequest'],
      [
        'two x-amz-copy-source headers',
        { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headerLines: [['x-amz-copy-source', '/allowed-bucket/k'], ['x-amz-copy-source', '/secret-bucket/k']] },
        400,
        'InvalidRequest',
        'more than once',
      ],
      [
        'x-amz-copy-source twice, in two letter cases',
        { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headerLines: [['X-Amz-Copy-Source', '/allowed-bucket/k'], ['x-amz-COPY-source', '/secret-bucket/k']] },
        400,
        'InvalidRequest',
      ],
      ['CopyObject from a bucket the policy does not allow', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': '/secret-bucket/k' } }, 403, 'AccessDenied', 's3:GetObject on resource: arn:aws:s3:::secret-bucket/k'],
      ['CopyObject, source URL-encoded', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': '%2Fsecret-bucket%2Fk' } }, 403, 'AccessDenied', 'arn:aws:s3:::secret-bucket/k'],
      ['CopyObject, source with two leading slashes (unnameable: fails closed)', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': '//secret-bucket/k' } }, 403, 'AccessDenied', 'on resource: *'],
      ['CopyObject of a version', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': 'secret-bucket/k?versionId=1' } }, 403, 'AccessDenied', 's3:GetObjectVersion'],
      ['CopyObject from another account’s access point', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest', headers: { 'x-amz-copy-source': `arn:aws:s3:us-east-1:${OTHER_ACCOUNT}:accesspoint/ap/object/k` } }, 403, 'AccessDenied'],
      ['UploadPartCopy from a bucket the policy does not allow', { ...S3, host: ALLOWED, method: 'PUT', path: '/dest?partNumber=1&uploadId=u', headers: { 'x-amz-copy-source': '/secret-bucket/k' } }, 403, 'AccessDenied', 'arn:aws:s3:::secret-bucket/k'],
      ['PutObject with x-amz-acl: public-read', { ...S3, host: ALLOWED, method: 'PUT', path: '/k', headers: { 'x-amz-acl': 'public-read' }, body: 'x' }, 403, 'AccessDenied', 's3:PutObjectAcl'],
      ['PutObject with an x-amz-grant-read header', { ...S3, host: ALLOWED, method: 'PUT', path: '/k', headers: { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }, body: 'x' }, 403, 'AccessDenied', 's3:PutObjectAcl'],
      ['PutObject with x-amz-acl sent twice', { ...S3, host: ALLOWED, method: 'PUT', path: '/k', headerLines: [['x-amz-acl', 'private'], ['x-amz-acl', 'public-read']], body: 'x' }, 400, 'InvalidRequest'],
      ['the allowed bucket’s name as the first path segment on another bucket’s host (it is a key there)', { ...S3, host: SECRET, path: '/allowed-bucket/k' }, 403, 'AccessDenied', 'arn:aws:s3:::secret-bucket/allowed-bucket/k'],
      ['S3 Control PUT publicAccessBlock (only the GET is allowed)', { ...S3, host: S3_CONTROL, method: 'PUT', path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': ACCOUNT }, body: PUBLIC_ACCESS_BLOCK }, 403, 'AccessDenied', 's3:PutAccountPublicAccessBlock'],
      ['S3 Control with an x-amz-account-id other than the host’s', { ...S3, host: S3_CONTROL, path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': OTHER_ACCOUNT } }, 400, 'InvalidRequest', 'host name'],
    ];
    for (const [name, request, status, code, message] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        const result = await attempt('scoped', request);
        expectRefused(result, status, code, 'xml');
        if (message) expect(messageOf(result.res)).toContain(message);
      });
    }
  });

  describe('S3 XML bodies (DeleteObjects needs s3:DeleteObject on every key)', () => {
    const cases: Array<[string, string, number, string, string?]> = [
      ['a key outside the allowed prefix', deleteObjects(objectXml('public/a') + objectXml('private/b')), 403, 'AccessDenied', 'arn:aws:s3:::allowed-bucket/private/b'],
      ['a DOCTYPE whose entity expands to a key outside the prefix', `<!DOCTYPE d [<!ENTITY e "private/b">]>${deleteObjects(objectXml('public/a') + objectXml('&e;'))}`, 400, 'MalformedXML', 'DOCTYPE'],
      ['a CDATA section before the allowed prefix', deleteObjects(objectXml('<![CDATA[private/]]>public/a')), 403, 'AccessDenied', 'allowed-bucket/private/public/a'],
      ['a comment inside the key', deleteObjects(objectXml('private<!-- -->/public/a')), 403, 'AccessDenied', 'allowed-bucket/private/public/a'],
      ['a second Key in another namespace prefix', '<Delete xmlns:x="urn:x"><Object><Key>public/a</Key><x:Key>private/b</x:Key></Object></Delete>', 400, 'InvalidRequest', 'more than once'],
      ['a version id (permanent delete needs s3:DeleteObjectVersion)', deleteObjects('<Object><Key>public/a</Key><VersionId>v1</VersionId></Object>'), 403, 'AccessDenied', 's3:DeleteObjectVersion'],
      ['two root elements', deleteObjects(objectXml('public/a')) + deleteObjects(objectXml('private/b')), 400, 'MalformedXML'],
    ];
    for (const [name, body, status, code, message] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        const result = await attempt('scoped', { ...S3, host: ALLOWED, method: 'POST', path: '/?delete', body });
        expectRefused(result, status, code, 'xml');
        if (message) expect(messageOf(result.res)).toContain(message);
      });
    }

    it('an UNSIGNED-PAYLOAD body the resolver must read, declared over 64 MiB: EntityTooLarge', async () => {
      const result = await attempt('scoped', { ...S3, host: ALLOWED, method: 'POST', path: '/?delete', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(64 * 1024 * 1024 + 1) }, body: '<Delete/>' });
      expectRefused(result, 413, 'EntityTooLarge', 'xml');
    });
  });

  describe('JSON protocol: target and body tricks', () => {
    const getItem = (body: string, target = 'DynamoDB_20120810.GetItem') => ({ ...DYNAMODB, headers: json(target), body });
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, number, string]> = [
      [
        'two X-Amz-Target headers (GetItem, DeleteTable)',
        { ...getItem('{"TableName":"allowed"}'), headers: { 'content-type': 'application/x-amz-json-1.0' }, headerLines: [['X-Amz-Target', 'DynamoDB_20120810.GetItem'], ['X-Amz-Target', 'DynamoDB_20120810.DeleteTable']] },
        400,
        'InvalidRequest',
      ],
      ['X-Amz-Target DynamoDB_20120810.DeleteTable#.GetItem', getItem('{"TableName":"allowed"}', 'DynamoDB_20120810.DeleteTable#.GetItem'), 400, 'UnknownOperationException'],
      ['X-Amz-Target with the prefix in another case', getItem('{"TableName":"allowed"}', 'dynamodb_20120810.DeleteTable'), 400, 'UnknownOperationException'],
      ['X-Amz-Target naming another service’s API', getItem('{}', 'AmazonSQS.DeleteQueue'), 400, 'UnknownOperationException'],
      ['{"TableName":"allowed","TableName":"secret"}', getItem('{"TableName":"allowed","TableName":"secret","Key":{}}'), 400, 'SerializationException'],
      ['the duplicate spelled with a \\u escape', getItem('{"TableName":"allowed","T\\u0061bleName":"secret","Key":{}}'), 400, 'SerializationException'],
      ['X-Amz-Target plus a form body naming an Action', { ...getItem('Action=DeleteTable&TableName=allowed'), headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem', ...FORM } }, 400, 'InvalidRequest'],
      ['a JSON request to another path than /', { ...getItem('{"TableName":"allowed"}'), path: '/x' }, 400, 'InvalidRequest'],
      ['X-Amz-Target plus smithy-protocol', { ...getItem('{"TableName":"allowed"}'), headers: { ...json('DynamoDB_20120810.GetItem'), 'smithy-protocol': 'rpc-v2-cbor' } }, 400, 'InvalidRequest'],
      ['GetItem on another table', getItem('{"TableName":"secret","Key":{}}'), 403, 'AccessDeniedException'],
      ['X-Amz-Target DeleteTable padded with spaces and a tab', { ...getItem('{"TableName":"allowed"}'), headers: { ...json('x'), 'x-amz-target': ' \t DynamoDB_20120810.DeleteTable \t ' } }, 403, 'AccessDeniedException'],
      ['DeleteTable named in an upper-case X-AMZ-TARGET header', { ...DYNAMODB, headers: { 'X-AMZ-TARGET': 'DynamoDB_20120810.DeleteTable', 'content-type': 'application/x-amz-json-1.0' }, body: '{"TableName":"allowed"}' }, 403, 'AccessDeniedException'],
    ];
    for (const [name, request, status, code] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        expectRefused(await attempt('scoped', request), status, code, 'json');
      });
    }
  });

  describe('SQS (query and JSON)', () => {
    const form = (extra: string) => ({ ...SQS, headers: FORM, body: `Action=SendMessage&Version=2012-11-05&MessageBody=hi&${extra}` });
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, number, string, Format]> = [
      ['QueueUrl and queueurl', form(`QueueUrl=${encodeURIComponent(queueUrl('allowed'))}&queueurl=${encodeURIComponent(queueUrl('secret'))}`), 400, 'InvalidRequest', 'xml'],
      ['QueueUrl in the query string and in the body', { ...form(`QueueUrl=${encodeURIComponent(queueUrl('allowed'))}`), path: `/?QueueUrl=${encodeURIComponent(queueUrl('secret'))}` }, 400, 'InvalidRequest', 'xml'],
      ['POSTed to the other queue’s path', { ...form(`QueueUrl=${encodeURIComponent(queueUrl('allowed'))}`), path: `/${ACCOUNT}/secret` }, 400, 'InvalidRequest', 'xml'],
      ['X-Amz-Target plus a form body with an Action', { ...form(`QueueUrl=${encodeURIComponent(queueUrl('allowed'))}`), headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'InvalidRequest', 'xml'],
      ['the Action in the query string and a JSON body', { ...SQS, path: `/?Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl('allowed'))}&MessageBody=hi`, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ QueueUrl: queueUrl('secret') }) }, 400, 'InvalidRequest', 'xml'],
      ['SendMessage to another queue', form(`QueueUrl=${encodeURIComponent(queueUrl('secret'))}`), 403, 'AccessDenied', 'xml'],
      ['SendMessage to the same queue name in another account', form(`QueueUrl=${encodeURIComponent(queueUrl('allowed', OTHER_ACCOUNT))}`), 403, 'AccessDenied', 'xml'],
    ];
    for (const [name, request, status, code, format] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        expectRefused(await attempt('scoped', request), status, code, format);
      });
    }
  });

  describe('paths AWS would normalise before routing', () => {
    const cases: Array<[string, Omit<HostileRequest, 'keys'>, number, string]> = [
      ['API Gateway /restapis/allowed/../secret', { ...APIGW, path: '/restapis/allowed/../secret' }, 400, 'InvalidRequest'],
      ['API Gateway /restapis/allowed/%2e%2e/secret', { ...APIGW, path: '/restapis/allowed/%2e%2e/secret' }, 400, 'InvalidRequest'],
      ['API Gateway /restapis/allowed%2F..%2Fsecret', { ...APIGW, path: '/restapis/allowed%2F..%2Fsecret' }, 400, 'InvalidRequest'],
      ['API Gateway /restapis//secret', { ...APIGW, path: '/restapis//secret' }, 400, 'InvalidRequest'],
      ['API Gateway /restapis/allowed/./resources', { ...APIGW, path: '/restapis/allowed/./resources' }, 400, 'InvalidRequest'],
      ['API Gateway /restapis/secret', { ...APIGW, path: '/restapis/secret' }, 403, 'AccessDeniedException'],
      ['execute-api /prod/public/../admin', { ...EXECUTE_API, path: '/prod/public/../admin' }, 400, 'InvalidRequest'],
      ['execute-api /prod/public/%2e%2e/admin', { ...EXECUTE_API, path: '/prod/public/%2e%2e/admin' }, 400, 'InvalidRequest'],
      ['execute-api /prod/public/.%2E/admin', { ...EXECUTE_API, path: '/prod/public/.%2E/admin' }, 400, 'InvalidRequest'],
      ['execute-api /prod/public/%2e/x', { ...EXECUTE_API, path: '/prod/public/%2e/x' }, 400, 'InvalidRequest'],
      ['execute-api /prod//public/x', { ...EXECUTE_API, path: '/prod//public/x' }, 400, 'InvalidRequest'],
      ['execute-api /prod/admin', { ...EXECUTE_API, path: '/prod/admin' }, 403, 'AccessDeniedException'],
      ['Lambda /functions/allowed%2F..%2Fsecret/invocations', { service: 'lambda', host: 'lambda.us-east-1.amazonaws.com', method: 'POST', path: '/2015-03-31/functions/allowed%2F..%2Fsecret/invocations', body: '{}' }, 400, 'InvalidRequest'],
    ];
    for (const [name, request, status, code] of cases) {
      it(`${name}: ${status} ${code}`, async () => {
        expectRefused(await attempt('scoped', request), status, code, 'json');
      });
    }
  });

  describe('roles handed to a service need iam:PassRole', () => {
    const taskDefinition = (role: string) => ({ service: 'ecs', host: 'ecs.us-east-1.amazonaws.com', method: 'POST', headers: json('AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', '1.1'), body: JSON.stringify({ family: 'f', taskRoleArn: role, containerDefinitions: [{ name: 'c', image: 'i' }] }) });

    it('control: a task role the allowlist lets the agent pass is forwarded', async () => {
      expectForwarded(await attempt('scoped', taskDefinition(`arn:aws:iam::${ACCOUNT}:role/worker`)), 'ecs.us-east-1.amazonaws.com', '/');
    });

    it('the denied role by ARN: AccessDeniedException', async () => {
      expectRefused(await attempt('scoped', taskDefinition(`arn:aws:iam::${ACCOUNT}:role/admin`)), 403, 'AccessDeniedException', 'json');
    });

    it('the denied role by its short name (ECS accepts one): AccessDeniedException, not a way around the Deny', async () => {
      expectRefused(await attempt('scoped', taskDefinition('admin')), 403, 'AccessDeniedException', 'json');
    });
  });
});

/** Attacks found writing this file, each a hole at 66aa8af, fixed since: they must stay refused. */
describe('attacks found writing this file (each was a hole at 66aa8af)', () => {
  // Was a hole at 66aa8af (fixed by the resolver changes being made alongside this test): DynamoDB
  // takes a table ARN in TableName (cross-account access through resource-based policies), and the
  // resource was built as `…:<own account>:table/<TableName>`, i.e.
  // `arn:aws:dynamodb:us-east-1:123456789012:table/arn:aws:dynamodb:us-east-1:999999999999:table/victim`,
  // which `table/*` in the agent's own account matches; AWS reads account 999999999999's table.
  it('DynamoDB TableName given as another account’s table ARN is checked as that account’s table', async () => {
    const query = (table: string) => ({ ...DYNAMODB, headers: json('DynamoDB_20120810.Query'), body: JSON.stringify({ TableName: table, KeyConditionExpression: 'id = :v', ExpressionAttributeValues: { ':v': { S: '1' } } }) });
    expectForwarded(await attempt('scoped', query('mine')), DYNAMODB.host, '/');
    expectNotForwarded(await attempt('scoped', query(`arn:aws:dynamodb:us-east-1:${OTHER_ACCOUNT}:table/victim`)), 403);
  });

  // Was a hole: the same for SSM parameters shared from another account (GetParameter takes the ARN):
  // resource `…:123456789012:parameter/arn:aws:ssm:us-east-1:999999999999:parameter/victim`.
  it('SSM GetParameter with another account’s parameter ARN is checked as an own-account parameter', async () => {
    const get = (name: string) => ({ service: 'ssm', host: 'ssm.us-east-1.amazonaws.com', method: 'POST', headers: json('AmazonSSM.GetParameter', '1.1'), body: JSON.stringify({ Name: name }) });
    expectForwarded(await attempt('scoped', get('/app/db')), 'ssm.us-east-1.amazonaws.com', '/');
    expectNotForwarded(await attempt('scoped', get(`arn:aws:ssm:us-east-1:${OTHER_ACCOUNT}:parameter/victim`)), 403);
  });

  // Was a hole: an account-id input that names whose resource it is (ECR registryId; Glue CatalogId and
  // Kinesis StreamARN behave alike) is ignored: the resource is named in the agent's own account.
  it('ECR BatchGetImage with registryId of another account is checked against the own account’s repository', async () => {
    const pull = (registry?: string) => ({ service: 'ecr', host: 'api.ecr.us-east-1.amazonaws.com', method: 'POST', headers: json('AmazonEC2ContainerRegistry_V20150921.BatchGetImage', '1.1'), body: JSON.stringify({ ...(registry ? { registryId: registry } : {}), repositoryName: 'r', imageIds: [{ imageTag: 'latest' }] }) });
    expectForwarded(await attempt('scoped', pull()), 'api.ecr.us-east-1.amazonaws.com', '/');
    expectNotForwarded(await attempt('scoped', pull(OTHER_ACCOUNT)), 403);
  });

  // Was a hole at 66aa8af (fixed alongside): iam:PassRole was added only when the Service
  // Authorization Reference lists it as a dependent action; for events:PutTargets it does not, so
  // a target's RoleArn was passed without the check (the allowlist's Deny on role/admin unread).
  it('EventBridge PutTargets with a RoleArn needs iam:PassRole on that role', async () => {
    const putTargets = (role: string) => ({ service: 'events', host: 'events.us-east-1.amazonaws.com', method: 'POST', headers: json('AWSEvents.PutTargets', '1.1'), body: JSON.stringify({ Rule: 'r', Targets: [{ Id: '1', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q`, RoleArn: role }] }) });
    expectForwarded(await attempt('scoped', putTargets(`arn:aws:iam::${ACCOUNT}:role/worker`)), 'events.us-east-1.amazonaws.com', '/');
    expectNotForwarded(await attempt('scoped', putTargets(`arn:aws:iam::${ACCOUNT}:role/admin`)), 403);
  });

  // Was a hole (read two ways; assumes STS, like every non-S3 service, does not decode aws-chunked):
  // `Content-Encoding: aws-chunked` is decoded for every service, not only S3. The proxy
  // reads the chunk's data (Action=GetCallerIdentity) and forwards the framed bytes unchanged; a
  // service that does not decode aws-chunked reads them as a form whose one Action is AssumeRole
  // (the chunk extension and the pair `z=\r\n…` hide the rest).
  it('an aws-chunked form body on STS: the proxy reads the chunk, STS would read the framing', async () => {
    const inner = `${IDENTITY}&q=`;
    const body = `${inner.length.toString(16)};x=&${ASSUME_ADMIN}&z=\r\n${inner}\r\n0\r\n\r\n`;
    expectNotForwarded(await attempt('readme', { ...STS, headers: { ...FORM, 'content-encoding': 'aws-chunked' }, body }));
  });

  // Was a hole (read two ways): a gzip body (CloudWatch decompresses request bodies: the model's
  // requestCompression) is parsed as if it were not compressed; its bytes hold no `%` or `&`, so
  // it reads as one meaningless pair and only the query string's Action is seen. The same body
  // sent uncompressed is refused (Action in query and body). Any Content-Encoding but identity
  // (and aws-chunked for S3) on a body the proxy must read should be refused.
  it('a gzip-encoded form body is decided on its compressed bytes', async () => {
    const hidden = 'Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=prod';
    const monitoring = { service: 'monitoring', host: 'monitoring.us-east-1.amazonaws.com', method: 'POST', path: '/?Action=ListMetrics&Version=2010-08-01' };
    expectRefused(await attempt('scoped', { ...monitoring, headers: FORM, body: hidden }), 400, 'InvalidRequest', 'xml');
    expectNotForwarded(await attempt('scoped', { ...monitoring, headers: { ...FORM, 'content-encoding': 'gzip' }, body: gzipSync(hidden) }));
  });

  // Was a hole (read two ways; whether AWS reads a GET's form body is unverified): a query-protocol GET
  // is decided on its query string only; a form body it carries is not read, but is forwarded.
  // The same request as a POST is refused (Action in query and body).
  it('a GET with Action=GetCallerIdentity in the query and a form body naming AssumeRole', async () => {
    expectRefused(await attempt('readme', { ...STS, path: `/?${IDENTITY}`, headers: FORM, body: ASSUME_ADMIN }), 400, 'InvalidRequest', 'xml');
    expectNotForwarded(await attempt('readme', { ...STS, method: 'GET', path: `/?${IDENTITY}`, headers: FORM, body: ASSUME_ADMIN }));
  });

  // Was a hole (read two ways; whether SQS's JSON front end reads the query string is unverified): an
  // awsJson request's query string is not read, but is forwarded. SQS also speaks the query
  // protocol, which reads QueueUrl from the query string; rpc-v2-cbor requests with a query string
  // are refused for this very reason.
  it('SQS JSON SendMessage to the allowed queue, with QueueUrl of another queue in the query string', async () => {
    const body = JSON.stringify({ QueueUrl: queueUrl('allowed'), MessageBody: 'hi' });
    expectNotForwarded(await attempt('scoped', { ...SQS, path: `/?QueueUrl=${encodeURIComponent(queueUrl('secret'))}`, headers: json('AmazonSQS.SendMessage'), body }));
  });

  // Was a hole (read two ways; AWS's JSON readers are believed case-sensitive, so this is defence in
  // depth): JSON member names differing only in case are accepted, while the query protocol
  // refuses `QueueUrl` beside `queueurl` because a service that folds case could read either.
  it('JSON members differing only in case: TableName/tablename and QueueUrl/queueUrl', async () => {
    expectNotForwarded(await attempt('scoped', { ...DYNAMODB, headers: json('DynamoDB_20120810.GetItem'), body: '{"TableName":"allowed","tablename":"secret","Key":{}}' }));
    expectNotForwarded(await attempt('scoped', { ...SQS, headers: json('AmazonSQS.SendMessage'), body: `{"QueueUrl":"${queueUrl('allowed')}","queueUrl":"${queueUrl('secret')}","MessageBody":"hi"}` }));
  });

  // Was a hole (read two ways; depends on API Gateway decoding %2F before resolving dot segments, which
  // is what the proxy assumes for the API Gateway control plane, where `allowed%2F..%2Fsecret` is
  // refused): execute-api paths are checked for `.`/`..` segments only as sent. `/prod/public/..%2Fadmin` is Invoke on `prod/GET/public/..%2Fadmin` (in `public/*`),
  // and `/prod/public%2F..%2Fadmin` is denied only because the policy happens not to match.
  it('execute-api: `..` behind an encoded slash', async () => {
    expectRefused(await attempt('scoped', { ...EXECUTE_API, path: '/prod/public/..%2Fadmin' }), 400, 'InvalidRequest', 'json');
    expectRefused(await attempt('scoped', { ...EXECUTE_API, path: '/prod/public%2F..%2Fadmin' }), 400, 'InvalidRequest', 'json');
  });
});

describe('record mode logs the operation AWS will execute', () => {
  const logged = async (host: string, operation: string): Promise<Record<string, unknown>> => {
    const path = join(proxies.record.stateDir, 'actions.log');
    for (const deadline = Date.now() + 5_000; ; await new Promise((r) => setTimeout(r, 20))) {
      const records = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => r.kind === undefined);
      const found = records.find((r) => r.host === host && r.operation === operation);
      if (found || Date.now() > deadline) return found ?? { missing: `${host} ${operation}`, seen: records.filter((r) => r.host === host) };
    }
  };

  it('a disguised GET is logged as GetObject with s3:GetObject on the object', async () => {
    const result = await attempt('record', { ...S3, host: SECRET, path: '/report.csv?Action=ListAllMyBuckets', headers: { 'x-amz-target': 'x.ListAllMyBuckets' } });
    expectForwarded(result, SECRET, '/report.csv?Action=ListAllMyBuckets');
    expect(await logged(SECRET, 'GetObject')).toMatchObject({
      v: 3,
      decision: 'allowed',
      service: 's3',
      operation: 'GetObject',
      authorizations: [{ action: 's3:GetObject', known: true, resources: [{ arn: 'arn:aws:s3:::secret-bucket/report.csv', resolved: true }] }],
    });
  });

  it('a disguised DELETE is logged as DeleteObject, an S3 Control PUT as PutPublicAccessBlock', async () => {
    expectForwarded(await attempt('record', { ...S3, host: 'other-bucket.s3.us-east-1.amazonaws.com', method: 'DELETE', path: '/k', headers: FORM, body: 'Action=ListAllMyBuckets' }), 'other-bucket.s3.us-east-1.amazonaws.com', '/k');
    expect(await logged('other-bucket.s3.us-east-1.amazonaws.com', 'DeleteObject')).toMatchObject({ v: 3, authorizations: [{ action: 's3:DeleteObject', resources: [{ arn: 'arn:aws:s3:::other-bucket/k' }] }] });
    expectForwarded(await attempt('record', { ...S3, host: S3_CONTROL, method: 'PUT', path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': ACCOUNT }, body: PUBLIC_ACCESS_BLOCK }), S3_CONTROL, '/v20180820/configuration/publicAccessBlock');
    expect(await logged(S3_CONTROL, 'PutPublicAccessBlock')).toMatchObject({ v: 3, service: 's3-control', authorizations: [{ action: 's3:PutAccountPublicAccessBlock' }] });
  });

  it('a refused ambiguous request is logged as refused, never as the disguise', async () => {
    expectRefused(await attempt('record', { ...STS, headers: FORM, body: `Action=GetCallerIdentity&${ASSUME_ADMIN}` }), 400, 'InvalidRequest', 'xml');
    const path = join(proxies.record.stateDir, 'actions.log');
    await expect.poll(() => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { decision: string; error?: string; host: string }).filter((r) => r.host === 'sts.amazonaws.com' && r.decision === 'refused')).toEqual([expect.objectContaining({ error: 'InvalidRequest' })]);
  });
});
