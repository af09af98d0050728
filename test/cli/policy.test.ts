import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { PolicyInputError, policyRequestFrom, readActionLog } from '../../src/cli/policy.js';
import { UsageError } from '../../src/cli/args.js';
import { logText, object, on, queue, record } from '../policy/generate/fixtures.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const LOG = logText([
  record([on('s3:GetObject', object('data/a.csv'))], { agent: 'claude', time: '2026-11-23T10:00:00.000Z' }),
  record([on('sqs:SendMessage', queue('jobs'))], { agent: 'ci', time: '2026-11-23T13:00:00.000Z' }),
  record([on('s3:ListAllMyBuckets')], { decision: 'blocked', error: 'AccessDenied' }),
  record([on('s3:PutObject', object('data/b.csv'))], { assumedRole: ROLE }),
  record([{ action: 's3:NewThing', known: false, resources: [] }]),
]);

let dir: string;
let logPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-cli-'));
  logPath = join(dir, 'actions.log');
  writeFileSync(logPath, LOG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `iam-agent-proxy policy …` in-process: exit code and what it printed. */
async function policy(args: string[], log = logPath): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['policy', ...args], { ACTION_LOG_PATH: log, HOME: dir });
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const actionsIn = (text: string): string[] => (JSON.parse(text) as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((s) => s.Action);

describe('iam-agent-proxy policy', () => {
  it('prints the policy of the allowed calls made with the proxy’s own credentials, and notes on stderr', async () => {
    const { code, stdout, stderr } = await policy([]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'S3ObjectInData', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/a.csv' },
        { Sid: 'SqsQueueJobs', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:jobs' },
      ],
    });
    expect(stderr).toBe('iam-agent-proxy: left out, not actions AWS defines (the proxy could not map these requests): s3:NewThing\n');
  });

  it('filters by agent and time, adds blocked calls when asked, and scopes to assumed roles', async () => {
    expect(actionsIn((await policy(['--agent', 'ci'])).stdout)).toEqual(['sqs:SendMessage']);
    expect(actionsIn((await policy(['--since', '2026-11-23T12:00:00Z'])).stdout)).toEqual(['sqs:SendMessage']);
    expect(actionsIn((await policy(['--include-blocked'])).stdout)).toEqual(['s3:GetObject', 'sqs:SendMessage', 's3:ListAllMyBuckets']);
    expect(actionsIn((await policy(['--assumed-role', ROLE])).stdout)).toEqual(['s3:PutObject']);
    const byRole = JSON.parse((await policy(['--by-assumed-role'])).stdout) as Record<string, unknown>;
    expect(Object.keys(byRole)).toEqual(['(proxy credentials)', ROLE]);
  });

  it('--by-assumed-role skips, with a note, a role whose calls need no IAM action', async () => {
    const path = join(dir, 'sessions.log');
    const bucketSession = 'arn:aws:s3:::data--usw2-az1--x-s3';
    writeFileSync(path, logText([record([on('s3:ListAllMyBuckets')]), record([], { assumedRole: bucketSession })]));
    const { code, stdout, stderr } = await policy(['--by-assumed-role'], path);
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['(proxy credentials)']);
    expect(stderr).toBe(`iam-agent-proxy: [${bucketSession}] no policy: ${path} records calls made with ${bucketSession} that need no IAM action\n`);
  });

  it('prints Terraform and CloudFormation', async () => {
    expect((await policy(['--format', 'terraform', '--agent', 'ci'])).stdout).toMatch(/^data "aws_iam_policy_document" "iam-agent-proxy-ci" \{\n {2}statement \{\n/);
    expect((await policy(['--format', 'cloudformation'])).stdout).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"\nResources:\n {2}IamAgentProxyPolicy:\n {4}Type: "AWS::IAM::ManagedPolicy"\n/);
  });

  it('prints what the activity needs beyond a policy (blocked calls included), or says there is nothing', async () => {
    const current = join(dir, 'current.json');
    writeFileSync(current, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }));
    const { code, stdout } = await policy(['--diff', current]);
    expect(code).toBe(0);
    expect(actionsIn(stdout)).toEqual(['sqs:SendMessage', 's3:ListAllMyBuckets']);
    const everything = join(dir, 'everything.json');
    writeFileSync(everything, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'sqs:SendMessage'], Resource: '*' }] }));
    expect(await policy(['--diff', everything])).toEqual({ code: 0, stdout: '', stderr: `iam-agent-proxy: ${everything} already allows all the activity recorded in ${logPath}: nothing to add\n` });
  });

  it('refuses a --diff policy that is not a valid one', async () => {
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: '*' }] }));
    expect(await policy(['--diff', invalid])).toEqual({ code: 1, stdout: '', stderr: `iam-agent-proxy: ${invalid} is not a valid IAM policy: Statement[0].Action: "s3:GetObjekt": s3 has no action "GetObjekt"\n` });
    expect((await policy(['--diff', join(dir, 'none.json')])).stderr).toBe(`iam-agent-proxy: cannot read the policy ${join(dir, 'none.json')}: ENOENT\n`);
  });

  it('writes --output atomically, 0644, and never over an existing file without --force', async () => {
    const out = join(dir, 'out', 'allowlist.json');
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    mkdirSync(join(dir, 'out'));
    const first = await policy(['--output', out]);
    expect(first).toEqual({ code: 0, stdout: expect.any(String), stderr: expect.stringContaining(`iam-agent-proxy: wrote ${out}\n`) });
    expect(first.stdout).toBe('');
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(actionsIn(readFileSync(out, 'utf8'))).toEqual(['s3:GetObject', 'sqs:SendMessage']);
    const again = await policy(['--output', out, '--agent', 'ci']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`iam-agent-proxy: ${out} exists: pass --force to replace it\n`);
    expect(actionsIn(readFileSync(out, 'utf8'))).toEqual(['s3:GetObject', 'sqs:SendMessage']);
    expect((await policy(['--output', out, '--agent', 'ci', '--force'])).code).toBe(0);
    expect(actionsIn(readFileSync(out, 'utf8'))).toEqual(['sqs:SendMessage']);
    expect(readdirSync(join(dir, 'out'))).toEqual(['allowlist.json']);
    expect((await policy(['--output', join(dir, 'no-such-dir', 'p.json')])).stderr).toContain(`cannot write ${join(dir, 'no-such-dir', 'p.json')}: ENOENT`);
  });

  it.each([
    [['--resources', 'all'], '--resources takes exact, collapse, wildcard, not "all"'],
    [['--format', 'yaml'], '--format takes json, terraform, cloudformation, not "yaml"'],
    [['--since', 'yesterday'], '--since takes a duration (30m, 2h, 7d) or an ISO time (2026-11-23T14:00:00Z), not "yesterday"'],
    [['--force'], '--force only goes with --output <FILE>'],
    [['--assumed-role', ROLE, '--by-assumed-role'], 'policy takes --assumed-role <ARN> or --by-assumed-role, not both'],
    [['--compact=yes'], '--compact takes no value'],
    [['--agent'], '--agent needs a value'],
    [['--bogus'], 'unexpected argument "--bogus"'],
  ])('%j is misuse: one line, exit 2', async (args, message) => {
    expect(await policy(args)).toEqual({ code: 2, stdout: '', stderr: `iam-agent-proxy: ${message}\n` });
  });

  it.each([
    [[], '', 'records no allowed AWS actions yet: run the agent through the proxy in record mode first'],
    [['--agent', 'nobody'], LOG, 'records no allowed AWS actions of agent nobody'],
    [['--since', '2030-01-01'], LOG, 'records no allowed AWS actions since 2030-01-01T00:00:00.000Z'],
    [['--assumed-role', 'arn:aws:iam::1:role/none'], LOG, "records no allowed AWS actions for arn:aws:iam::1:role/none; it has calls made as: the proxy's own credentials, " + ROLE],
    [[], logText([record([{ action: 's3:NewThing', known: false, resources: [] }])]), 'records only actions AWS does not define (s3:NewThing): no policy can allow them'],
    [[], logText([record([])]), "records calls made with the proxy's own credentials that need no IAM action"],
  ])('%j with nothing to allow: a clear message, exit 1', async (args, text, message) => {
    const path = join(dir, `empty-${Math.random()}.log`);
    writeFileSync(path, text);
    expect(await policy(args, path)).toEqual({ code: 1, stdout: '', stderr: expect.stringContaining(`iam-agent-proxy: ${path} ${message}`) });
  });
});

describe('policyRequestFrom', () => {
  it('has defaults: own credentials, exact resources, JSON, stdout', () => {
    expect(policyRequestFrom([], new Date())).toEqual({
      scope: { kind: 'own' },
      filter: { agent: undefined, since: undefined, includeBlocked: false },
      resources: 'exact',
      format: 'json',
      compact: false,
      output: undefined,
      force: false,
      diff: undefined,
    });
    expect(() => policyRequestFrom(['--since', '5x'], new Date())).toThrow(UsageError);
    expect(policyRequestFrom(['--since', '2h'], new Date('2026-11-23T14:00:00Z')).filter.since).toEqual(new Date('2026-11-23T12:00:00Z'));
  });
});

describe('readActionLog', () => {
  it('returns the file text', () => {
    expect(readActionLog(logPath)).toBe(LOG);
  });

  it('says how to make a log when there is none', () => {
    const path = join(dir, 'missing.log');
    expect(() => readActionLog(path)).toThrow(PolicyInputError);
    expect(() => readActionLog(path)).toThrow(`no action log at ${path}: start the proxy and run the agent through it first (or set ACTION_LOG_PATH)`);
  });

  it('reports other errors with their code', () => {
    expect(() => readActionLog(dir)).toThrow(`cannot read the action log ${dir}: EISDIR`);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file as EACCES', () => {
    const path = join(dir, 'secret.log');
    writeFileSync(path, 'x');
    chmodSync(path, 0o000);
    expect(() => readActionLog(path)).toThrow(`cannot read the action log ${path}: EACCES`);
  });
});
