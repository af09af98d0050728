import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRealCredentialVariable } from '../src/cli/run-environment.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, cleanEnv, freePort, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

/** `iam-agent-proxy run`: with a proxy already running, with none (it starts one), and bad input. */
let upstream: FakeAws;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
});
afterAll(async () => {
  await upstream?.close();
});
beforeEach(() => upstream.reset());

/** Credentials a developer's shell may hold; none may reach the command. */
const LEAKY = {
  AWS_ACCESS_KEY_ID: 'AKIAPARENTSHELLKEY01',
  AWS_SECRET_ACCESS_KEY: 'parent/Secret+Key000000000000000000000001',
  AWS_SESSION_TOKEN: 'parent-session-token',
  AWS_PROFILE: 'admin',
  AWS_DEFAULT_PROFILE: 'admin',
  AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/admin',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/token',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
  AWS_SHARED_CREDENTIALS_FILE: '/root/.aws/credentials',
  AWS_SSO_SESSION: 'corp',
};

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line)).map((line) => line.split(/=(.*)/s, 2) as [string, string]));
}

function expectOnlyRealSignatures(): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  for (const request of upstream.requests) {
    expect(request.verified).toBe(true);
    expect(request.accessKeyId).toBe(REAL.accessKeyId);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

describe('with a proxy running', () => {
  let proxy: ProxyRun;
  let parentEnv: Record<string, string>;

  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    const config = { PROXY_AGENTS: 'claude', AWS_CONFIG_FILE: join(home, 'aws', 'config') };
    proxy = await startProxy({ upstream, home, env: config });
    parentEnv = { ...cleanEnv(home), ...config, PROXY_PORT: String(proxy.port), AWS_DEFAULT_REGION: 'us-east-1', ...LEAKY };
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('run --agent claude -- aws sts get-caller-identity calls as claude, re-signed with the real key; the proxy keeps running', async () => {
    const result = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', AWS_CLI, 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'], parentEnv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(upstream.accountId);
    expectOnlyRealSignatures();
    expect(actionRecords(proxy).at(-1)?.agent).toBe('claude');
    expect(proxy.child.exitCode).toBeNull();
    expect(await portOpen(proxy.port)).toBe(true);
  });

  it("the command's environment holds no real-credential variable, and the agent's", async () => {
    const result = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', 'env'], parentEnv);
    expect(result.code).toBe(0);
    const env = parseEnv(result.stdout);
    const printed = parseEnv((await run(PROXY_BIN, ['env', '--agent', 'claude', '--shell', 'dotenv'], parentEnv)).stdout);
    // The only credential variables are the command's own key, an agent key (below).
    const commandKey = ['AWS_ACCESS_KEY_ID', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_SECRET_ACCESS_KEY'];
    expect(Object.keys(env).filter((name) => isRealCredentialVariable(name) && !(name in printed)).sort()).toStrictEqual(commandKey);
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^AKIAPROXY[A-Z2-7]{32}$/);
    for (const name of Object.keys(LEAKY)) if (!['AWS_PROFILE', ...commandKey].includes(name)) expect(env).not.toHaveProperty(name);
    expect(env).toMatchObject(printed);
    expect(env.AWS_PROFILE).toBe('iam-agent-proxy');
    expect(env.PROXY_AGENT_NAME).toBe('claude');
    expect(result.stdout).not.toContain(LEAKY.AWS_SECRET_ACCESS_KEY);
    expect(result.stdout).not.toContain(LEAKY.AWS_ACCESS_KEY_ID);
  });

  it('the command gets a key of its own, valid while it runs and revoked when it exits, whatever its status', async () => {
    const script = `echo "$AWS_ACCESS_KEY_ID"; echo "$AWS_SECRET_ACCESS_KEY"; ${AWS_CLI} sts get-caller-identity --query Account --output text; exit 3`;
    const result = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', 'sh', '-c', script], parentEnv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    const [accessKeyId, secretAccessKey, account] = result.stdout.trim().split('\n');
    expect(account).toBe(upstream.accountId);
    const records = actionRecords(proxy);
    expect(records.at(-1)).toMatchObject({ accessKeyId, agent: 'claude', decision: 'allowed' });
    // The key the agent's other clients get is another one.
    expect((await agentKeys(proxy, 'claude')).accessKeyId).not.toBe(accessKeyId);
    const after = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! } });
    expect(after.status).toBe(403);
    expect(after.body).toContain('InvalidClientTokenId');
    const keys = await run(PROXY_BIN, ['keys'], parentEnv);
    expect(keys.stdout).not.toContain(accessKeyId);
  });

  it.runIf(existsSync('/usr/bin/restic'))('a tool that reads only static keys works under run as it is: restic (minio-go) init and snapshots', async () => {
    const repo = ['-r', 's3:https://s3.amazonaws.com/run-restic/repo'];
    const env = { ...parentEnv, RESTIC_PASSWORD: 'test-password', XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'iap-restic-cache-')) };
    const init = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', 'restic', ...repo, 'init'], env);
    expect(init.stderr).not.toMatch(/Fatal/);
    expect(init.code).toBe(0);
    const snapshots = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', 'restic', ...repo, 'snapshots', '--json'], env);
    expect(snapshots.code).toBe(0);
    expect(JSON.parse(snapshots.stdout)).toStrictEqual([]);
    expect(upstream.objects.has('run-restic/repo/config')).toBe(true);
    expectOnlyRealSignatures();
    const keys = new Set(actionRecords(proxy).filter((r) => r.service === 's3').map((r) => r.accessKeyId));
    expect(keys.size).toBe(2); // one key per command
  });

  it('two commands at once: each its own key; one exiting leaves the other working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-run-'));
    const go = join(dir, 'go');
    const long = spawn(PROXY_BIN, ['run', '--agent', 'claude', '--', 'sh', '-c', `echo "$AWS_ACCESS_KEY_ID"; while [ ! -f ${go} ]; do sleep 0.1; done; ${AWS_CLI} sts get-caller-identity --query Account --output text`], { env: parentEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    long.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((done) => long.on('exit', (code) => done(code)));
    await new Promise<void>((done) => long.stdout.on('data', () => out.includes('\n') && done()));
    const short = await run(PROXY_BIN, ['run', '--agent', 'claude', '--', 'sh', '-c', 'echo "$AWS_ACCESS_KEY_ID"'], parentEnv);
    expect(short.code).toBe(0);
    writeFileSync(go, '');
    expect(await exited).toBe(0);
    const [longKey, account] = out.trim().split('\n');
    expect(short.stdout.trim()).not.toBe(longKey);
    expect(account).toBe(upstream.accountId);
  });

  it('--no-static-keys: no key variables; the AWS CLI uses the profile', async () => {
    const result = await run(PROXY_BIN, ['run', '--no-static-keys', '--agent', 'claude', '--', 'sh', '-c', `env | grep -c '^AWS_ACCESS_KEY_ID=' ; ${AWS_CLI} sts get-caller-identity --query Account --output text`], parentEnv);
    expect(result.stdout.trim().split('\n')).toStrictEqual(['0', upstream.accountId]);
  });

  it("exits with the command's status, 128+n for a signal", async () => {
    expect((await run(PROXY_BIN, ['run', '--', 'sh', '-c', 'exit 7'], parentEnv)).code).toBe(7);
    expect((await run(PROXY_BIN, ['run', '--', 'sh', '-c', 'kill -TERM $$'], parentEnv)).code).toBe(143);
  });

  it('passes SIGTERM on to the command', async () => {
    const child = spawn(PROXY_BIN, ['run', '--', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'], { env: parentEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((done) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && done()));
    child.kill('SIGTERM');
    expect(await exited).toBe(42);
  });
});

describe('with no proxy running', () => {
  let home: string;
  let port: number;
  let parentEnv: Record<string, string>;
  const awsConfig = '[profile admin]\nregion = eu-west-1\n# a comment the proxy must keep\n';

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), awsConfig);
    port = await freePort();
    // As startProxy gives a proxy: the real (fake-AWS) key and the fake AWS as upstream.
    parentEnv = {
      ...cleanEnv(home),
      AWS_ACCESS_KEY_ID: REAL.accessKeyId,
      AWS_SECRET_ACCESS_KEY: REAL.secretAccessKey,
      PROXY_PORT: String(port),
      PROXY_UPSTREAM_ENDPOINT: upstream.endpoint,
      NODE_EXTRA_CA_CERTS: upstream.caFile,
      AWS_DEFAULT_REGION: 'us-east-1',
    };
  });

  it('starts one with the real credentials, the command calls through it without them, and it is gone afterwards', async () => {
    // The key variables the command holds are its own agent key, never the real key.
    const script = `env | grep -c '${REAL.accessKeyId}\\|${REAL.secretAccessKey}'; echo "$AWS_ACCESS_KEY_ID"; ${AWS_CLI} sts get-caller-identity --query Account --output text`;
    const result = await run(PROXY_BIN, ['run', '--', 'sh', '-c', script], parentEnv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [realCount, commandKey, account] = result.stdout.trim().split('\n');
    expect([realCount, account]).toStrictEqual(['0', upstream.accountId]);
    expect(commandKey).toMatch(/^AKIAPROXY/);
    expectOnlyRealSignatures();
    const records = actionRecords({ stateDir: join(home, '.iam-agent-proxy') } as ProxyRun);
    expect(records.at(-1)).toMatchObject({ agent: 'default' });
    expect(await portOpen(port)).toBe(false);
    expect(readFileSync(join(home, '.aws', 'config'), 'utf8')).toBe(awsConfig);
    expect(readFileSync(join(home, '.iam-agent-proxy', 'run-proxy.log'), 'utf8')).toMatch(/listening on/);
  });

  it('a proxy that cannot start: its error line, exit 1, the command never runs', async () => {
    const busy: Server = createServer();
    await new Promise<void>((done) => busy.listen(port, '127.0.0.1', done));
    try {
      const marker = join(home, 'ran');
      const result = await run(PROXY_BIN, ['run', '--', 'sh', '-c', `touch ${marker}`], parentEnv);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^iam-agent-proxy: the proxy did not start: .*already in use.*\n$/);
      expect(result.stderr.split('\n').length).toBe(2);
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(join(home, '.aws', 'config'), 'utf8')).toBe(awsConfig);
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });

  it('SIGINT while the proxy starts: it is stopped (AWS config restored), exit 130', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'iap-home-'));
    mkdirSync(join(fresh, '.aws'));
    writeFileSync(join(fresh, '.aws', 'config'), awsConfig);
    const child = spawn(PROXY_BIN, ['run', '--', 'sh', '-c', 'sleep 5'], { env: { ...parentEnv, HOME: fresh }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(fresh, '.iam-agent-proxy', 'ca.key')) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).not.toMatch(/Error|at /);
    expect(await portOpen(port)).toBe(false);
    expect(readFileSync(join(fresh, '.aws', 'config'), 'utf8')).toBe(awsConfig);
  });

  it('a command that does not exist: 127 and no proxy started', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'iap-home-'));
    const result = await run(PROXY_BIN, ['run', '--', 'no-such-command-xyz', 'arg'], { ...parentEnv, HOME: fresh });
    expect(result).toMatchObject({ code: 127, stdout: '', stderr: 'iam-agent-proxy: no-such-command-xyz: command not found\n' });
    expect(existsSync(join(fresh, '.iam-agent-proxy'))).toBe(false);
  });
});

describe('bad input', () => {
  const env = () => cleanEnv(mkdtempSync(join(tmpdir(), 'iap-home-')));
  for (const args of [['run'], ['run', '--'], ['run', '--bogus', '--', 'true'], ['run', '--agent'], ['run', '--isolate=yes', '--', 'true']]) {
    it(`${args.join(' ')}: one line, exit 2`, async () => {
      const result = await run(PROXY_BIN, args, env());
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^iam-agent-proxy: [^\n]+\n$/);
    });
  }

  it('run --help prints the usage; a --help after the command is the command\'s', async () => {
    const own = await run(PROXY_BIN, ['run', '--help'], env());
    expect(own).toMatchObject({ code: 0, stderr: '' });
    expect(own.stdout).toMatch(/^Usage: iam-agent-proxy run/);
    const theirs = await run(PROXY_BIN, ['run', '--', 'no-such-command-xyz', '--help'], env());
    expect(theirs.code).toBe(127);
  });
});
