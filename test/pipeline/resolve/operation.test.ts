import { describe, expect, it } from 'vitest';
import { queryAction, rpcOperationName } from '../../../src/pipeline/resolve/operation.js';
import { call } from '../../support/call.js';

const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const action = (rawQuery: string, body?: string, headers: Record<string, string> = form) =>
  queryAction({ rawQuery, headers, body: body === undefined ? undefined : Buffer.from(body) });

describe('queryAction', () => {
  it('reads Action from the query string alone', () => {
    expect(action('Action=GetCallerIdentity&Version=2011-06-15')).toBe('GetCallerIdentity');
    expect(action('Action=GetCallerIdentity', '')).toBe('GetCallerIdentity');
  });

  it('reads Action from a form-encoded body alone, + meaning a space', () => {
    expect(action('', 'Version=2012-11-05&Action=CreateQueue')).toBe('CreateQueue');
    expect(action('', 'Action=Made+Up')).toBe('Made Up');
  });

  it('reads Action from the query string when the body names none', () => {
    expect(action('Action=ListQueues', 'QueueNamePrefix=x')).toBe('ListQueues');
  });

  it('ignores a body that is not form-encoded', () => {
    expect(action('', 'Action=CreateQueue', { 'content-type': 'text/plain' })).toBeUndefined();
    expect(action('', 'Action=CreateQueue', {})).toBeUndefined();
    expect(action('Action=ListQueues', 'Action=DeleteQueue', { 'content-type': 'application/json' })).toBe('ListQueues');
  });

  it('gives undefined when neither names an Action', () => {
    expect(action('')).toBeUndefined();
    expect(action('Version=1', 'Version=1')).toBeUndefined();
  });

  it('gives the action when the query string and the body agree', () => {
    expect(action('Action=ListQueues', 'Action=ListQueues&Version=2012-11-05')).toBe('ListQueues');
  });

  // Regression: the query string used to win, so a call could be authorised as one action while AWS ran the other.
  it('gives undefined when the query string and the body name different actions', () => {
    expect(action('Action=GetCallerIdentity', 'Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fadmin')).toBeUndefined();
    expect(action('Action=ListQueues', 'Action=DeleteQueue')).toBeUndefined();
  });

  it('an ambiguous query call resolves to no operation', () => {
    const described = call({ service: 'sts', method: 'POST', rawPath: '/', rawQuery: 'Action=GetCallerIdentity', headers: form, body: Buffer.from('Action=AssumeRole') });
    expect(rpcOperationName(described, 'query')).toBeUndefined();
    expect(rpcOperationName({ ...described, body: Buffer.from('Action=GetCallerIdentity') }, 'query')).toBe('GetCallerIdentity');
  });
});
