import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { logCommand, viewRequestFrom } from '../../src/cli/log.js';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../../src/pipeline/log/action-log.js';
import { openActionLog } from '../../src/pipeline/log/log-writer.js';

const NOW = new Date('2026-11-23T15:00:00Z');
const record = (agent: string, decision: ActionRecord['decision'], service = 's3'): ActionRecord => ({
  v: ACTION_RECORD_VERSION,
  time: '2026-11-23T14:00:00.000Z',
  accessKeyId: 'AKIAPROXYAAAAAAAAAAA',
  agent,
  host: 'h',
  service,
  region: 'us-east-1',
  protocol: 'restXml',
  operation: 'Op',
  authorizations: [{ action: `${service}:Op`, known: true, resources: [] }],
  context: undefined,
  decision,
  upstreamStatus: 200,
  latencyMs: 1,
});

/** A log with a header and three records, and the command run against it. */
function fixture() {
  const path = join(mkdtempSync(join(tmpdir(), 'iap-logcmd-')), 'actions.log');
  const log = openActionLog({ path, maxBytes: undefined, instance: 'i-1', version: '0.1.0', notice: () => undefined, now: () => new Date('2026-11-23T14:00:00Z') });
  log.write(record('claude', 'allowed'));
  log.write(record('ci', 'blocked', 'dynamodb'));
  log.write(record('claude', 'refused'));
  log.close();
  const run = async (...args: string[]) => {
    let out = '';
    const status = await logCommand(args, { ACTION_LOG_PATH: path }, { stdout: (text) => void (out += text) }, NOW);
    return { status, out };
  };
  return { path, run };
}

describe('viewRequestFrom', () => {
  it('reads filters, --follow and --format; misuse is a UsageError naming what is expected', () => {
    expect(viewRequestFrom(['--agent', 'claude', '--decision', 'would-block', '--service', 's3', '--since', '30m', '--follow', '--format', 'json'], NOW)).toEqual({
      filter: { agent: 'claude', decision: 'would-block', service: 's3', since: new Date('2026-11-23T14:30:00Z') },
      format: 'json',
      follow: true,
    });
    expect(() => viewRequestFrom(['--decision', 'denied'], NOW)).toThrow(new UsageError('--decision takes allowed, blocked, would-block, refused, not "denied"'));
    expect(() => viewRequestFrom(['--since', 'yesterday'], NOW)).toThrow(/--since takes a duration/);
    expect(() => viewRequestFrom(['--format', 'yaml'], NOW)).toThrow(/--format takes text or json/);
    expect(() => viewRequestFrom(['--bogus'], NOW)).toThrow(new UsageError('unexpected argument "--bogus"'));
  });
});

describe('log', () => {
  it('prints one line per record, filtered; --format json prints the matching lines as they are', async () => {
    const { path, run } = fixture();
    const all = await run();
    expect(all.status).toBe(0);
    expect(all.out.split('\n').filter(Boolean).map((l) => l.replace(/^\S+ \S+ /, ''))).toEqual([
      'START    started iam-agent-proxy 0.1.0 (instance i-1)',
      'ALLOWED  s3:Op by claude',
      'BLOCKED  dynamodb:Op by ci',
      'REFUSED  s3:Op by claude',
    ]);
    expect((await run('--agent', 'claude', '--decision', 'refused')).out).toMatch(/^\S+ \S+ REFUSED  s3:Op by claude\n$/);
    expect((await run('--service', 'dynamodb', '--format', 'json')).out).toBe(`${readFileSync(path, 'utf8').split('\n')[2]}\n`);
    expect((await run('--since', '30m')).out).toBe('');
  });

  it('verify: exit 0 and the head when intact; 1 naming the first broken record; --anchor catches a cut tail', async () => {
    const { path, run } = fixture();
    const intact = await run('verify');
    expect(intact).toMatchObject({ status: 0, out: expect.stringMatching(/^intact: 4 line\(s\) \(seq 0-3\) in actions\.log; head 3:[0-9a-f]{64};/) });
    const head = /head (\S+);/.exec(intact.out)![1]!;
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [lines[0], lines[1]!.replace('claude', 'mallory'), ...lines.slice(2)].join('\n'));
    expect(await run('verify', path)).toEqual({ status: 1, out: 'broken: actions.log line 2 (seq 1): altered (its hash is not the one line 3 records)\n' });
    writeFileSync(path, lines.slice(0, 3).join('\n') + '\n');
    expect((await run('verify')).status).toBe(0);
    expect(await run('verify', '--anchor', head)).toEqual({ status: 1, out: 'broken: actions.log line 3 (seq 3): record seq 3 (the anchor) missing: the log ends at seq 2, so its tail was cut\n' });
  });

  it('verify misuse: an unknown flag, a bad anchor, two files are UsageErrors; an unreadable file an error', async () => {
    const { run } = fixture();
    await expect(run('verify', '-x')).rejects.toThrow(new UsageError('unexpected argument "-x"'));
    await expect(run('verify', '--anchor', 'nope')).rejects.toThrow(UsageError);
    await expect(run('verify', 'a', 'b')).rejects.toThrow(new UsageError('log verify takes one FILE, not 2'));
    await expect(run('verify', tmpdir())).rejects.toThrow(`cannot read ${tmpdir()}: EISDIR`);
    await expect(run('verify', join(tmpdir(), 'no-such-log'))).rejects.toThrow(/no action log at/);
  });
});
