import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import type { PolicySettings } from '../../../src/policy/store/load.js';
import { PolicyStore } from '../../../src/policy/store/policy-store.js';

const allow = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const NOTHING = { Version: '2012-10-17', Statement: [] };
const TAGGED = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ai' } } }] };

const root = mkdtempSync(join(tmpdir(), 'policy-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let path: string;
let notices: string[];
let n = 0;
beforeEach(() => {
  path = join(root, `policies-${n++}.json`);
  notices = [];
});

const write = (value: unknown) => writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
const settings = (): PolicySettings => ({ mode: 'enforce', allowlistPath: undefined, policiesPath: path, agents: [{ name: 'alice' }, { name: 'bob' }] });
const open = () => PolicyStore.open(settings(), (line) => notices.push(line));
const file = (alice: string, bob: string) => ({ default: { mode: 'enforce', policy: NOTHING }, agents: { alice: { policy: allow(alice) }, bob: { mode: 'shadow', policy: allow(bob) } } });

describe('PolicyStore', () => {
  it('gives each agent its own policy, any other the default, all at version 1', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    expect(store.forAgent('alice')).toStrictEqual({ mode: 'enforce', policy: allow('sts:GetCallerIdentity'), source: `${path}#agents.alice`, version: 1 });
    expect(store.forAgent('bob')).toStrictEqual({ mode: 'shadow', policy: allow('s3:ListAllMyBuckets'), source: `${path}#agents.bob`, version: 1 });
    expect(store.forAgent('carol')).toStrictEqual({ mode: 'enforce', policy: NOTHING, source: `${path}#default`, version: 1 });
    expect(store.forAgent('constructor')).toBe(store.forAgent('carol'));
    expect(store.describe()).toBe(`PROXY_POLICIES ${path}: alice enforce, bob shadow, others enforce`);
    expect(store.reloadable).toBe(true);
    expect(notices).toStrictEqual([]);
  });

  it('refuses to open on an invalid file', async () => {
    write({ default: { mode: 'enforce' } });
    await expect(open()).rejects.toThrow(new ConfigError(`PROXY_POLICIES ${path}: default: mode "enforce" needs a "policy"`));
  });

  it('a reload with an invalid file keeps the policies in force and says why', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    const before = store.forAgent('alice');
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBukkets'));
    const reason = `PROXY_POLICIES ${path}: agents.bob.policy is not a valid IAM policy: Statement[0].Action: "s3:ListAllMyBukkets": s3 has no action "ListAllMyBukkets"`;
    expect(await store.reload('signal')).toStrictEqual({ outcome: 'invalid', version: 1, reason });
    expect(store.forAgent('alice')).toBe(before);
    expect(store.forAgent('bob').policy).toStrictEqual(allow('s3:ListAllMyBuckets'));
    write('{"default": ');
    expect(await store.reload('signal')).toMatchObject({ outcome: 'invalid', version: 1 });
    expect(notices).toStrictEqual([
      `policies not reloaded, version 1 stays in force: ${reason}`,
      `policies not reloaded, version 1 stays in force: PROXY_POLICIES ${path} is not valid JSON: line 1 column 13: expected a value, the text ends`,
    ]);
  });

  it('a reload with a valid file swaps the whole set at once, under a new version', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    const old = store.forAgent('alice');
    write(file('s3:ListAllMyBuckets', 'sts:GetCallerIdentity'));
    const reloading = store.reload('change');
    expect(store.forAgent('bob').version).toBe(1); // until all of it is read and valid
    expect(await reloading).toStrictEqual({ outcome: 'reloaded', version: 2 });
    expect(store.forAgent('alice')).toStrictEqual({ ...old, policy: allow('s3:ListAllMyBuckets'), version: 2 });
    expect(store.forAgent('bob')).toMatchObject({ policy: allow('sts:GetCallerIdentity'), version: 2 });
    expect(store.forAgent('carol').version).toBe(2);
    expect(old.version).toBe(1); // a request holding the old policy keeps it whole
    expect(notices).toStrictEqual(['policies reloaded (version 2)']);
  });

  it('a file that did not change is no reload: said on SIGHUP, silent on a file event', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    expect(await store.reload('change')).toStrictEqual({ outcome: 'unchanged', version: 1 });
    expect(await store.reload('signal')).toStrictEqual({ outcome: 'unchanged', version: 1 });
    expect(notices).toStrictEqual(['policies unchanged (version 1)']);
  });

  it('file events repeat an invalid file\'s reason once, and tell when the file is back as it was', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    write({ default: {} });
    await store.reload('change');
    await store.reload('change');
    await store.reload('signal');
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    await store.reload('change');
    const invalid = `policies not reloaded, version 1 stays in force: PROXY_POLICIES ${path}: default: mode "enforce" (PROXY_MODE) needs a "policy"`;
    expect(notices).toStrictEqual([invalid, invalid, 'policies unchanged (version 1)']);
  });

  it('reloads one at a time, in order', async () => {
    write(file('sts:GetCallerIdentity', 's3:ListAllMyBuckets'));
    const store = await open();
    write(file('s3:ListAllMyBuckets', 'sts:GetCallerIdentity'));
    const outcomes = await Promise.all([store.reload('signal'), store.reload('signal'), store.reload('signal')]);
    expect(outcomes.map((o) => o.outcome)).toStrictEqual(['reloaded', 'unchanged', 'unchanged']);
    expect(store.version).toBe(2);
  });

  it('warns about condition keys it cannot supply at open and at each reload that brings them', async () => {
    write({ default: { mode: 'enforce', policy: TAGGED } });
    const store = await open();
    write({ default: { mode: 'shadow', policy: TAGGED } });
    await store.reload('signal');
    const warning = `warning: ${path}#default: condition key aws:ResourceTag/team cannot be supplied by iam-agent-proxy: Deny statements that use it always apply, Allow statements that use it never do`;
    expect(notices).toStrictEqual([warning, warning, 'policies reloaded (version 2)']);
  });

  it('ALLOWLIST_PATH: one policy for every agent, reloaded the same way', async () => {
    write(allow('sts:GetCallerIdentity'));
    const store = await PolicyStore.open({ ...settings(), mode: 'shadow', policiesPath: undefined, allowlistPath: path }, (line) => notices.push(line));
    expect(store.forAgent('alice')).toStrictEqual({ mode: 'shadow', policy: allow('sts:GetCallerIdentity'), source: path, version: 1 });
    expect(store.describe()).toBe(`shadow mode, policy ${path}`);
    write(allow('s3:ListAllMyBuckets'));
    expect(await store.reload('signal')).toStrictEqual({ outcome: 'reloaded', version: 2 });
    expect(store.forAgent('bob').policy).toStrictEqual(allow('s3:ListAllMyBuckets'));
  });

  it('without a policy: record mode, nothing to reload', async () => {
    const store = await PolicyStore.open({ ...settings(), mode: 'record', policiesPath: undefined }, (line) => notices.push(line));
    expect(store.forAgent('alice')).toStrictEqual({ mode: 'record', policy: undefined, source: 'PROXY_MODE=record', version: 1 });
    expect(store.describe()).toBe('record mode');
    expect(store.reloadable).toBe(false);
  });
});
