import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PROXY_BIN, PYTHON, REAL, REPO, cleanEnv, freePort, run, startProxy, type ProxyRun } from './support/proxy-process.js';

const ALLOWLIST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::210987654321:role/deploy' },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::test-bucket/allowed/*' },
  ],
};

let upstream: FakeAws;
let proxy: ProxyRun;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-enforce-'));
  writeFileSync(join(dir, 'allowlist.json'), JSON.stringify(ALLOWLIST));
  upstream = await startFakeAws({ credentials: REAL, dir });
  proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'allowlist.json') } });
  await new Promise((r) => setTimeout(r, 300)); // the startup account-id lookup
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

describe('enforce mode', () => {
  it('forwards allowed calls', async () => {
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity'], proxy.agentEnv);
    expect(result.code).toBe(0);
    expect(upstream.requests).toHaveLength(1);
  });

  it('holds calls made with an assumed role to the same allowlist, and refuses GetSessionToken unforwarded', async () => {
    const assumed = await run(AWS_CLI, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::210987654321:role/deploy', '--role-session-name', 'agent', '--output', 'json'], proxy.agentEnv);
    expect(assumed.code, assumed.stderr).toBe(0);
    const { AccessKeyId, SecretAccessKey, SessionToken } = JSON.parse(assumed.stdout).Credentials as Record<string, string>;
    expect(AccessKeyId).toMatch(/^ASIAPROXY/);
    const asRole = { ...cleanEnv(proxy.home), HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem'), AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: AccessKeyId!, AWS_SECRET_ACCESS_KEY: SecretAccessKey!, AWS_SESSION_TOKEN: SessionToken! };
    expect((await run(AWS_CLI, ['sts', 'get-caller-identity'], asRole)).code).toBe(0);
    const ls = await run(AWS_CLI, ['s3', 'ls'], asRole);
    expect(ls.stderr).toContain('AccessDenied');
    const other = await run(AWS_CLI, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::210987654321:role/admin', '--role-session-name', 'other'], proxy.agentEnv);
    expect(other.stderr).toContain('AccessDenied');
    const token = await run(AWS_CLI, ['sts', 'get-session-token'], proxy.agentEnv);
    expect(token.stderr).toContain('AccessDenied');
    expect(upstream.requests.map((r) => r.body.toString().match(/Action=(\w+)/)?.[1])).toEqual(['AssumeRole', 'GetCallerIdentity']);
    await proxy.waitForStdout(/BLOCKED  s3:ListAllMyBuckets \(AccessDenied\)$/);
  });

  it('answers AccessDenied to calls the allowlist does not allow, and never forwards them', async () => {
    const ls = await run(AWS_CLI, ['s3', 'ls'], proxy.agentEnv);
    expect(ls.code).not.toBe(0);
    expect(ls.stderr).toContain('AccessDenied');
    const boto = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 'dynamodb'], proxy.agentEnv);
    expect(JSON.parse(boto.stdout)).toEqual({ error: 'AccessDeniedException', status: 403 });
    expect(upstream.requests).toEqual([]);
    await proxy.waitForStdout(/BLOCKED  s3:ListAllMyBuckets \(AccessDenied\)$/);
    await proxy.waitForStdout(/BLOCKED  dynamodb:ListTables \(AccessDenied\)$/);
  });

  it('speaks each protocol: the AWS CLI reads the error code from EC2, query, JSON and REST-JSON services', async () => {
    for (const [args, expected] of [
      [['ec2', 'describe-instances'], '(AccessDenied)'],
      [['sns', 'list-topics'], '(AccessDenied)'],
      [['logs', 'describe-log-groups'], '(AccessDeniedException)'],
      [['lambda', 'list-functions'], '(AccessDeniedException)'],
    ] as const) {
      const result = await run(AWS_CLI, [...args], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
      expect(result.stderr).toContain(`An error occurred ${expected} when calling`);
    }
    expect(upstream.requests).toEqual([]);
  });

  it('checks resources: an allowed action on another resource is denied', async () => {
    const file = join(dir, 'f.txt');
    writeFileSync(file, 'data');
    expect((await run(AWS_CLI, ['s3', 'cp', file, 's3://test-bucket/allowed/f.txt'], proxy.agentEnv)).code).toBe(0);
    const denied = await run(AWS_CLI, ['s3', 'cp', file, 's3://test-bucket/secret/f.txt'], proxy.agentEnv);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('AccessDenied');
    expect([...upstream.objects.keys()]).toEqual(['test-bucket/allowed/f.txt']);
  });
});

describe('enforce mode with an allowlist that does not list sts:GetCallerIdentity', () => {
  it('blocks it, although AWS itself never asks permission for it', async () => {
    writeFileSync(join(dir, 'no-sts.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }));
    const strict = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'no-sts.json') } });
    await new Promise((r) => setTimeout(r, 300)); // the startup account-id lookup
    upstream.reset();
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity'], strict.agentEnv);
    await strict.stop();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('(AccessDenied)');
    expect(upstream.requests).toEqual([]);
  });
});

describe('enforce mode refuses to start without a usable allowlist', () => {
  const start = async (env: Record<string, string>) =>
    run(process.execPath, [PROXY_BIN], { ...cleanEnv(mkdtempSync(join(tmpdir(), 'iap-home-'))), PROXY_PORT: String(await freePort()), PROXY_MODE: 'enforce', ...env });

  it('names the missing setting', async () => {
    const result = await start({});
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual(['iam-agent-proxy: PROXY_MODE=enforce needs ALLOWLIST_PATH=<IAM policy JSON file>']);
  });

  it('names a missing file, bad JSON and an invalid policy', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*', Bogus: 1 }] }));
    for (const [file, message] of [
      ['missing.json', /cannot read ALLOWLIST_PATH .*missing\.json: ENOENT/],
      ['bad.json', /is not valid JSON/],
      ['invalid.json', /is not a valid IAM policy: .*Bogus/],
    ] as const) {
      const result = await start({ ALLOWLIST_PATH: join(dir, file) });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
