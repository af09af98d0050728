import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let proxy: ProxyRun;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

/** Every request that reached upstream was signed with the real key and verified independently. */
function expectOnlyRealSignatures(): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  for (const request of upstream.requests) {
    expect(request.failure).toBeUndefined();
    expect(request.verified).toBe(true);
    expect(request.accessKeyId).toBe(REAL.accessKeyId);
    expect(JSON.stringify(request.headers)).not.toMatch(/AKIAPROXY/);
  }
}

describe('AWS CLI v2 through the proxy', () => {
  it('gets the caller identity with re-signed credentials', async () => {
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], proxy.agentEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).Account).toBe(upstream.accountId);
    expectOnlyRealSignatures();
    const sts = upstream.requests.find((r) => r.host === 'sts.amazonaws.com' || r.host.startsWith('sts.'));
    expect(sts?.body.toString()).toContain('Action=GetCallerIdentity');
    await proxy.waitForStdout(/^\[\d\d:\d\d:\d\d\] ALLOWED  sts:GetCallerIdentity$/);
  });

  it('lists buckets, uploads and downloads with aws s3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-cli-'));
    const payload = `exact bytes ${'x'.repeat(5000)} \u00e9\n`;
    writeFileSync(join(dir, 'up.txt'), payload);
    expect((await run(AWS_CLI, ['s3', 'cp', join(dir, 'up.txt'), 's3://test-bucket/cli/up.txt'], proxy.agentEnv)).code).toBe(0);
    expect(upstream.objects.get('test-bucket/cli/up.txt')?.toString()).toBe(payload);
    const ls = await run(AWS_CLI, ['s3', 'ls'], proxy.agentEnv);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('test-bucket');
    const down = await run(AWS_CLI, ['s3', 'cp', 's3://test-bucket/cli/up.txt', join(dir, 'down.txt')], proxy.agentEnv);
    expect(down.code).toBe(0);
    expect(readFileSync(join(dir, 'down.txt'), 'utf8')).toBe(payload);
    expectOnlyRealSignatures();
    await proxy.waitForStdout(/ALLOWED  s3:PutObject$/);
    await proxy.waitForStdout(/ALLOWED  s3:ListAllMyBuckets$/);
    await proxy.waitForStdout(/ALLOWED  s3:GetObject$/);
  });

  it('streams a 20 MiB multipart upload and download byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-cli-'));
    const payload = randomBytes(20 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), payload);
    const up = await run(AWS_CLI, ['s3', 'cp', join(dir, 'big.bin'), 's3://test-bucket/cli/big.bin'], proxy.agentEnv);
    expect(up.stderr).toBe('');
    expect(upstream.objects.get('test-bucket/cli/big.bin')?.equals(payload)).toBe(true);
    expect(upstream.requests.filter((r) => r.method === 'PUT' && /partNumber=/.test(r.path)).length).toBeGreaterThan(1);
    const down = await run(AWS_CLI, ['s3', 'cp', 's3://test-bucket/cli/big.bin', join(dir, 'down.bin')], proxy.agentEnv);
    expect(down.code).toBe(0);
    expect(readFileSync(join(dir, 'down.bin')).equals(payload)).toBe(true);
    expectOnlyRealSignatures();
    await proxy.waitForStdout(/ALLOWED  s3:PutObject$/);
  });

  it('also handles plain-HTTP proxy requests to AWS endpoints (HTTP_PROXY), re-signed and sent over TLS', async () => {
    const env = { ...proxy.agentEnv, HTTP_PROXY: proxy.url };
    const sts = await run(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', 'http://sts.amazonaws.com'], env);
    expect(JSON.parse(sts.stdout).Account).toBe(upstream.accountId);
    expectOnlyRealSignatures();
  });

  it('serves an aws s3 presign URL fetched through the proxy, re-signed with the real key', async () => {
    upstream.objects.set('test-bucket/presigned.txt', Buffer.from('presigned body'));
    const presign = await run(AWS_CLI, ['s3', 'presign', 's3://test-bucket/presigned.txt', '--expires-in', '300'], proxy.agentEnv);
    expect(presign.code).toBe(0);
    const url = presign.stdout.trim();
    expect(url).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
    expect(url).toMatch(/X-Amz-Credential=AKIAPROXY/);
    const fetched = await run('curl', ['-sS', '--fail', '--proxy', proxy.url, '--cacert', join(proxy.stateDir, 'ca.pem'), url], proxy.agentEnv);
    expect(fetched.stderr).toBe('');
    expect(fetched.stdout).toBe('presigned body');
    const get = upstream.requests.find((r) => r.method === 'GET' && r.path.includes('presigned.txt'));
    expect(get?.verified).toBe(true);
    expect(get?.path).not.toMatch(/X-Amz-/); // query auth replaced by a header signature
    const tampered = await run('curl', ['-sS', '--proxy', proxy.url, '--cacert', join(proxy.stateDir, 'ca.pem'), url.replace('presigned.txt', 'other.txt')], proxy.agentEnv);
    expect(tampered.stdout).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('boto3 through the proxy', () => {
  it('calls STS and S3 with the body intact', async () => {
    const identity = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 'identity'], proxy.agentEnv);
    expect(JSON.parse(identity.stdout)).toEqual({ account: upstream.accountId });
    const s3 = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 's3'], proxy.agentEnv);
    expect(JSON.parse(s3.stdout)).toEqual({ body: 'hello from boto3', keys: ['boto3/hello.txt'] });
    expect(upstream.objects.get('test-bucket/boto3/hello.txt')?.toString()).toBe('hello from boto3');
    expectOnlyRealSignatures();
  });

  // The newest botocore sends aws-chunked uploads with a checksum trailer; run it when this machine has one.
  const newerPython = process.env.PATH?.split(':').map((dir) => join(dir, 'python3')).find((p) => p !== PYTHON && existsSync(p));
  it.runIf(newerPython && spawnSync(newerPython, ['-c', 'import boto3']).status === 0)('works with the newest boto3 on PATH too', async () => {
    const s3 = await run(newerPython!, [join(REPO, 'tests-integration/clients/boto3_client.py'), 's3'], { ...proxy.agentEnv, PATH: process.env.PATH! });
    expect(JSON.parse(s3.stdout)).toEqual({ body: 'hello from boto3', keys: ['boto3/hello.txt'] });
    expectOnlyRealSignatures();
  });

  it('calls a JSON-protocol service', async () => {
    const result = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 'dynamodb'], proxy.agentEnv);
    expect(JSON.parse(result.stdout)).toEqual({ tables: [] });
    const call = upstream.requests.find((r) => r.headers['x-amz-target'] === 'DynamoDB_20120810.ListTables');
    expect(call?.verified).toBe(true);
    await proxy.waitForStdout(/ALLOWED  dynamodb:ListTables$/);
  });
});

describe('AWS SDK for JavaScript v3 through the proxy', () => {
  it('calls STS', async () => {
    const result = await run(process.execPath, [join(REPO, 'tests-integration/clients/js-sdk-client.mjs'), 'identity'], proxy.agentEnv);
    expect(JSON.parse(result.stdout)).toEqual({ account: upstream.accountId });
    expectOnlyRealSignatures();
  });

  it('streams an aws-chunked upload and reads it back', async () => {
    const result = await run(process.execPath, [join(REPO, 'tests-integration/clients/js-sdk-client.mjs'), 's3-stream'], proxy.agentEnv);
    expect(JSON.parse(result.stdout)).toEqual({ body: 'streamed from the JS SDK' });
    const put = upstream.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['x-amz-content-sha256']).toMatch(/^STREAMING-UNSIGNED-PAYLOAD-TRAILER$/);
    expect(put?.decodedBody.toString()).toBe('streamed from the JS SDK');
    expectOnlyRealSignatures();
  });
});

describe('the record', () => {
  it('logs every call as JSON lines without secrets, and turns them into a policy', async () => {
    const log = actionRecords(proxy) as Array<Record<string, any>>; // as JSON.parse gave them
    const put = log.find((r) => r.operation === 'PutObject');
    expect(put).toMatchObject({ v: 3, service: 's3', region: 'us-east-1', protocol: 'restXml', decision: 'allowed', upstreamStatus: 200 });
    expect(put.authorizations).toEqual([{ action: 's3:PutObject', known: true, resources: [{ arn: 'arn:aws:s3:::test-bucket/cli/up.txt', type: 'object', resolved: true }] }]);
    expect(put.context).toMatchObject({ 'aws:RequestedRegion': 'us-east-1' });
    expect(put.accessKeyId).toMatch(/^AKIAPROXY[A-Z2-7]{32}$/);
    expect(typeof put.latencyMs).toBe('number');
    const policy = await run(process.execPath, [PROXY_BIN, 'policy'], { PATH: process.env.PATH!, HOME: proxy.home });
    expect(policy.code).toBe(0);
    const statements = JSON.parse(policy.stdout).Statement as Array<{ Effect: string; Action: string | string[] }>;
    expect(statements.map((s) => s.Effect)).toEqual(statements.map(() => 'Allow'));
    expect(statements.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListAllMyBuckets', 's3:PutObject', 'sts:GetCallerIdentity', 'dynamodb:ListTables']));
  });

  it('never writes the real secret to stdout, stderr or any file it owns', () => {
    const files = [join(proxy.home, '.aws', 'config'), ...readdirSync(proxy.stateDir).map((f) => join(proxy.stateDir, f))];
    const texts = [proxy.stdout.join('\n'), proxy.stderr(), ...files.filter((f) => statSync(f).isFile()).map((f) => readFileSync(f, 'utf8'))];
    for (const text of texts) expect(text).not.toContain(REAL.secretAccessKey);
  });
});
