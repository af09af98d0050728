/**
 * The action log as an audit trail: real calls through the built proxy, then the file tampered
 * with (a field edited, a line deleted, two swapped, the tail cut) and `log verify` must name the
 * first broken or missing record; rotation keeps the chain across files and restarts; `log
 * --follow` sees what is appended after it starts, across rotation.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, cleanEnv, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-audit-'));
  upstream = await startFakeAws({ credentials: REAL, dir });
});
afterAll(async () => upstream?.close());

const call = (proxy: ProxyRun, ...args: string[]) => run(AWS_CLI, args, { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
const calls = async (proxy: ProxyRun, count: number) => {
  for (let i = 0; i < count; i++) expect((await call(proxy, 'sts', 'get-caller-identity')).code).toBe(0);
};
/** `log verify` (or `log ...`) as a user runs it, with the proxy's configuration. */
const logCommand = (home: string, ...args: string[]) => run(process.execPath, [PROXY_BIN, 'log', ...args], cleanEnv(home));
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const write = (path: string, list: string[]) => writeFileSync(path, list.map((line) => `${line}\n`).join(''));

describe('a chained log of real calls', () => {
  let proxy: ProxyRun;
  let log: string;
  let head: string;

  beforeAll(async () => {
    proxy = await startProxy({ upstream });
    await calls(proxy, 3);
    expect((await call(proxy, 's3api', 'list-buckets')).code).toBe(0);
    await proxy.stop();
    log = join(proxy.stateDir, 'actions.log');
    head = /action log head (\d+:[0-9a-f]{64})/.exec(proxy.stderr())![1]!;
  });

  it('starts with a header naming the instance, chains every record, and holds no secret', async () => {
    const records = lines(log).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ v: 3, seq: 0, prev: null, kind: 'header', reason: 'start', instance: expect.stringMatching(/^[0-9a-f-]{36}$/), version: '0.1.0' });
    expect(records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(records.slice(1).every((r) => typeof r.prev === 'string' && r.v === 3)).toBe(true);
    expect(head).toMatch(/^4:/);
    const text = readFileSync(log, 'utf8');
    for (const secret of [REAL.secretAccessKey, REAL.accessKeyId]) expect(text).not.toContain(secret);
    const verified = await logCommand(proxy.home, 'verify');
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^intact: 5 line\(s\) \(seq 0-4\) in actions\.log; head 4:/) });
    expect(verified.stdout.split('\n')).toHaveLength(2);
    expect((await logCommand(proxy.home, 'verify', '--anchor', head)).code).toBe(0);
  });

  it('names the first broken or missing record after each kind of tampering', async () => {
    const original = lines(log);
    const tampered = join(mkdtempSync(join(dir, 'tampered-')), 'actions.log');
    const verdict = async (list: string[], ...args: string[]) => {
      write(tampered, list);
      const result = await logCommand(proxy.home, 'verify', tampered, ...args);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      return result.stdout.trim();
    };
    const edited = [...original];
    edited[2] = edited[2]!.replace('"decision":"allowed"', '"decision":"blocked"');
    expect(await verdict(edited)).toBe('broken: actions.log line 3 (seq 2): altered (its hash is not the one line 4 records)');
    expect(await verdict([...original.slice(0, 3), ...original.slice(4)])).toBe('broken: actions.log line 4 (seq 4): record seq 3 missing before this line (deleted or moved)');
    expect(await verdict([original[0]!, original[2]!, original[1]!, ...original.slice(3)])).toBe('broken: actions.log line 2 (seq 2): record seq 1 missing before this line (deleted or moved)');
    // A cut tail leaves a chain that checks by itself: only the head noted at shutdown shows it.
    write(tampered, original.slice(0, -1));
    expect((await logCommand(proxy.home, 'verify', tampered)).code).toBe(0);
    expect(await verdict(original.slice(0, -1), '--anchor', head)).toBe('broken: actions.log line 4 (seq 4): record seq 4 (the anchor) missing: the log ends at seq 3, so its tail was cut');
    const lastEdited = [...original.slice(0, -1), original.at(-1)!.replace('ListBuckets', 'ListObjects')];
    expect(await verdict(lastEdited, '--anchor', head)).toBe('broken: actions.log line 5 (seq 4): differs from the anchor: it was rewritten (and the chain recomputed after it)');
  });

  it('a restart continues the chain; misuse is one line and exit 2, an unreadable file exit 1', async () => {
    const again = await startProxy({ upstream, home: proxy.home });
    await calls(again, 1);
    await again.stop();
    const records = lines(log).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.slice(5).map((r) => [r.seq, r.kind ?? r.operation])).toEqual([[5, 'header'], [6, 'GetCallerIdentity']]);
    expect(records[5]!.instance).not.toBe(records[0]!.instance);
    expect(await logCommand(proxy.home, 'verify', '--anchor', head)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^intact: 7 line\(s\) \(seq 0-6\)/) });
    expect(await logCommand(proxy.home, 'verify', '--strict')).toMatchObject({ code: 2, stderr: 'iam-agent-proxy: unexpected argument "--strict"\n' });
    expect(await logCommand(proxy.home, 'verify', dir)).toMatchObject({ code: 1, stderr: `iam-agent-proxy: cannot read ${dir}: EISDIR\n` });
  });

  it('log shows one line per record, filtered, or the records as JSON lines', async () => {
    const shown = await logCommand(proxy.home, '--decision', 'allowed', '--service', 's3');
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ALLOWED  s3:ListAllMyBuckets by default\n$/);
    const all = (await logCommand(proxy.home)).stdout.trim().split('\n');
    expect(all.filter((line) => / START {4}started iam-agent-proxy/.test(line))).toHaveLength(2);
    expect(all.filter((line) => /ALLOWED  sts:GetCallerIdentity by default$/.test(line))).toHaveLength(4);
    const json = (await logCommand(proxy.home, '--agent', 'default', '--format', 'json')).stdout.trim().split('\n');
    expect(json.map((line) => (JSON.parse(line) as { operation: string }).operation)).toEqual(['GetCallerIdentity', 'GetCallerIdentity', 'GetCallerIdentity', 'ListBuckets', 'GetCallerIdentity']);
    expect((await logCommand(proxy.home, '--agent', 'nobody')).stdout).toBe('');
  });
});

describe('rotation', () => {
  it('rotates at ACTION_LOG_MAX_BYTES; verify checks the files as one chain, and names a cut between them', async () => {
    const proxy = await startProxy({ upstream, env: { ACTION_LOG_MAX_BYTES: '2048' } });
    await calls(proxy, 8);
    await proxy.stop();
    const second = await startProxy({ upstream, home: proxy.home, env: { ACTION_LOG_MAX_BYTES: '2048' } });
    await calls(second, 2).finally(() => second.stop());
    const rotated = readdirSync(proxy.stateDir).filter((name) => /^actions\.log\.\d+$/.test(name));
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    const verified = await logCommand(proxy.home, 'verify');
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^intact: \\d+ line\\(s\\) \\(seq 0-\\d+\\) in actions\\.log\\.1, .*actions\\.log;`)) });
    expect(JSON.parse(lines(join(proxy.stateDir, 'actions.log.2'))[0]!)).toMatchObject({ kind: 'header', reason: 'rotate', previousFile: 'actions.log.1' });
    // The policy reads the rotated files too.
    const policy = await run(process.execPath, [PROXY_BIN, 'policy'], cleanEnv(proxy.home));
    expect(policy.code, policy.stderr).toBe(0);
    const first = join(proxy.stateDir, 'actions.log.1');
    const kept = lines(first);
    write(first, kept.slice(0, -1));
    const seq = (JSON.parse(kept.at(-1)!) as { seq: number }).seq;
    expect(await logCommand(proxy.home, 'verify')).toMatchObject({ code: 1, stdout: `broken: actions.log.2 line 1 (seq ${seq + 1}): record seq ${seq} missing before this line (deleted or moved)\n` });
  });
});

describe('log --follow', () => {
  it('prints records appended after it starts, across rotation', async () => {
    const proxy = await startProxy({ upstream, env: { ACTION_LOG_MAX_BYTES: '2048' } });
    await calls(proxy, 1); // before the follower starts: not shown
    const follower = spawn(process.execPath, [PROXY_BIN, 'log', '--follow', '--agent', 'default'], { env: cleanEnv(proxy.home), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    try {
      await new Promise((wake) => setTimeout(wake, 1000));
      await calls(proxy, 9);
      await expect.poll(() => out.split('\n').filter((line) => /ALLOWED  sts:GetCallerIdentity by default$/.test(line)).length, { timeout: 5000 }).toBe(9);
      expect(readdirSync(proxy.stateDir).filter((name) => /^actions\.log\.\d+$/.test(name)).length).toBeGreaterThanOrEqual(2);
    } finally {
      follower.kill();
      await proxy.stop();
    }
  });
});

describe('--log-format json', () => {
  it('prints each record to stdout as its line in the action log', async () => {
    const proxy = await startProxy({ upstream, args: ['--log-format', 'json'] });
    try {
      await calls(proxy, 1);
      const printed = await proxy.waitForStdout(/^\{"v":3,"seq":1,/);
      expect(lines(join(proxy.stateDir, 'actions.log'))[1]).toBe(printed);
      expect(JSON.parse(printed)).toMatchObject({ operation: 'GetCallerIdentity', decision: 'allowed' });
    } finally {
      await proxy.stop();
    }
  });
});
