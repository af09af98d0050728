// Several agents on one proxy: the socket decides who is asking, revocation is immediate and
// survives restarts, and cached keys outlive a restart (derived from master.key, not stored).
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askProxy } from '../src/keys/socket-client.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, agentEnvFor, AWS_CLI, cleanEnv, freePort, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

const WORKLOAD = join(REPO, 'tests-integration/clients/boto3_workload.py');
const AGENTS = { PROXY_AGENTS: 'alice,bob' };

interface Call {
  start: number;
  end: number;
  outcome: string;
  key: string;
}

let upstream: FakeAws;
beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
});
afterAll(async () => upstream?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A boto3 client looping on sts:GetCallerIdentity for `seconds`, as the named agent. */
async function workload(proxy: ProxyRun, agent: string, seconds: number): Promise<Call[]> {
  const result = await run(PYTHON, [WORKLOAD, String(seconds)], agentEnvFor(proxy, agent));
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call)
    .map((call) => ({ ...call, start: call.start * 1000, end: call.end * 1000 }));
}

async function logged(proxy: ProxyRun, accessKeyId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 50; i++) {
    const record = actionRecords(proxy).find((r) => r.accessKeyId === accessKeyId);
    if (record) return record;
    await sleep(100);
  }
  throw new Error(`no log record for ${accessKeyId}`);
}

describe('two declared agents side by side', () => {
  it('each gets its own keys from its own socket, and its calls are logged under its name', async () => {
    const proxy = await startProxy({ upstream, env: AGENTS });
    const cli = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], agentEnvFor(proxy, 'alice'));
    expect(cli.stderr).toBe('');
    const boto = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 'identity'], agentEnvFor(proxy, 'bob'));
    expect(JSON.parse(boto.stdout)).toEqual({ account: upstream.accountId });

    const alice = await agentKeys(proxy, 'alice'); // the cached key, the one the CLI used
    const bob = await agentKeys(proxy, 'bob');
    expect(alice.accessKeyId).not.toBe(bob.accessKeyId);
    expect(await logged(proxy, alice.accessKeyId)).toMatchObject({ agent: 'alice', decision: 'allowed' });
    expect(await logged(proxy, bob.accessKeyId)).toMatchObject({ agent: 'bob', decision: 'allowed' });

    // Naming another agent gets nothing: not on one's own socket, not on the default one.
    const aliceSock = join(proxy.stateDir, 'agents', 'alice.sock');
    expect(await askProxy(aliceSock, { op: 'credentials', agent: 'bob' })).toStrictEqual({ error: 'this socket belongs to agent "alice" and serves no other agent\'s keys' });
    expect(await askProxy(join(proxy.stateDir, 'creds.sock'), { op: 'credentials', agent: 'bob' })).toStrictEqual({
      error: 'agent "bob" is declared: it gets keys only from its own socket (proxy-creds --agent bob)',
    });
    // Nor can an agent's socket revoke or list keys.
    expect(await askProxy(aliceSock, { op: 'revoke', agent: 'bob' })).toHaveProperty('error', expect.stringMatching(/^"revoke" is not served on an agent's socket: run 'iam-agent-proxy revoke'/));
    expect(await askProxy(aliceSock, { op: 'keys' })).toHaveProperty('error', expect.stringMatching(/^"keys" is not served on an agent's socket/));

    const keys = await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv);
    expect(keys.stdout).toMatch(new RegExp(`^${alice.accessKeyId}  agent=alice  expires=\\S+Z$`, 'm'));
    expect(keys.stdout).toMatch(new RegExp(`^${bob.accessKeyId}  agent=bob  expires=\\S+Z$`, 'm'));
    expect(keys.stdout).not.toContain(alice.secretAccessKey);
    await proxy.stop();
  });
});

describe('revoking one agent mid-workload', () => {
  it('refuses its calls within a second; the other agent carries on', async () => {
    const proxy = await startProxy({ upstream, env: AGENTS });
    const alice = workload(proxy, 'alice', 6);
    const bob = workload(proxy, 'bob', 6);
    await sleep(2500);
    const revokeStart = Date.now();
    const revoke = await run(process.execPath, [PROXY_BIN, 'revoke', '--agent', 'alice'], proxy.agentEnv);
    const revokeDone = Date.now();
    expect(revoke.stdout).toMatch(/^revoked AKIAPROXY[A-Z2-7]{32} \(agent alice\)$/m);
    const [aliceCalls, bobCalls] = await Promise.all([alice, bob]);

    expect(aliceCalls.filter((c) => c.end < revokeStart).length).toBeGreaterThan(0);
    expect(aliceCalls.filter((c) => c.end < revokeStart).every((c) => c.outcome === 'ok')).toBe(true);
    const afterASecond = aliceCalls.filter((c) => c.start > revokeStart + 1000);
    expect(afterASecond.length).toBeGreaterThan(5);
    expect(afterASecond.every((c) => c.outcome === 'InvalidClientTokenId')).toBe(true);
    // In fact at once: every call made after the revoke command returned was refused.
    expect(aliceCalls.filter((c) => c.start > revokeDone).every((c) => c.outcome === 'InvalidClientTokenId')).toBe(true);

    expect(bobCalls.length).toBeGreaterThan(10);
    expect(bobCalls.every((c) => c.outcome === 'ok')).toBe(true);
    await proxy.stop();
  });
});

describe('restarting the proxy mid-workload', () => {
  it('cached keys keep working after the restart, revoked ones stay revoked, record-mode agents are still known', async () => {
    const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    const port = await freePort();
    let proxy = await startProxy({ upstream, home, port, env: AGENTS });
    const carol = await agentKeys(proxy, 'carol'); // created on first use (record mode)
    expect(proxy.stderr()).toContain('agent carol created on first use (record mode)');
    const alice = workload(proxy, 'alice', 9);
    const bob = workload(proxy, 'bob', 9);
    await sleep(2500);
    await run(process.execPath, [PROXY_BIN, 'revoke', '--agent', 'bob'], proxy.agentEnv);
    await sleep(500);
    const down = Date.now();
    expect(await proxy.stop()).toBe(0);
    await sleep(500);
    proxy = await startProxy({ upstream, home, port, env: AGENTS });
    const up = Date.now();
    const [aliceCalls, bobCalls] = await Promise.all([alice, bob]);

    expect(new Set(aliceCalls.map((c) => c.key)).size).toBe(1); // one cached key throughout
    expect(aliceCalls.filter((c) => c.end < down).every((c) => c.outcome === 'ok')).toBe(true);
    const aliceAfter = aliceCalls.filter((c) => c.start > up);
    expect(aliceAfter.length).toBeGreaterThan(5);
    expect(aliceAfter.every((c) => c.outcome === 'ok')).toBe(true);
    expect(await logged(proxy, aliceCalls[0]!.key)).toMatchObject({ agent: 'alice' });

    const bobAfter = bobCalls.filter((c) => c.start > up);
    expect(bobAfter.length).toBeGreaterThan(5);
    expect(bobAfter.every((c) => c.outcome === 'InvalidClientTokenId')).toBe(true);

    const carolCall = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: carol });
    expect(carolCall.status).toBe(200);
    expect(await logged(proxy, carol.accessKeyId)).toMatchObject({ agent: 'carol' });

    const keys = await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv);
    expect(keys.stdout).toContain(`${aliceCalls[0]!.key}  agent=alice`); // listed once used
    for (const name of readdirSync(proxy.stateDir).filter((n) => n !== 'ca.pem' && n !== 'ca-bundle.pem')) { // certificates only: public, 0644
      expect((statSync(join(proxy.stateDir, name)).mode & 0o777).toString(8), name).toBe(statSync(join(proxy.stateDir, name)).isDirectory() ? '700' : '600');
    }
    await proxy.stop();
  });
});

describe('an agent given only a shared directory (the Docker layout)', () => {
  it('works with its socket, a copy of ca.pem and aws-config, and nothing from the state dir', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'iap-shared-'));
    const env = { PROXY_SOCK_PATH: join(shared, 'creds.sock'), PROXY_CA_BUNDLE_PATH: join(shared, 'ca.pem'), AWS_CONFIG_FILE: join(shared, 'aws-config') };
    const proxy = await startProxy({ upstream, env });
    expect(readdirSync(shared).sort()).toStrictEqual(['aws-config', 'ca-bundle.pem', 'ca.pem', 'creds.sock']); // ca-bundle.pem: system CAs + ca.pem
    expect(readFileSync(join(shared, 'ca-bundle.pem'), 'utf8').endsWith(readFileSync(join(shared, 'ca.pem'), 'utf8'))).toBe(true);
    expect(readFileSync(join(shared, 'ca.pem'), 'utf8')).toBe(readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8'));
    expect(readFileSync(join(shared, 'aws-config'), 'utf8')).toContain(`ca_bundle = ${join(shared, 'ca.pem')}`);
    const agentHome = mkdtempSync(join(tmpdir(), 'iap-agent-home-')); // no state dir of its own
    const agentEnv = { ...cleanEnv(agentHome), PROXY_SOCK_PATH: env.PROXY_SOCK_PATH, AWS_CONFIG_FILE: env.AWS_CONFIG_FILE, AWS_PROFILE: 'iam-agent-proxy', HTTPS_PROXY: proxy.url, AWS_DEFAULT_REGION: 'us-east-1' };
    const cli = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], agentEnv);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout).Account).toBe(upstream.accountId);
    await proxy.stop();
  });
});
