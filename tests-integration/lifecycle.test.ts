import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { PROXY_BIN, PROXY_CREDS_BIN, REAL, cleanEnv, freePort, run, startProxy } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

const USER_CONFIG = [
  '# my AWS setup -- keep these comments',
  '[default]',
  'region = eu-west-1 ; inline comment',
  's3 =',
  '    max_concurrent_requests = 20',
  '    addressing_style = path',
  '',
  '[profile work]  # trailing comment',
  'role_arn = arn:aws:iam::111122223333:role/dev',
  'source_profile = default',
].join('\n'); // deliberately no newline at the end

let upstream: FakeAws;
const newHome = (config?: string): string => {
  const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
  if (config !== undefined) {
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), config);
  }
  return home;
};
const configOf = (home: string) => readFileSync(join(home, '.aws', 'config'), 'utf8');

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
});
afterAll(async () => upstream?.close());

describe('~/.aws/config', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`is restored byte for byte, comments and s3 sub-sections included, on ${signal}`, async () => {
      const home = newHome(USER_CONFIG);
      const proxy = await startProxy({ upstream, home });
      const during = configOf(home);
      expect(during.startsWith(`${USER_CONFIG}\n`)).toBe(true);
      expect(during).toMatch(new RegExp(`\\[profile iam-agent-proxy\\]\\ncredential_process = ${PROXY_CREDS_BIN}\\nca_bundle = ${join(proxy.stateDir, 'ca.pem')}\\n`));
      expect(during).toContain(`\n[profile iam-agent-proxy-no-ca-bundle]\ncredential_process = ${PROXY_CREDS_BIN}\n# <<<`);
      expect(await proxy.stop(signal)).toBe(0);
      expect(configOf(home)).toBe(USER_CONFIG);
    });
  }

  it('is created and removed again when there was none, honouring AWS_CONFIG_FILE', async () => {
    const home = newHome();
    const configFile = join(home, 'elsewhere', 'config');
    const proxy = await startProxy({ upstream, home, env: { AWS_CONFIG_FILE: configFile } });
    expect(readFileSync(configFile, 'utf8')).toContain('[profile iam-agent-proxy]');
    expect(existsSync(join(home, '.aws', 'config'))).toBe(false);
    await proxy.stop();
    expect(existsSync(configFile)).toBe(false);
    expect(existsSync(join(home, 'elsewhere'))).toBe(false); // the directory made for it is gone too
  });

  it('is repaired on the next start after the proxy was killed', async () => {
    const home = newHome(USER_CONFIG);
    const killed = await startProxy({ upstream, home });
    await killed.stop('SIGKILL');
    expect(configOf(home)).toContain('[profile iam-agent-proxy]');
    const next = await startProxy({ upstream, home });
    expect(configOf(home).match(/\[profile iam-agent-proxy\]/g)).toHaveLength(1);
    expect(configOf(home).match(/\[profile iam-agent-proxy-no-ca-bundle\]/g)).toHaveLength(1);
    await next.stop();
    expect(configOf(home)).toBe(USER_CONFIG);
  });

  it("is left alone when the user has their own [profile iam-agent-proxy]", async () => {
    const mine = `${USER_CONFIG}\n[profile iam-agent-proxy]\nregion = us-east-2\n`;
    const home = newHome(mine);
    const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), PROXY_PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/already has its own \[profile iam-agent-proxy\]/);
    expect(configOf(home)).toBe(mine);
  });
});

describe('errors a user will meet', () => {
  it('port in use: one line that says what to do, and nothing left behind', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const home = newHome(USER_CONFIG);
    const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), PROXY_PORT: String(port) });
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`iam-agent-proxy: port ${port} on 127.0.0.1 is already in use: stop what is using it or set PROXY_PORT to a free port`]);
    expect(configOf(home)).toBe(USER_CONFIG);
    expect(existsSync(join(home, '.iam-agent-proxy', 'creds.sock'))).toBe(false);
  });

  it('unreadable CA: one line naming the files and the fix', async () => {
    const home = newHome();
    mkdirSync(join(home, '.iam-agent-proxy'));
    writeFileSync(join(home, '.iam-agent-proxy', 'ca.pem'), 'garbage');
    writeFileSync(join(home, '.iam-agent-proxy', 'ca.key'), 'garbage');
    const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), PROXY_PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/not valid PEM.*delete .*ca\.pem and .*ca\.key to make a new CA/);
  });

  it('no upstream credentials: a warning naming AWS_PROFILE, and 503 ServiceUnavailable, never forwarded', async () => {
    upstream.reset();
    const home = newHome();
    const proxy = await startProxy({ upstream, home, env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'nonexistent' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.stderr()).toMatch(/no real AWS credentials to re-sign with from AWS_PROFILE=nonexistent/);
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(proxy) });
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/<Code>ServiceUnavailable<\/Code>/);
    expect(res.body).toMatch(/AWS_PROFILE/);
    expect(upstream.requests).toEqual([]);
    await proxy.stop();
  });

  it('proxy-creds without a running proxy: non-zero exit and a clear message', async () => {
    const result = await run(process.execPath, [PROXY_CREDS_BIN], cleanEnv(newHome()));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^proxy-creds: cannot get credentials from .*creds\.sock: is iam-agent-proxy running\?/);
  });

  it('CLI misuse: one line, non-zero exit; --help for every command', async () => {
    const env = cleanEnv(newHome());
    for (const args of [['bogus'], ['policy', '--bogus'], ['revoke'], ['revoke', '--key']]) {
      const result = await run(process.execPath, [PROXY_BIN, ...args], env);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const policy = await run(process.execPath, [PROXY_BIN, 'policy'], env);
    expect(policy.code).toBe(1);
    expect(policy.stderr).toMatch(/no action log at .*actions\.log: start the proxy/);
    for (const args of [['--help'], ['start', '--help'], ['policy', '--help'], ['revoke', '--help'], ['keys', '--help']]) {
      const result = await run(process.execPath, [PROXY_BIN, ...args], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: iam-agent-proxy/);
    }
    expect((await run(process.execPath, [PROXY_CREDS_BIN, '--help'], env)).stdout).toMatch(/^Usage: proxy-creds/);
    expect((await run(process.execPath, [PROXY_BIN, '--version'], env)).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('state and keys', () => {
  it('keeps the CA key, socket and log private', async () => {
    const proxy = await startProxy({ upstream });
    const mode = (name: string) => (statSync(join(proxy.stateDir, name)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    expect(mode('ca.key')).toBe('600');
    expect(mode('creds.sock')).toBe('600');
    expect(mode('actions.log')).toBe('600');
    const firstCa = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
    await proxy.stop();
    const again = await startProxy({ upstream, home: proxy.home });
    expect(readFileSync(join(again.stateDir, 'ca.pem'), 'utf8')).toBe(firstCa); // reused, not re-made
    await again.stop();
  });

  it('rotates keys before they expire and never accepts one after its Expiration', async () => {
    const proxy = await startProxy({ upstream, env: { PROXY_KEYPAIR_TTL: '4', PROXY_KEY_TTL_MIN: '1' } });
    const first = await agentKeys(proxy);
    expect(Date.parse(first.expiration) - Date.now()).toBeGreaterThan(2_000);
    expect(Date.parse(first.expiration) - Date.now()).toBeLessThanOrEqual(4_000);
    await new Promise((r) => setTimeout(r, 2_300));
    const second = await agentKeys(proxy);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: first })).status).toBe(200); // overlap
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(first.expiration) - Date.now()) + 100));
    upstream.reset();
    const expired = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: first });
    expect(expired.status).toBe(403);
    expect(expired.body).toMatch(/InvalidClientTokenId.*has expired/s);
    expect(upstream.requests).toEqual([]);
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: second })).status).toBe(200);
    await proxy.stop();
  });
});
