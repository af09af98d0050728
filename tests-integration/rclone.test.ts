import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { cleanEnv, PROXY_BIN, REAL, run, type ProxyRun } from './support/proxy-process.js';

/**
 * rclone's S3 backend is aws-sdk-go v1 with rclone's own HTTP transport, which refuses a custom
 * CA bundle (ca_bundle or AWS_CA_BUNDLE: "LoadCustomCABundleError … unsupported transport"). So it
 * gets the profile without ca_bundle and trusts the proxy through SSL_CERT_FILE = the combined
 * bundle, all as `iam-agent-proxy env --no-ca-bundle` prints it.
 */
const RCLONE = spawnSync('rclone', ['version']).status === 0 ? 'rclone' : undefined;

let upstream: FakeAws;
let proxy: ProxyRun;
proxyInFrontOfFakeAws((started) => ({ upstream, proxy } = started));

/** The variables `iam-agent-proxy env` prints for this proxy's configuration, read from its dotenv output. */
async function printedEnvironment(args: string[]): Promise<Record<string, string>> {
  const result = await run(PROXY_BIN, ['env', '--shell', 'dotenv', ...args], { ...cleanEnv(proxy.home), PROXY_PORT: String(proxy.port) });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe(''); // the proxy answers: no warning
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s, 2) as [string, string]));
}

let env: Record<string, string>;
beforeAll(async () => {
  const printed = await printedEnvironment(['--no-ca-bundle']);
  const rcloneConfig = join(mkdtempSync(join(tmpdir(), 'iap-rclone-')), 'rclone.conf');
  writeFileSync(rcloneConfig, ''); // empty: the remote is all environment
  env = {
    ...cleanEnv(proxy.home),
    ...printed,
    RCLONE_CONFIG: rcloneConfig,
    RCLONE_CONFIG_AWS_TYPE: 's3',
    RCLONE_CONFIG_AWS_PROVIDER: 'AWS',
    RCLONE_CONFIG_AWS_ENV_AUTH: 'true',
    RCLONE_CONFIG_AWS_REGION: 'us-east-1',
  };
});

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

const rclone = (args: string[], extra: Record<string, string> = {}) => run(RCLONE!, ['--retries', '1', '--low-level-retries', '1', ...args], { ...env, ...extra });

describe.runIf(RCLONE)('rclone (aws-sdk-go v1) through the proxy', () => {
  it('env --no-ca-bundle gives it the profile without ca_bundle, no AWS_CA_BUNDLE and the combined bundle', () => {
    expect(env.AWS_PROFILE).toBe('iam-agent-proxy-no-ca-bundle');
    expect(env).not.toHaveProperty('AWS_CA_BUNDLE');
    expect(env.SSL_CERT_FILE).toBe(join(proxy.stateDir, 'ca-bundle.pem'));
    const bundle = readFileSync(env.SSL_CERT_FILE!, 'utf8');
    expect(bundle.endsWith(readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8'))).toBe(true);
    expect(bundle.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(10); // the system's CAs too
  });

  it('makes a bucket, copies a small and a 25 MiB file up and back byte for byte, lists and deletes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-rclone-data-'));
    const small = `rclone through the proxy ${'y'.repeat(3000)} \u00e9\n`;
    const big = randomBytes(25 * 1024 * 1024);
    writeFileSync(join(dir, 'small.txt'), small);
    writeFileSync(join(dir, 'big.bin'), big);

    const mkdir = await rclone(['mkdir', 'aws:rclone-bucket']);
    expect(mkdir.stderr).toBe('');
    expect(mkdir.code).toBe(0);
    expect(upstream.requests.some((r) => r.method === 'PUT' && /rclone-bucket/.test(r.host + r.path))).toBe(true);

    const up = await rclone(['copy', join(dir, 'small.txt'), 'aws:rclone-bucket/dir/']);
    expect(up.stderr).toBe('');
    expect(upstream.objects.get('rclone-bucket/dir/small.txt')?.toString()).toBe(small);

    // In 5 MiB parts (rclone's own cutoff is 200 MiB): rclone checks the completed upload's ETag, S3's md5-of-part-md5s-N.
    const upBig = await rclone(['copyto', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', join(dir, 'big.bin'), 'aws:rclone-bucket/dir/big.bin']);
    expect(upBig.stderr).toBe('');
    expect(upstream.objects.get('rclone-bucket/dir/big.bin')?.equals(big)).toBe(true);
    expect(upstream.requests.filter((r) => r.method === 'PUT' && /partNumber=/.test(r.path)).length).toBeGreaterThan(1);

    const ls = await rclone(['ls', 'aws:rclone-bucket']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(`${Buffer.byteLength(small)} dir/small.txt`);
    expect(ls.stdout).toContain(`${big.length} dir/big.bin`);

    const back = join(dir, 'back');
    const down = await rclone(['copy', 'aws:rclone-bucket/dir', back]);
    expect(down.stderr).toBe('');
    expect(readFileSync(join(back, 'small.txt'), 'utf8')).toBe(small);
    expect(readFileSync(join(back, 'big.bin')).equals(big)).toBe(true);
    const check = await rclone(['check', join(dir), 'aws:rclone-bucket/dir', '--exclude', 'back/**']);
    expect(check.code).toBe(0);

    const del = await rclone(['delete', 'aws:rclone-bucket/dir/small.txt']);
    expect(del.code).toBe(0);
    expect(upstream.objects.has('rclone-bucket/dir/small.txt')).toBe(false);
    expect(upstream.objects.has('rclone-bucket/dir/big.bin')).toBe(true);

    expectOnlyRealSignatures();
    await proxy.waitForStdout(/ALLOWED  s3:CreateBucket$/);
    await proxy.waitForStdout(/ALLOWED  s3:PutObject$/);
    await proxy.waitForStdout(/ALLOWED  s3:GetObject$/);
    await proxy.waitForStdout(/ALLOWED  s3:DeleteObject$/);
  });

  it('with the ca_bundle profile or AWS_CA_BUNDLE it fails as documented (why the variant exists)', async () => {
    for (const extra of [{ AWS_PROFILE: 'iam-agent-proxy' }, { AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem') }]) {
      const result = await rclone(['lsd', 'aws:'], extra);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/LoadCustomCABundleError|unsupported transport/);
    }
    expect(upstream.requests).toHaveLength(0);
  });
});
