/**
 * An action log that cannot be written (ENOSPC): the proxy runs in its own mount namespace with
 * ACTION_LOG_PATH on a small tmpfs, filled and emptied from inside that namespace (nsenter). Tests
 * run as root, where permission bits stop no write; a full filesystem does. Enforce mode refuses
 * the calls it cannot record; record mode serves on, counts what is lost, and notes it in the chain
 * once the log can be written again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let dir: string;
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-full-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY));
  upstream = await startFakeAws({ credentials: REAL, dir });
});
afterAll(async () => upstream?.close());

/** A proxy whose action log is on a 64 KiB tmpfs only it (and nsenter) can see. */
async function proxyOnTmpfs(env: Record<string, string> = {}): Promise<{ proxy: ProxyRun; log: string; inside(command: string[]): string }> {
  const mount = mkdtempSync(join(tmpdir(), 'iap-tmpfs-'));
  const log = join(mount, 'actions.log');
  const wrap = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k,mode=0700 none "$0" && exec "$@"', mount];
  const requests = upstream.requests.length;
  const proxy = await startProxy({ upstream, env: { ...env, ACTION_LOG_PATH: log }, wrap });
  // Its account lookup reaches upstream too: let it pass before calls are counted.
  await expect.poll(() => upstream.requests.length).toBeGreaterThan(requests);
  const inside = (command: string[]) => execFileSync('nsenter', ['-t', String(proxy.child.pid), '-m', ...command], { encoding: 'utf8' });
  return { proxy, log, inside };
}
const fill = (inside: (command: string[]) => string, log: string) => {
  try {
    inside(['dd', 'if=/dev/zero', `of=${log}.filler`, 'bs=4k']);
  } catch {
    // dd stops at ENOSPC, as meant
  }
};
/**
 * Calls until a record fails to be written: the log's last tmpfs page may still hold a few records
 * after the filesystem is full. Every call is served (the failing one was already forwarded).
 */
async function callUntilUnwritable(proxy: ProxyRun): Promise<void> {
  const failures = () => count(proxy.stderr(), /cannot write the action log .* \(ENOSPC\)/);
  const seen = failures();
  for (let i = 0; i < 20 && failures() === seen; i++) expect((await call(proxy)).code).toBe(0);
  expect(failures()).toBe(seen + 1);
}
const call = (proxy: ProxyRun) => run(AWS_CLI, ['sts', 'get-caller-identity'], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
const count = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line)).length;

describe('a full disk under the action log', () => {
  it('record mode keeps serving, says so once, and notes the lost records when the log can be written again', async () => {
    const { proxy, log, inside } = await proxyOnTmpfs();
    try {
      fill(inside, log);
      await callUntilUnwritable(proxy);
      const before = upstream.requests.length;
      expect((await call(proxy)).code).toBe(0);
      expect(upstream.requests.length).toBe(before + 1);
      expect(count(proxy.stderr(), /cannot write the action log .* \(ENOSPC\)/)).toBe(1);
      inside(['rm', `${log}.filler`]);
      expect((await call(proxy)).code).toBe(0);
      expect(proxy.stderr()).toMatch(/the action log .* can be written again; 2 record\(s\) were lost \(noted at seq \d+\)/);
      const records = inside(['cat', log]).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.slice(-2).map((r) => r.kind ?? r.operation)).toEqual(['lost', 'GetCallerIdentity']);
      expect(records.find((r) => r.kind === 'lost')).toMatchObject({ count: 2, error: 'ENOSPC' });
      const verified = inside([process.execPath, PROXY_BIN, 'log', 'verify', log]);
      expect(verified).toMatch(/^intact: /);
      expect(inside(['env', `ACTION_LOG_PATH=${log}`, process.execPath, PROXY_BIN, 'log'])).toMatch(/ LOST {5}2 record\(s\) not written since .* \(ENOSPC\)\n/);
      fill(inside, log);
      await callUntilUnwritable(proxy);
    } finally {
      await proxy.stop();
    }
    expect(proxy.stderr()).toMatch(/3 action record\(s\) could not be written to /);
  });

  it('enforce mode refuses every call once the log is found unwritable, with an AWS error saying why', async () => {
    const { proxy, log, inside } = await proxyOnTmpfs({ PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'policy.json') });
    try {
      expect((await call(proxy)).code).toBe(0);
      fill(inside, log);
      // The call whose record fails first was already forwarded; none after it is.
      await callUntilUnwritable(proxy);
      const before = upstream.requests.length;
      const refused = await call(proxy);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/\(ServiceUnavailable\).*iam-agent-proxy cannot write its action log \(ENOSPC\); enforce mode forwards no call it cannot record/);
      expect(upstream.requests.length).toBe(before);
      expect(proxy.stderr()).toMatch(/cannot write the action log .* \(ENOSPC\): enforce mode refuses calls until it can/);
      await proxy.waitForStdout(/REFUSED  sts:GetCallerIdentity \(ActionLogUnwritable\)/);
      inside(['rm', `${log}.filler`]);
      expect((await call(proxy)).code).toBe(0);
      expect(upstream.requests.length).toBe(before + 1);
      const kinds = inside(['cat', log]).trim().split('\n').map((line) => (JSON.parse(line) as { kind?: string; operation?: string }).kind ?? 'action');
      expect(kinds.slice(-2)).toEqual(['lost', 'action']);
      expect(proxy.stderr()).toMatch(/can be written again; 2 record\(s\) were lost/);
      expect(inside([process.execPath, PROXY_BIN, 'log', 'verify', log])).toMatch(/^intact: /);
    } finally {
      await proxy.stop();
    }
  });
});
