import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyFromLog, PolicyInputError, readActionLog } from '../../src/cli/policy.js';
import { ACTION_RECORD_VERSION, type ActionRecord, type Verdict } from '../../src/pipeline/log/action-log.js';

/** A log line as the proxy writes it (typed, so a change of the record breaks this test). */
const line = (decision: Verdict, actions: string[], known = true, assumedRole?: string): string => {
  const record: ActionRecord = {
    assumedRole,
    v: ACTION_RECORD_VERSION,
    time: '2024-05-01T10:00:00.000Z',
    accessKeyId: 'AKIAPROXYAAAAAAAAAAA',
    agent: 'a',
    host: 's3.us-east-1.amazonaws.com',
    service: 's3',
    region: 'us-east-1',
    protocol: 'restXml',
    operation: 'Op',
    authorizations: actions.map((action) => ({ action, known, resources: [] })),
    context: { 'aws:RequestedRegion': 'us-east-1' },
    decision,
    upstreamStatus: 200,
    latencyMs: 1,
  };
  return JSON.stringify(record);
};

describe('policyFromLog', () => {
  it('collects the allowed actions, sorted and without duplicates', () => {
    const log = [
      line('allowed', ['sts:GetCallerIdentity']),
      line('allowed', ['s3:PutObject', 's3:GetObject']),
      line('allowed', ['s3:GetObject']),
      line('allowed', ['dynamodb:ListTables']),
      '',
    ].join('\n');
    expect(policyFromLog(log, 'actions.log')).toStrictEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ProxyRecordedActions',
          Effect: 'Allow',
          Action: ['dynamodb:ListTables', 's3:GetObject', 's3:PutObject', 'sts:GetCallerIdentity'],
          Resource: '*',
        },
      ],
    });
  });

  it('leaves out actions AWS does not define (UNRESOLVED): no policy can allow them', () => {
    const log = [line('allowed', ['s3:GetObject']), line('allowed', ['s3:NewThing'], false)].join('\n');
    expect((policyFromLog(log, 'x') as { Statement: Array<{ Action: string[] }> }).Statement[0]!.Action).toStrictEqual(['s3:GetObject']);
  });

  it('leaves out blocked and refused calls', () => {
    const log = [line('blocked', ['iam:CreateUser']), line('allowed', ['s3:ListAllMyBuckets']), line('refused', ['sts:AssumeRole'])].join('\n');
    expect((policyFromLog(log, 'x') as { Statement: Array<{ Action: string[] }> }).Statement[0]!.Action).toStrictEqual(['s3:ListAllMyBuckets']);
  });

  it('skips a line cut short by a crash and keeps the rest', () => {
    const truncated = line('allowed', ['iam:DeleteUser']).slice(0, 60);
    const log = `${line('allowed', ['s3:GetObject'])}\n${truncated}\n${line('allowed', ['sqs:SendMessage'])}\n`;
    expect((policyFromLog(log, 'x') as { Statement: Array<{ Action: string[] }> }).Statement[0]!.Action).toStrictEqual(['s3:GetObject', 'sqs:SendMessage']);
  });

  it('tolerates CRLF line ends and blank lines', () => {
    const log = `\r\n${line('allowed', ['s3:GetObject'])}\r\n\r\n`;
    expect((policyFromLog(log, 'x') as { Statement: Array<{ Action: string[] }> }).Statement[0]!.Action).toStrictEqual(['s3:GetObject']);
  });

  it.each([
    ['an empty log', ''],
    ['only blank lines', '\n\n'],
    ['only blocked calls', line('blocked', ['s3:GetObject'])],
    ['allowed calls with no actions', line('allowed', [])],
    ['only garbage', 'not json\n{"decision":'],
  ])('throws PolicyInputError for %s', (_, log) => {
    expect(() => policyFromLog(log, '/var/log/actions.log')).toThrow(PolicyInputError);
    expect(() => policyFromLog(log, '/var/log/actions.log')).toThrow('/var/log/actions.log records no allowed AWS actions yet');
  });
});

describe('policyFromLog by assumed role', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/deploy';
  const log = [line('allowed', ['sts:AssumeRole']), line('allowed', ['s3:PutObject'], true, ROLE), line('allowed', ['s3:GetObject'], true, 'arn:aws:iam::210987654321:role/other')].join('\n');
  const actionsOf = (policy: object) => (policy as { Statement: Array<{ Action: string[] }> }).Statement[0]!.Action;

  it("keeps calls made with an assumed role out of the proxy credentials' policy", () => {
    expect(actionsOf(policyFromLog(log, 'actions.log'))).toEqual(['sts:AssumeRole']);
  });

  it('gives one role its own policy, or every role one', () => {
    expect(actionsOf(policyFromLog(log, 'actions.log', { kind: 'assumed-role', role: ROLE }))).toEqual(['s3:PutObject']);
    const all = policyFromLog(log, 'actions.log', { kind: 'by-assumed-role' }) as Record<string, object>;
    expect(Object.keys(all)).toEqual(['(proxy credentials)', 'arn:aws:iam::123456789012:role/deploy', 'arn:aws:iam::210987654321:role/other']);
    expect(actionsOf(all[ROLE]!)).toEqual(['s3:PutObject']);
  });

  it('says which roles it has when asked for one it has not', () => {
    expect(() => policyFromLog(log, 'actions.log', { kind: 'assumed-role', role: 'arn:aws:iam::1:role/none' })).toThrow(/no allowed AWS actions for arn:aws:iam::1:role\/none; it has calls made as: .*role\/deploy/);
    expect(() => policyFromLog(line('allowed', ['s3:GetObject'], true, ROLE), 'actions.log')).toThrow(/for the proxy's own credentials/);
  });
});

describe('readActionLog', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the file text', () => {
    const path = join(dir, 'actions.log');
    writeFileSync(path, 'hello\n');
    expect(readActionLog(path)).toBe('hello\n');
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
