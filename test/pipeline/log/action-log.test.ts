import { describe, expect, it } from 'vitest';
import { ACTION_RECORD_VERSION, consoleLines, type ActionRecord } from '../../../src/pipeline/log/action-log.js';

const authorization = (action: string, known = true) => ({ action, known, resources: [] });
const base: ActionRecord = {
  v: ACTION_RECORD_VERSION,
  time: '2026-01-02T03:04:05.000Z',
  accessKeyId: 'AKIAPROXYAAAAAAAAAAA',
  agent: 'default',
  host: 'b.s3.us-east-1.amazonaws.com',
  service: 's3',
  region: 'us-east-1',
  protocol: 'restXml',
  operation: 'CopyObject',
  authorizations: [authorization('s3:GetObject'), authorization('s3:PutObject')],
  context: undefined,
  decision: 'allowed',
  upstreamStatus: 200,
  latencyMs: 1.5,
};
const at = new Date(2026, 0, 2, 9, 5, 7); // local time, as the console shows it

describe('consoleLines', () => {
  it('prints one line per action in the original format', () => {
    expect(consoleLines(base, at)).toEqual(['[09:05:07] ALLOWED  s3:GetObject', '[09:05:07] ALLOWED  s3:PutObject']);
  });

  it('names blocked and refused calls with their error code', () => {
    expect(consoleLines({ ...base, authorizations: [authorization('s3:PutObject')], decision: 'blocked', error: 'AccessDenied' }, at)).toEqual([
      '[09:05:07] BLOCKED  s3:PutObject (AccessDenied)',
    ]);
    expect(consoleLines({ ...base, authorizations: [], operation: undefined, decision: 'refused', error: 'SignatureDoesNotMatch' }, at)).toEqual([
      '[09:05:07] REFUSED  s3:? (SignatureDoesNotMatch)',
    ]);
  });

  it('prints what shadow mode would have blocked as WOULD-BLOCK, two spaces on', () => {
    expect(consoleLines({ ...base, authorizations: [authorization('s3:PutObject')], decision: 'would-block' }, at)).toEqual(['[09:05:07] WOULD-BLOCK  s3:PutObject']);
  });

  it('marks an action AWS does not define as UNRESOLVED', () => {
    expect(consoleLines({ ...base, authorizations: [authorization('s3:NewThing', false)] }, at)).toEqual(['[09:05:07] ALLOWED  UNRESOLVED s3:NewThing']);
  });
});
