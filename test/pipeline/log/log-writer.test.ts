import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../../../src/pipeline/log/action-log.js';
import { hashLine } from '../../../src/pipeline/log/chain.js';
import { logFileSet } from '../../../src/pipeline/log/log-files.js';
import { openActionLog, type ActionLogOptions } from '../../../src/pipeline/log/log-writer.js';
import { verifyChain } from '../../../src/pipeline/log/verify-chain.js';

const record = (agent: string): ActionRecord => ({
  v: ACTION_RECORD_VERSION,
  time: '2026-01-02T03:04:05.000Z',
  accessKeyId: 'AKIAPROXYAAAAAAAAAAA',
  agent,
  host: 's3.us-east-1.amazonaws.com',
  service: 's3',
  region: 'us-east-1',
  protocol: 'restXml',
  operation: 'ListBuckets',
  authorizations: [{ action: 's3:ListAllMyBuckets', known: true, resources: [] }],
  context: undefined,
  decision: 'allowed',
  upstreamStatus: 200,
  latencyMs: 1,
});

function options(path: string, extra: Partial<ActionLogOptions> = {}): ActionLogOptions & { notices: string[] } {
  const notices: string[] = [];
  return { path, maxBytes: undefined, instance: 'instance-1', version: '9.9.9', notice: (m) => notices.push(m), notices, ...extra };
}
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const verifySet = (path: string) => verifyChain(logFileSet(path).map((file) => ({ name: file, text: readFileSync(file, 'utf8') })));

describe('openActionLog', () => {
  it('starts with a header naming the instance, then chains each record; the head is the last line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-log-')), 'actions.log');
    const log = openActionLog(options(path));
    const written = log.write(record('claude'));
    log.close();
    const [header, action] = lines(path);
    expect(header).toMatchObject({ v: 3, seq: 0, prev: null, kind: 'header', reason: 'start', instance: 'instance-1', version: '9.9.9' });
    expect(action).toMatchObject({ v: 3, seq: 1, agent: 'claude', decision: 'allowed' });
    expect(written).toBe(readFileSync(path, 'utf8').split('\n')[1]);
    expect(log.head()).toEqual({ seq: 1, hash: hashLine(written!) });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a restart continues the chain from the last line; a line cut short is ended and left for verify', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-log-')), 'actions.log');
    const first = openActionLog(options(path));
    first.write(record('a'));
    first.close();
    const second = openActionLog(options(path, { instance: 'instance-2' }));
    second.write(record('b'));
    second.close();
    expect(lines(path).map((l) => [l.seq, l.kind ?? l.agent, l.instance])).toEqual([[0, 'header', 'instance-1'], [1, 'a', undefined], [2, 'header', 'instance-2'], [3, 'b', undefined]]);
    expect(verifySet(path)).toMatchObject({ ok: true, lines: 4 });
    writeFileSync(path, '{"v":3,"seq":4,"pr', { flag: 'a' });
    openActionLog(options(path)).close();
    expect(verifySet(path)).toMatchObject({ ok: false, line: 5, problem: expect.stringMatching(/^not a JSON record/) });
  });

  it('rotates at maxBytes to actions.log.1, .2, ... and links each new file to the last line of the one before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-log-'));
    const path = join(dir, 'actions.log');
    const log = openActionLog(options(path, { maxBytes: 1024 }));
    for (let i = 0; i < 12; i++) log.write(record(`agent-${i}`));
    log.close();
    const rotated = readdirSync(dir).filter((name) => name !== 'actions.log');
    expect(rotated.length).toBeGreaterThan(2);
    expect(rotated.sort((a, b) => a.length - b.length || a.localeCompare(b))).toEqual(rotated.map((_, i) => `actions.log.${i + 1}`));
    for (const name of rotated) expect(statSync(join(dir, name)).size).toBeGreaterThanOrEqual(1024);
    expect(lines(join(dir, 'actions.log.2'))[0]).toMatchObject({ kind: 'header', reason: 'rotate', previousFile: 'actions.log.1' });
    expect(verifySet(path)).toMatchObject({ ok: true, files: rotated.length + 1, lines: 12 + rotated.length + 1 });
    // Started on a file already past the size: rotated first, the start header opens the new file.
    const unlimited = openActionLog(options(path));
    for (let i = 0; i < 4; i++) unlimited.write(record('big'));
    unlimited.close();
    openActionLog(options(path, { maxBytes: 1024 })).close();
    expect(lines(path)).toMatchObject([{ kind: 'header', reason: 'start', previousFile: `actions.log.${rotated.length + 1}` }]);
    expect(verifySet(path)).toMatchObject({ ok: true });
  });

  it('a write that fails is counted, the log says why once, and unwritable() names the error', () => {
    const opts = options('/dev/full');
    const failing = openActionLog(opts);
    expect(failing.write(record('a'))).toBeUndefined();
    expect(failing.write(record('b'))).toBeUndefined();
    expect(failing.unwritable()).toBe('ENOSPC');
    failing.close();
    expect(opts.notices).toEqual([
      expect.stringMatching(/^cannot write the action log \/dev\/full \(ENOSPC\): enforce mode refuses calls until it can/),
      '2 action record(s) could not be written to /dev/full',
      expect.stringMatching(/^action log head -1:none/),
    ]);
  });

  it('a path that cannot be opened stops the start with the reason', () => {
    expect(() => openActionLog(options('/nonexistent-dir/actions.log'))).toThrow('cannot open the action log /nonexistent-dir/actions.log: ENOENT');
  });
});
