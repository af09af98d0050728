import { describe, expect, it } from 'vitest';
import { accessRequestFrom, actionsAndResources, grantIdFrom } from '../../src/grants/request-input.js';
import { GrantError } from '../../src/grants/types.js';

const VALID = { actions: ['s3:GetObject', 's3:List*'], resources: ['arn:aws:s3:::b/*', '*'], duration: 900, reason: ' read logs ', ticket: 'OPS-1' };

describe('accessRequestFrom', () => {
  it('takes a valid request, trimming the reason and dropping repeats', () => {
    expect(accessRequestFrom({ ...VALID, actions: ['s3:GetObject', 's3:GetObject'] })).toEqual({ actions: ['s3:GetObject'], resources: VALID.resources, durationSeconds: 900, reason: 'read logs', ticket: 'OPS-1' });
  });

  it.each([
    [{ actions: [] }, '"actions" must be a list of 1 to 50 strings'],
    [{ actions: 's3:GetObject' }, '"actions" must be a list'],
    [{ actions: Array.from({ length: 51 }, (_, i) => `s3:A${i}`) }, '1 to 50'],
    [{ actions: ['GetObject'] }, '"GetObject" is not an IAM action'],
    [{ actions: ['s3:Get Object'] }, 'is not an IAM action'],
    [{ actions: ['s3:Get:Object'] }, 'is not an IAM action'],
    [{ actions: [42] }, 'each of "actions" must be a string'],
    [{ resources: ['bucket/key'] }, '"bucket/key" is not a resource'],
    [{ resources: ['arn:aws:s3:::b/\u001b[2Jk'] }, 'printable characters'],
    [{ resources: ['arn:' + 'x'.repeat(2048)] }, 'printable characters'],
    [{ duration: '15m' }, '"duration" must be a whole number of seconds'],
    [{ duration: 1.5 }, '"duration" must be a whole number of seconds'],
    [{ reason: undefined }, '"reason" is required'],
    [{ reason: '   ' }, '"reason" is required'],
    [{ reason: 'ok\nApproved by admin' }, '"reason" must be text'],
    [{ reason: 'read logs \u202Eevil\u202C' }, '"reason" must be text'],
    [{ resources: ['arn:aws:s3:::b/\u2066secret\u2069/*'] }, 'printable characters'],
    [{ reason: 'x'.repeat(1001) }, '"reason" must be text'],
    [{ ticket: 5 }, '"ticket" must be text'],
  ])('refuses %j', (change, message) => {
    expect(() => accessRequestFrom({ ...VALID, ...change })).toThrow(GrantError);
    expect(() => accessRequestFrom({ ...VALID, ...change })).toThrow(message);
  });

  it('preview needs only actions and resources', () => {
    expect(actionsAndResources({ actions: ['*'], resources: ['*'] })).toEqual({ actions: ['*'], resources: ['*'] });
  });
});

describe('grantIdFrom', () => {
  it.each(['g-0123456789abcdef'])('takes %s', (id) => expect(grantIdFrom(id)).toBe(id));
  it.each(['g-0123456789ABCDEF', 'g-0123', '../g-0123456789abcdef', 42, undefined])('refuses %j', (id) => expect(() => grantIdFrom(id)).toThrow('"id" must be a grant id'));
});
