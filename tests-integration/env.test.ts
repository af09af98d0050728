import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, cleanEnv, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';

/**
 * An agent's shell set up by nothing but `iam-agent-proxy env` (run with the proxy's
 * configuration), for a declared agent and an AWS config file in a non-default place.
 */
let upstream: FakeAws;
let proxy: ProxyRun;
let shellEnv: Record<string, string>;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
  const config = { PROXY_AGENTS: 'claude', AWS_CONFIG_FILE: join(home, 'aws', 'config') };
  proxy = await startProxy({ upstream, home, env: config });
  // What the agent's shell starts with: no AWS settings, only the proxy's configuration and the bin dir.
  shellEnv = { ...cleanEnv(home), ...config, PROXY_PORT: String(proxy.port), AWS_DEFAULT_REGION: 'us-east-1', PATH: `${join(REPO, 'bin')}:${process.env.PATH}` };
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

function expectOnlyRealSignatures(): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  for (const request of upstream.requests) {
    expect(request.verified).toBe(true);
    expect(request.accessKeyId).toBe(REAL.accessKeyId);
  }
}

const lastRecordAgent = () => actionRecords(proxy).at(-1)?.agent;

describe('eval "$(iam-agent-proxy env --agent claude)"', () => {
  it('sh: the AWS CLI and boto3 call as agent claude, and curl trusts the proxy through the combined bundle', async () => {
    const script = [
      'eval "$(iam-agent-proxy env --agent claude)" || exit 9',
      `${AWS_CLI} sts get-caller-identity --query Account --output text`,
      `${PYTHON} -c 'import boto3, json; print(json.dumps(boto3.client("sts").get_caller_identity()["Account"]))'`,
      `url=$(${AWS_CLI} s3 presign s3://test-bucket/env.txt)`,
      'curl -sS --fail "$url"', // https_proxy and CURL_CA_BUNDLE from the environment
    ].join('\n');
    upstream.objects.set('test-bucket/env.txt', Buffer.from('through curl'));
    const result = await run('/bin/sh', ['-c', script], shellEnv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [identity, account, ...rest] = result.stdout.trim().split('\n');
    expect(identity).toBe(upstream.accountId);
    expect(JSON.parse(account!)).toBe(upstream.accountId);
    expect(rest.at(-1)).toBe('through curl');
    expectOnlyRealSignatures();
    expect(new Set(actionRecords(proxy).map((record) => record.agent))).toStrictEqual(new Set(['claude']));
  });

  it.runIf(existsSync('/usr/bin/fish'))('fish: iam-agent-proxy env --shell fish | source', async () => {
    const result = await run('/usr/bin/fish', ['-c', `iam-agent-proxy env --shell fish --agent claude | source; and ${AWS_CLI} sts get-caller-identity --output json`], shellEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).Account).toBe(upstream.accountId);
    expect(lastRecordAgent()).toBe('claude');
  });

  it('dotenv: the file read back into an environment works for the AWS CLI', async () => {
    const printed = await run(PROXY_BIN, ['env', '--shell', 'dotenv', '--agent', 'claude'], shellEnv);
    expect(printed.stderr).toBe('');
    const variables = Object.fromEntries(printed.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s, 2) as [string, string]));
    expect(variables).toMatchObject({ AWS_PROFILE: 'iam-agent-proxy', PROXY_AGENT_NAME: 'claude', AWS_CONFIG_FILE: shellEnv.AWS_CONFIG_FILE, SSL_CERT_FILE: join(proxy.stateDir, 'ca-bundle.pem') });
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], { ...cleanEnv(proxy.home), AWS_DEFAULT_REGION: 'us-east-1', ...variables });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).Account).toBe(upstream.accountId);
    expect(lastRecordAgent()).toBe('claude');
  });
});
