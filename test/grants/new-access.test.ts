import { describe, expect, it } from 'vitest';
import { expandActions } from '../../src/grants/actions.js';
import { newAccess, type NewAccessInput } from '../../src/grants/new-access.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';

const WHO = { principalArn: 'arn:aws:iam::123456789012:user/agent-runner', accountId: '123456789012' };
const OBJECT = 'arn:aws:s3:::reports/2024.csv';

function baseline(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function allow(Action: string | string[], Resource: string | string[]): PolicyStatement {
  return { Effect: 'Allow', Action, Resource };
}

async function newPairs(input: Omit<NewAccessInput, 'principalArn' | 'accountId'>): Promise<string[]> {
  const { pairs } = await newAccess({ ...WHO, ...input });
  return pairs.map((p) => `${p.action} ${p.resource}`);
}

describe('newAccess', () => {
  it('without a baseline, lists every pair, action by action, with its access level', async () => {
    const access = await newAccess({ ...WHO, expanded: ['s3:GetObject', 's3:PutObject'], resources: [OBJECT, 'arn:aws:s3:::logs/*'], baseline: undefined });
    expect(access).toEqual({
      actions: ['s3:GetObject', 's3:PutObject'],
      pairs: [
        { action: 's3:GetObject', resource: OBJECT, accessLevel: 'Read' },
        { action: 's3:GetObject', resource: 'arn:aws:s3:::logs/*', accessLevel: 'Read' },
        { action: 's3:PutObject', resource: OBJECT, accessLevel: 'Write' },
        { action: 's3:PutObject', resource: 'arn:aws:s3:::logs/*', accessLevel: 'Write' },
      ],
    });
  });

  it('leaves out what the baseline already allows', async () => {
    const pairs = await newPairs({ expanded: ['s3:GetObject', 's3:PutObject'], resources: [OBJECT], baseline: baseline(allow('s3:GetObject', 'arn:aws:s3:::reports/*')) });
    expect(pairs).toEqual([`s3:PutObject ${OBJECT}`]);
  });

  it('finds nothing new in a request the baseline covers', async () => {
    const access = await newAccess({ ...WHO, expanded: ['s3:GetObject'], resources: [OBJECT, 'arn:aws:s3:::reports/2024/*'], baseline: baseline(allow('s3:Get*', 'arn:aws:s3:::reports/*')) });
    expect(access).toEqual({ actions: ['s3:GetObject'], pairs: [] });
  });

  it.each([
    ['the same pattern', 'arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/*', false],
    ['a wider pattern', 'arn:aws:s3:::*', 'arn:aws:s3:::reports/*', false],
    ['an Allow on *', '*', 'arn:aws:s3:::reports/*', false],
    ['a narrower pattern', 'arn:aws:s3:::reports/a*', 'arn:aws:s3:::reports/*', true],
    ['a ? pattern, which matches one character of the many * stands for', 'arn:aws:s3:::reports/?', 'arn:aws:s3:::reports/*', true],
    ['one object', OBJECT, 'arn:aws:s3:::reports/*', true],
    ['a pattern, for * asked', 'arn:aws:s3:::*', '*', true],
    ['an Allow on *, for * asked', '*', '*', false],
    ['a pattern, for a ? pattern asked', 'arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/202?.csv', false],
    ['a literal, for a ? pattern asked', OBJECT, 'arn:aws:s3:::reports/202?.csv', true],
    // Over-reported: as a name, `arn:aws:s3:::*` has no `/`, so it is no object.
    ['the same bucket-wide pattern', 'arn:aws:s3:::*', 'arn:aws:s3:::*', true],
  ])('a wildcard resource against %s: new %s', async (_, allowed, requested, isNew) => {
    const pairs = await newPairs({ expanded: ['s3:GetObject'], resources: [requested], baseline: baseline(allow('s3:GetObject', allowed)) });
    expect(pairs).toEqual(isNew ? [`s3:GetObject ${requested}`] : []);
  });

  it('does not count a NotResource Allow as covering a pattern, which may reach what it carves out', async () => {
    const policy = baseline({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::reports/secret*' });
    expect(await newPairs({ expanded: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*', OBJECT], baseline: policy })).toEqual(['s3:GetObject arn:aws:s3:::reports/*']);
  });

  it('counts a pair a baseline Deny refuses as new', async () => {
    const policy = baseline(allow('s3:*', '*'), { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' });
    expect(await newPairs({ expanded: ['s3:GetObject', 's3:PutObject'], resources: [OBJECT], baseline: policy })).toEqual([`s3:PutObject ${OBJECT}`]);
  });

  it('counts a pair the baseline allows only under a condition as new', async () => {
    const policy = baseline({ ...allow('s3:GetObject', '*'), Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } });
    expect(await newPairs({ expanded: ['s3:GetObject'], resources: [OBJECT], baseline: policy })).toEqual([`s3:GetObject ${OBJECT}`]);
  });

  it('gives no access level to an action AWS does not define', async () => {
    const { pairs } = await newAccess({ ...WHO, expanded: ['s3:Brandnew'], resources: ['*'], baseline: baseline(allow('s3:*', '*')) });
    expect(pairs).toEqual([{ action: 's3:Brandnew', resource: '*', accessLevel: undefined }]);
  });

  it('finds nothing in nothing', async () => {
    expect(await newAccess({ ...WHO, expanded: [], resources: [OBJECT], baseline: undefined })).toEqual({ actions: [], pairs: [] });
    expect(await newAccess({ ...WHO, expanded: ['s3:GetObject'], resources: [], baseline: baseline() })).toEqual({ actions: ['s3:GetObject'], pairs: [] });
  });

  describe('limit', () => {
    const expanded = ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'];
    const resources = ['arn:aws:s3:::a/1', 'arn:aws:s3:::a/2'];

    it('lists at most `limit` pairs and says there were more', async () => {
      const access = await newAccess({ ...WHO, expanded, resources, baseline: undefined, limit: 5 });
      expect(access.pairs).toHaveLength(5);
      expect(access.truncated).toBe(true);
    });

    it('is not truncated when the pairs just fit', async () => {
      const access = await newAccess({ ...WHO, expanded, resources, baseline: undefined, limit: 6 });
      expect(access.pairs).toHaveLength(6);
      expect(access).not.toHaveProperty('truncated');
    });

    it('is not truncated when the pairs past the limit are not new', async () => {
      const access = await newAccess({ ...WHO, expanded, resources, baseline: baseline(allow('s3:PutObject', '*')), limit: 4 });
      expect(access.pairs.map((p) => p.action)).toEqual(['s3:DeleteObject', 's3:DeleteObject', 's3:GetObject', 's3:GetObject']);
      expect(access).not.toHaveProperty('truncated');
    });

    it('defaults to 200', async () => {
      const access = await newAccess({ ...WHO, expanded: await expandActions(['s3:*', 'ec2:*']), resources: ['*'], baseline: undefined });
      expect(access.pairs).toHaveLength(200);
      expect(access.truncated).toBe(true);
    });
  });

  it('leaves out pairs that can never apply, such as listing an object', async () => {
    const request = { expanded: ['s3:GetObject', 's3:ListBucket'], resources: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'] };
    expect(await newPairs({ ...request, baseline: undefined })).toEqual(['s3:GetObject arn:aws:s3:::reports/*', 's3:ListBucket arn:aws:s3:::reports']);
    const exactly = baseline(allow('s3:ListBucket', 'arn:aws:s3:::reports'), allow('s3:GetObject', 'arn:aws:s3:::reports/*'));
    expect(await newPairs({ ...request, baseline: exactly })).toEqual([]);
  });

  describe('bounded work', () => {
    const everything = expandActions(['*']);

    it('stops evaluating against the baseline after 5,000 pairs, and says the list may be incomplete', async () => {
      const access = await newAccess({ ...WHO, expanded: await everything, resources: ['*'], baseline: baseline(allow('*', '*')) });
      expect(access).toMatchObject({ pairs: [], truncated: true });
    }, 30_000);

    it('stops considering pairs after 100,000, and says the list may be incomplete', async () => {
      const actions = await everything;
      const resources = ['a', 'b', 'c', 'd', 'e'].map((name) => `not-an-arn-${name}`);
      const access = await newAccess({ ...WHO, expanded: actions, resources, baseline: undefined });
      expect(access).toMatchObject({ pairs: [], truncated: true });
      // Kept with the grant and written on every change: the first 500, and how many there were.
      expect(access.actions).toEqual(actions.slice(0, 500));
      expect(access.actionCount).toBe(actions.length);
      expect(actions.length).toBeGreaterThan(10_000);
    }, 30_000);

    it('considers every pair up to the bound', async () => {
      const access = await newAccess({ ...WHO, expanded: await everything, resources: ['not-an-arn', 'arn:aws:s3:::reports'], limit: 1, baseline: undefined });
      expect(access.pairs).toEqual([{ action: 's3:AllowVendedLogDeliveryForResource', resource: 'arn:aws:s3:::reports', accessLevel: 'Read' }]);
    }, 30_000);
  });
});
