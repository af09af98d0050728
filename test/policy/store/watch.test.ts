import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyStore } from '../../../src/policy/store/policy-store.js';
import { reloadOnSignalAndChange } from '../../../src/policy/store/watch.js';

const allow = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const entries = (policy: unknown) => JSON.stringify({ default: { mode: 'enforce', policy } });

let dir: string;
let path: string;
let notices: string[];
let store: PolicyStore;
let stop: () => void;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'policy-watch-'));
  path = join(dir, 'policies.json');
  writeFileSync(path, entries(allow('sts:GetCallerIdentity')));
  notices = [];
  store = await PolicyStore.open({ mode: 'enforce', allowlistPath: undefined, policiesPath: path, agents: [] }, (line) => notices.push(line));
  stop = reloadOnSignalAndChange(store, { notice: (line) => notices.push(line), debounceMs: 50 });
});
afterEach(() => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen; notices: ${notices.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const actionInForce = () => (store.forAgent('anyone').policy?.Statement as Array<{ Action: string }>)[0]?.Action;

describe('reloadOnSignalAndChange', () => {
  it('reloads a file written in place, once for a burst of writes', async () => {
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:ListAllMyBuckets']) writeFileSync(path, entries(allow(action)));
    await until(() => actionInForce() === 's3:ListAllMyBuckets', 'the reload');
    expect(notices).toStrictEqual(['policies reloaded (version 2)']);
  });

  it('survives editors that save by renaming a new file over the old one, again and again', async () => {
    for (const [i, action] of ['s3:GetObject', 's3:PutObject'].entries()) {
      writeFileSync(join(dir, '.policies.json.tmp'), entries(allow(action)));
      renameSync(join(dir, '.policies.json.tmp'), path);
      await until(() => actionInForce() === action, `reload ${i + 1}`);
    }
    expect(store.version).toBe(3);
  });

  it('keeps the old policy when the new file is invalid, and takes the next valid one', async () => {
    writeFileSync(path, entries(allow('s3:GetObjekt')));
    await until(() => notices.length > 0, 'the refusal');
    expect(notices).toStrictEqual([
      `policies not reloaded, version 1 stays in force: PROXY_POLICIES ${path}: default.policy is not a valid IAM policy: Statement[0].Action: "s3:GetObjekt": s3 has no action "GetObjekt"`,
    ]);
    expect(actionInForce()).toBe('sts:GetCallerIdentity');
    writeFileSync(path, entries(allow('s3:GetObject')));
    await until(() => actionInForce() === 's3:GetObject', 'the reload');
  });

  it('watches the directories of policy files a reload brings in', async () => {
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'base.json'), JSON.stringify(allow('s3:GetObject')));
    writeFileSync(path, entries('shared/base.json'));
    await until(() => actionInForce() === 's3:GetObject', 'the first reload');
    await new Promise((r) => setTimeout(r, 100)); // the watch on shared/ is armed after the reload
    writeFileSync(join(dir, 'shared', 'base.json'), JSON.stringify(allow('s3:PutObject')));
    await until(() => actionInForce() === 's3:PutObject', 'the reload of shared/base.json');
  });

  it('reloads on SIGHUP, and says so even when nothing changed', async () => {
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => notices.length > 0, 'the SIGHUP reload');
    expect(notices).toStrictEqual(['policies unchanged (version 1)']);
  });

  it('once stopped, neither SIGHUP nor a change reloads', async () => {
    const listeners = process.listenerCount('SIGHUP');
    stop();
    expect(process.listenerCount('SIGHUP')).toBe(listeners - 1);
    writeFileSync(path, entries(allow('s3:GetObject')));
    await new Promise((r) => setTimeout(r, 300));
    expect(store.version).toBe(1);
  });
});
