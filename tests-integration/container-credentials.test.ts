// The container credential endpoint (PROXY_CREDENTIALS_PORT): clients that never run
// credential_process (no AWS_PROFILE) fetch agent keys from AWS_CONTAINER_CREDENTIALS_FULL_URI with
// AWS_CONTAINER_AUTHORIZATION_TOKEN, as on ECS, and call AWS through the proxy with them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { containerCredentialsEnv, containerToken } from '../src/keys/container-credentials.js';
import { loadOrCreateMasterKey } from '../src/keys/master-key.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, cleanEnv, freePort, PROXY_BIN, PYTHON, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let proxy: ProxyRun;
let credentialsPort: number;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  credentialsPort = await freePort();
  proxy = await startProxy({ upstream, env: { PROXY_AGENTS: 'alice,bob', PROXY_CREDENTIALS_PORT: String(credentialsPort) } });
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

/** An agent's shell with no profile at all: the container endpoint is its only credential source. */
function containerEnv(agent: string, token?: string): Record<string, string> {
  const env = containerCredentialsEnv({ stateDir: proxy.stateDir, credentialsPort }, agent);
  return {
    ...cleanEnv(proxy.home),
    HTTPS_PROXY: proxy.url,
    AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem'),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    ...env,
    ...(token === undefined ? {} : { AWS_CONTAINER_AUTHORIZATION_TOKEN: token }),
  };
}

const BOTO3 = `
import json, sys, boto3
session = boto3.Session()
creds = session.get_credentials().get_frozen_credentials()
out = {"accessKeyId": creds.access_key, "token": creds.token}
out["account"] = session.client("sts").get_caller_identity()["Account"]
s3 = session.client("s3")
s3.put_object(Bucket="test-bucket", Key="container/boto3.txt", Body=b"from boto3")
out["body"] = s3.get_object(Bucket="test-bucket", Key="container/boto3.txt")["Body"].read().decode()
print(json.dumps(out))
`;

function expectOnlyRealSignatures(): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  for (const request of upstream.requests) {
    expect(request.verified, `${request.method} ${request.host}${request.path}: ${request.failure}`).toBe(true);
    expect(request.accessKeyId).toBe(REAL.accessKeyId);
    expect(request.headers['x-amz-security-token']).toBeUndefined();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function loggedAgentOf(accessKeyId: string): Promise<unknown> {
  for (let i = 0; i < 50; i++) {
    const record = actionRecords(proxy).find((r) => r.accessKeyId === accessKeyId);
    if (record) return record.agent;
    await sleep(100);
  }
  return undefined;
}

describe('the container credential endpoint through the real proxy', () => {
  it('prints its URL in the banner', () => {
    expect(proxy.stderr()).toContain(`  container credentials: http://127.0.0.1:${credentialsPort}/agents/<agent>`);
  });

  it('boto3 gets an agent key (no token) and calls STS and S3 through the proxy, verified upstream with the real key', async () => {
    const result = await run(PYTHON, ['-c', BOTO3], containerEnv('alice'));
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { accessKeyId: string; token: string; account: string; body: string };
    expect(out.accessKeyId).toMatch(/^AKIAPROXY[A-Z2-7]{32}$/);
    expect(out.token).toBe('');
    expect(out.account).toBe(upstream.accountId);
    expect(out.body).toBe('from boto3');
    expect(upstream.objects.get('test-bucket/container/boto3.txt')?.toString()).toBe('from boto3');
    expectOnlyRealSignatures();
    expect(await loggedAgentOf(out.accessKeyId)).toBe('alice');
  });

  it('the AWS CLI v2 calls sts get-caller-identity and s3 with the agent key it fetched', async () => {
    const env = containerEnv('bob');
    const sts = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], env);
    expect(sts.stderr).toBe('');
    expect(JSON.parse(sts.stdout).Account).toBe(upstream.accountId);
    upstream.objects.set('test-bucket/container/cli.txt', Buffer.from('for the cli'));
    const ls = await run(AWS_CLI, ['s3', 'ls', 's3://test-bucket/container/'], env);
    expect(ls.stderr).toBe('');
    expect(ls.stdout).toContain('cli.txt');
    expectOnlyRealSignatures();
    const keys = new Set(actionRecords(proxy).filter((r) => r.agent === 'bob').map((r) => r.accessKeyId as string));
    expect(keys.size).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^AKIAPROXY/);
  });

  it('a missing, wrong or other agent\'s token gets no keys and no call reaches AWS', async () => {
    const master = loadOrCreateMasterKey(proxy.stateDir);
    for (const token of ['', 'guessed-token', containerToken(master, 'bob'), containerToken(Buffer.alloc(32, 1), 'alice')]) {
      const result = await run(AWS_CLI, ['sts', 'get-caller-identity'], containerEnv('alice', token));
      expect(result.code, token).not.toBe(0);
      expect(result.stderr).toMatch(token === '' ? /non 200 response \(401\).*no Authorization header/ : /non 200 response \(403\).*not agent .*alice.*'s token/);
    }
    // boto3 retries each refusal (three tries a second apart): one case is enough.
    const boto = await run(PYTHON, ['-c', BOTO3], containerEnv('alice', containerToken(master, 'bob')));
    expect(boto.code).not.toBe(0);
    expect(boto.stderr).toMatch(/non 200 response \(403\)/);
    expect(boto.stdout).not.toContain('AKIAPROXY');
    expect(upstream.requests).toStrictEqual([]);
  });

  it('a revoked agent gets nothing with the keys it holds; the endpoint never hands out a revoked key', async () => {
    // One boto3 process: fetch keys, call, get revoked, call again with the same (cached) keys.
    const script = `
import json, sys, boto3
session = boto3.Session()
sts = session.client("sts")
first = sts.get_caller_identity()["Account"]
key = session.get_credentials().get_frozen_credentials().access_key
print(json.dumps({"first": first, "key": key}), flush=True)
sys.stdin.readline()
try:
    sts.get_caller_identity()
    print(json.dumps({"second": "ok"}))
except Exception as error:
    print(json.dumps({"second": error.response["Error"]["Code"]}))
`;
    const { spawn } = await import('node:child_process');
    const child = spawn(PYTHON, ['-c', script], { env: containerEnv('alice'), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    for (let i = 0; i < 100 && !stdout.includes('\n'); i++) await sleep(100);
    const first = JSON.parse(stdout.split('\n')[0]!) as { first: string; key: string };
    expect(first.first).toBe(upstream.accountId);
    const revoke = await run(process.execPath, [PROXY_BIN, 'revoke', '--agent', 'alice'], { ...cleanEnv(proxy.home) });
    expect(revoke.stdout).toContain(`revoked ${first.key} (agent alice)`);
    upstream.reset();
    child.stdin.end('go\n');
    await new Promise((done) => child.on('close', done));
    expect(JSON.parse(stdout.split('\n')[1]!)).toStrictEqual({ second: 'InvalidClientTokenId' });
    expect(upstream.requests).toStrictEqual([]);
    // A new fetch is a new key, as on the socket; the revoked one is never served again.
    const again = await run(PYTHON, ['-c', BOTO3], containerEnv('alice'));
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { accessKeyId: string }).accessKeyId).not.toBe(first.key);
  });

  it('eval "$(iam-agent-proxy env --agent bob)" with the endpoint on gives container credentials and no profile, and the AWS CLI calls as bob', async () => {
    const shellEnv = { ...cleanEnv(proxy.home), PROXY_AGENTS: 'alice,bob', PROXY_PORT: String(proxy.port), PROXY_CREDENTIALS_PORT: String(credentialsPort), AWS_DEFAULT_REGION: 'us-east-1' };
    const script = ['eval "$("$PROXY_BIN" env --agent bob)" || exit 9', 'echo "profile=${AWS_PROFILE:-none}"', `${AWS_CLI} sts get-caller-identity --query Account --output text`].join('\n');
    const result = await run('/bin/sh', ['-c', script], { ...shellEnv, PROXY_BIN });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['profile=none', upstream.accountId]);
    expectOnlyRealSignatures();
    expect(actionRecords(proxy).at(-1)?.agent).toBe('bob');
  });

  it("botocore's presigned URLs carry an empty X-Amz-Security-Token: no token, so they work, and nothing of it goes upstream", async () => {
    upstream.objects.set('test-bucket/container/presigned.txt', Buffer.from('presigned body'));
    const presign = await run(AWS_CLI, ['s3', 'presign', 's3://test-bucket/container/presigned.txt'], containerEnv('alice'));
    expect(presign.code, presign.stderr).toBe(0);
    const url = presign.stdout.trim();
    expect(url).toMatch(/X-Amz-Credential=AKIAPROXY/);
    expect(url).toMatch(/X-Amz-Security-Token=(&|$)/);
    const fetched = await run('curl', ['-sS', '--proxy', proxy.url, '--cacert', join(proxy.stateDir, 'ca.pem'), url], containerEnv('alice'));
    expect(fetched.stdout).toBe('presigned body');
    const [request] = upstream.requests.filter((r) => r.path.includes('presigned.txt'));
    expect([request?.verified, request?.failure]).toEqual([true, undefined]);
    expect(request!.path).not.toMatch(/X-Amz-Security-Token/i);
  });

  it('a presigned URL with a non-empty token next to an agent key is still refused', async () => {
    const presign = await run(AWS_CLI, ['s3', 'presign', 's3://test-bucket/container/presigned.txt'], containerEnv('alice'));
    const url = presign.stdout.trim().replace(/X-Amz-Security-Token=(?=&|$)/, 'X-Amz-Security-Token=forged');
    const fetched = await run('curl', ['-sS', '--proxy', proxy.url, '--cacert', join(proxy.stateDir, 'ca.pem'), url], containerEnv('alice'));
    expect(fetched.stdout).toMatch(/<Code>(InvalidClientTokenId|SignatureDoesNotMatch)<\/Code>/);
    expect(upstream.requests.filter((r) => r.path.includes('presigned.txt'))).toStrictEqual([]);
  });
});
