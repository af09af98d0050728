import { describe, expect, it } from 'vitest';
import { OWN_CREDENTIALS, parseActionLog, recordsByRole, recordsInScope } from '../../../src/policy/generate/log-records.js';
import { parseSince } from '../../../src/policy/generate/since.js';
import { logText, on, record } from './fixtures.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const records = [
  record([on('s3:ListAllMyBuckets')], { agent: 'claude', time: '2026-11-23T10:00:00.000Z' }),
  record([on('sqs:ListQueues')], { agent: 'ci', time: '2026-11-23T13:30:00.000Z' }),
  record([on('ec2:DescribeInstances')], { decision: 'blocked', error: 'AccessDenied' }),
  record([on('sts:GetCallerIdentity')], { decision: 'refused', error: 'SignatureDoesNotMatch' }),
  record([on('iam:ListRoles')], { decision: 'would-block' }),
  record([on('s3:ListAllMyBuckets')], { assumedRole: ROLE }),
];
const actions = (list: ReturnType<typeof parseActionLog>) => list.flatMap((r) => r.authorizations.map((a) => a.action));

describe('parseActionLog', () => {
  it('keeps version 3 and 2 records, skipping chain headers, lost-record notes, lines cut short, other versions, blank lines and CRLF ends', () => {
    const header = '{"v":3,"seq":0,"prev":null,"kind":"header","reason":"start","time":"2026-11-23T12:00:00.000Z","instance":"i","version":"0.1.0","decision":"allowed","authorizations":[]}';
    const lost = '{"v":3,"seq":1,"prev":"00","kind":"lost","time":"2026-11-23T12:00:00.000Z","decision":"allowed","authorizations":[]}';
    const version2 = JSON.stringify({ ...records[1], v: 2 });
    expect(actions(parseActionLog(`${header}\n${lost}\n${version2}\n${JSON.stringify(records[0])}\n`))).toEqual(['sqs:ListQueues', 's3:ListAllMyBuckets']);
  });

  it('skips lines cut short, other versions, blank lines and CRLF ends', () => {
    const text = `\r\n${logText(records.slice(0, 2)).replace(/\n/g, '\r\n')}{"v":1,"decision":"allowed","authorizations":[]}\n${JSON.stringify(records[0]).slice(0, 50)}\nnot json\n`;
    expect(actions(parseActionLog(text))).toEqual(['s3:ListAllMyBuckets', 'sqs:ListQueues']);
  });
});

describe('recordsByRole', () => {
  const own = (filter: Parameters<typeof recordsByRole>[1]) => actions(recordsByRole(records, filter).get(OWN_CREDENTIALS) ?? []);

  it('takes allowed and would-block calls (shadow mode forwarded them), never refused ones', () => {
    expect(own({})).toEqual(['s3:ListAllMyBuckets', 'sqs:ListQueues', 'iam:ListRoles']);
    expect(own({ includeBlocked: true })).toEqual(['s3:ListAllMyBuckets', 'sqs:ListQueues', 'ec2:DescribeInstances', 'iam:ListRoles']);
  });

  it('filters by agent and by time', () => {
    expect(own({ agent: 'ci' })).toEqual(['sqs:ListQueues']);
    expect(own({ since: new Date('2026-11-23T13:00:00Z') })).toEqual(['sqs:ListQueues', 'iam:ListRoles']);
    expect(own({ since: new Date('2026-11-24T00:00:00Z') })).toEqual([]);
  });

  it('files calls made with an assumed role under the role, and scopes pick them', () => {
    const byRole = recordsByRole(records, {});
    expect([...byRole.keys()]).toEqual([OWN_CREDENTIALS, ROLE]);
    expect(actions(recordsInScope(byRole, { kind: 'assumed-role', role: ROLE }).get(ROLE)!)).toEqual(['s3:ListAllMyBuckets']);
    expect([...recordsInScope(byRole, { kind: 'by-assumed-role' }).keys()]).toEqual([OWN_CREDENTIALS, ROLE]);
    expect(recordsInScope(byRole, { kind: 'assumed-role', role: 'arn:aws:iam::1:role/none' }).get('arn:aws:iam::1:role/none')).toEqual([]);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-11-23T14:00:00.000Z');
  it.each([
    ['90s', '2026-11-23T13:58:30.000Z'],
    ['30m', '2026-11-23T13:30:00.000Z'],
    ['2h', '2026-11-23T12:00:00.000Z'],
    ['7d', '2026-11-16T14:00:00.000Z'],
    ['1w', '2026-11-16T14:00:00.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T08:15:00Z', '2026-11-20T08:15:00.000Z'],
    ['2026-11-20T08:15:00+02:00', '2026-11-20T06:15:00.000Z'],
  ])('%s', (value, expected) => expect(parseSince(value, now)?.toISOString()).toBe(expected));

  it.each(['', '2', 'h', '-2h', '2 h', '2y', 'yesterday', '2026-13-40', '1e3m', 'Tue, 23 Nov 2026'])('rejects %j', (value) => {
    expect(parseSince(value, now)).toBeUndefined();
  });
});
