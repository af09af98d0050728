import { describe, expect, it } from 'vitest';
import { entryOf, localTime, matches, viewLine } from '../../../src/pipeline/log/record-view.js';

const TIME = '2026-01-02T03:04:05.000Z';
const shown = localTime(TIME); // local time, as the console shows it
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ v: 3, seq: 5, prev: null, time: TIME, accessKeyId: 'AKIAPROXYAAAAAAAAAAA', agent: 'claude', host: 'h', service: 's3', operation: 'GetObject', authorizations: [], decision: 'allowed', ...fields });
const object = (key: string) => ({ arn: `arn:aws:s3:::b/${key}`, type: 'object', resolved: true });

describe('entryOf', () => {
  it('reads action records of versions 2 and 3, headers and lost-record notes, and nothing else', () => {
    expect(entryOf(line({}))?.kind).toBe('action');
    expect(entryOf(line({ v: 2 }))?.kind).toBe('action');
    expect(entryOf(line({ kind: 'header' }))?.kind).toBe('header');
    expect(entryOf(line({ kind: 'lost' }))?.kind).toBe('lost');
    for (const other of [line({ v: 1 }), line({ kind: 'other' }), '{"v":3', '', 'null', '[]']) expect(entryOf(other)).toBeUndefined();
  });
});

describe('viewLine', () => {
  it('one line per record: time, verdict, actions, agent, role, resources (two, then a count), error', () => {
    const authorizations = [{ action: 's3:GetObject', known: true, resources: [object('a'), object('b'), object('c')] }, { action: 's3:PutObject', known: true, resources: [object('a')] }];
    expect(viewLine(entryOf(line({ authorizations, decision: 'blocked', error: 'AccessDenied', assumedRole: 'arn:aws:iam::1:role/r' }))!)).toBe(
      `${shown} BLOCKED  s3:GetObject,s3:PutObject by claude as arn:aws:iam::1:role/r on arn:aws:s3:::b/a arn:aws:s3:::b/b (+1 more) (AccessDenied)`,
    );
    expect(viewLine(entryOf(line({ decision: 'would-block', authorizations: [{ action: 's3:NewThing', known: false, resources: [{ arn: 'arn:aws:s3:::${Bucket}', type: 'bucket', resolved: false }] }] }))!)).toBe(
      `${shown} WOULD-BLOCK  UNRESOLVED s3:NewThing by claude`,
    );
    expect(viewLine(entryOf(line({ decision: 'refused', agent: undefined, operation: undefined, error: 'SignatureDoesNotMatch' }))!)).toBe(`${shown} REFUSED  s3:? (SignatureDoesNotMatch)`);
    expect(viewLine(entryOf(line({ service: 'egress', operation: 'CONNECT', host: 'example.com:443', agent: undefined, client: '10.0.0.9:5', decision: 'refused', error: 'denied' }))!)).toBe(
      `${shown} REFUSED  egress:CONNECT example.com:443 from 10.0.0.9:5 (denied)`,
    );
  });

  it('shows starts, rotations and lost records', () => {
    expect(viewLine(entryOf(line({ kind: 'header', reason: 'start', instance: 'i-1', version: '0.1.0' }))!)).toBe(`${shown} START    started iam-agent-proxy 0.1.0 (instance i-1)`);
    expect(viewLine(entryOf(line({ kind: 'header', reason: 'rotate', instance: 'i-1', previousFile: 'actions.log.3' }))!)).toBe(`${shown} START    continued from actions.log.3 (instance i-1)`);
    expect(viewLine(entryOf(line({ kind: 'lost', count: 3, since: TIME, error: 'ENOSPC' }))!)).toBe(`${shown} LOST     3 record(s) not written since ${shown} (ENOSPC)`);
  });
});

describe('matches', () => {
  const entry = entryOf(line({ agent: 'claude', decision: 'blocked', service: 'dynamodb' }))!;
  it('keeps a record only if every filter given matches', () => {
    expect(matches(entry, {})).toBe(true);
    expect(matches(entry, { agent: 'claude', decision: 'blocked', service: 'dynamodb', since: new Date(TIME) })).toBe(true);
    expect(matches(entry, { agent: 'ci' })).toBe(false);
    expect(matches(entry, { decision: 'allowed' })).toBe(false);
    expect(matches(entry, { service: 's3' })).toBe(false);
    expect(matches(entry, { since: new Date(Date.parse(TIME) + 1) })).toBe(false);
  });

  it('shows headers and lost records only when no agent, decision or service is asked for', () => {
    const header = entryOf(line({ kind: 'header' }))!;
    expect(matches(header, { since: new Date(TIME) })).toBe(true);
    expect(matches(header, { agent: 'claude' })).toBe(false);
  });
});
