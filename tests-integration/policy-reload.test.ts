// Per-agent policies (PROXY_POLICIES) in the real proxy: each agent held to its own, reloaded on
// SIGHUP and on a file change, an invalid new file leaving the policies in force as they were.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { agentEnvFor, AWS_CLI, cleanEnv, freePort, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';

const allow = (...actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
/** Agents not listed: nothing allowed; the Deny's key is one the proxy cannot supply (a warning at load). */
const DEFAULT = {
  mode: 'enforce',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } }] },
};
const IDENTITY = ['sts', 'get-caller-identity'];
const BUCKETS = ['s3', 'ls'];

let upstream: FakeAws;
let proxy: ProxyRun;
let dir: string;
let policies: string;

/** alice's policy is a file of its own, bob's inline: both kinds of change are seen. */
function writePolicies(bob: object, alice = './alice.json'): void {
  writeFileSync(policies, JSON.stringify({ default: DEFAULT, agents: { alice: { mode: 'enforce', policy: alice }, bob: { mode: 'enforce', policy: bob } } }, null, 2));
}

/** As an editor saves: a new file renamed over the old one. */
function replaceFile(path: string, value: object): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

async function outcome(agent: string, args: string[]): Promise<'allowed' | 'AccessDenied' | string> {
  const result = await run(AWS_CLI, args, agentEnvFor(proxy, agent));
  if (result.code === 0) return 'allowed';
  return /\(AccessDenied\)/.test(result.stderr) ? 'AccessDenied' : result.stderr;
}

async function outcomes(): Promise<Record<string, string>> {
  return {
    aliceIdentity: await outcome('alice', IDENTITY),
    aliceBuckets: await outcome('alice', BUCKETS),
    bobIdentity: await outcome('bob', IDENTITY),
    bobBuckets: await outcome('bob', BUCKETS),
  };
}

async function stderrLine(pattern: RegExp, count = 1): Promise<void> {
  for (const deadline = Date.now() + 10_000; (proxy.stderr().match(new RegExp(pattern.source, 'gm')) ?? []).length < count; ) {
    if (Date.now() > deadline) throw new Error(`${pattern} (${count}) not on stderr: ${proxy.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-policies-'));
  policies = join(dir, 'policies.json');
  writeFileSync(join(dir, 'alice.json'), JSON.stringify(allow('sts:GetCallerIdentity')));
  writePolicies(allow('s3:ListAllMyBuckets'));
  upstream = await startFakeAws({ credentials: REAL, dir });
  proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', PROXY_POLICIES: policies, PROXY_AGENTS: 'alice,bob' } });
  await new Promise((r) => setTimeout(r, 300)); // the startup account-id lookup
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

describe('per-agent policies, reloaded', () => {
  it('starts with each agent held to its own policy, and warns about a condition key it cannot supply', async () => {
    expect(proxy.stderr()).toContain(`(PROXY_POLICIES ${policies}: alice enforce, bob enforce, others enforce)`);
    expect(proxy.stderr()).toContain(`iam-agent-proxy: warning: ${policies}#default: condition key aws:ResourceTag/protected cannot be supplied by iam-agent-proxy`);
    upstream.reset();
    expect(await outcomes()).toStrictEqual({ aliceIdentity: 'allowed', aliceBuckets: 'AccessDenied', bobIdentity: 'AccessDenied', bobBuckets: 'allowed' });
    expect(upstream.requests).toHaveLength(2);
  });

  it('an invalid new file, seen as it is written and again on SIGHUP, leaves the policies in force as they were', async () => {
    writePolicies(allow('s3:ListAllMyBukkets'));
    const reason = new RegExp(
      `^iam-agent-proxy: policies not reloaded, version 1 stays in force: PROXY_POLICIES ${policies}: agents\\.bob\\.policy is not a valid IAM policy: Statement\\[0\\]\\.Action\\[0\\]: "s3:ListAllMyBukkets": s3 has no action "ListAllMyBukkets"$`,
    );
    await stderrLine(reason);
    proxy.child.kill('SIGHUP');
    await stderrLine(reason, 2);
    expect(proxy.child.exitCode).toBe(null);
    expect(await outcomes()).toStrictEqual({ aliceIdentity: 'allowed', aliceBuckets: 'AccessDenied', bobIdentity: 'AccessDenied', bobBuckets: 'allowed' });
  });

  it('a valid new file takes effect on the next request', async () => {
    writeFileSync(join(dir, 'alice-2.json'), JSON.stringify(allow('s3:ListAllMyBuckets')));
    writePolicies(allow('sts:GetCallerIdentity'), 'alice-2.json'); // one write: no reload sees half of it
    proxy.child.kill('SIGHUP');
    await stderrLine(/^iam-agent-proxy: policies reloaded \(version 2\)$/);
    upstream.reset();
    expect(await outcomes()).toStrictEqual({ aliceIdentity: 'AccessDenied', aliceBuckets: 'allowed', bobIdentity: 'allowed', bobBuckets: 'AccessDenied' });
    expect(upstream.requests).toHaveLength(2);
  });

  it('a policy file replaced by an editor is reloaded without SIGHUP', async () => {
    replaceFile(join(dir, 'alice-2.json'), allow('s3:ListAllMyBuckets', 'sts:GetCallerIdentity'));
    await stderrLine(/^iam-agent-proxy: policies reloaded \(version 3\)$/);
    expect(await outcome('alice', IDENTITY)).toBe('allowed');
    expect(await outcome('bob', BUCKETS)).toBe('AccessDenied');
  });
});

describe('an invalid PROXY_POLICIES at start', () => {
  it('is refused in one line naming the file, the place and the fix', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ default: { mode: 'enforce', policy: allow('s3:GetObjekt') } }));
    const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), PROXY_PORT: String(await freePort()), PROXY_POLICIES: bad });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toStrictEqual([
      `iam-agent-proxy: PROXY_POLICIES ${bad}: default.policy is not a valid IAM policy: Statement[0].Action[0]: "s3:GetObjekt": s3 has no action "GetObjekt"`,
    ]);
  });
});
