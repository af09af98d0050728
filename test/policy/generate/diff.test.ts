import { describe, expect, it } from 'vitest';
import { activityOf } from '../../../src/policy/generate/activity.js';
import { verdictOf } from '../../../src/policy/generate/allowed-by.js';
import { policyGap } from '../../../src/policy/generate/diff.js';
import { generatePolicy } from '../../../src/policy/generate/generate.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/policy/types.js';
import { bucket, generated, key, object, on, queue, record, summary, table, unresolved } from './fixtures.js';

const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Partial<PolicyStatement> = {}): PolicyStatement => ({ Effect: 'Allow', Action, Resource, ...extra });

const ACTIVITY = [
  record([on('s3:GetObject', object('data/reports/a.csv'), object('data/private/b.csv'))]),
  record([on('s3:ListBucket', bucket('data'))], { context: { 'aws:RequestedRegion': 'us-east-1' } }),
  record([{ ...on('s3:ListBucket', bucket('data')), context: { 's3:prefix': 'private/' } }]),
  record([on('dynamodb:GetItem', table('Orders'))]),
  record([on('sqs:SendMessage', queue('jobs'))], { decision: 'blocked', error: 'AccessDenied' }),
  record([on('kms:Decrypt', key('1234'))]),
  record([on('kms:CreateKey'), on('kms:PutKeyPolicy', unresolved('arn:aws:kms:us-east-1:123456789012:key/${KeyId}', 'key'))]),
  record([on('sts:GetCallerIdentity')]),
];

const CURRENT = policy(
  allow('s3:GetObject', 'arn:aws:s3:::data/reports/*'),
  allow('s3:ListBucket', 'arn:aws:s3:::data', { Condition: { StringLike: { 's3:prefix': ['reports/*', ''] } } }),
  allow(['dynamodb:*', 'kms:Decrypt'], ['arn:aws:dynamodb:us-east-1:123456789012:table/*', 'arn:aws:kms:us-east-1:123456789012:key/1234']),
  allow('kms:PutKeyPolicy', 'arn:aws:kms:us-east-1:123456789012:key/*'),
);

async function fragment(current: PolicyDocument) {
  const activity = activityOf(ACTIVITY);
  const gap = await policyGap(activity.needs, current);
  return { gap, fragment: gap.missing.length ? summary(await generatePolicy({ needs: gap.missing, unknownActions: [] }, { resources: 'exact', compact: false })) : {} };
}

describe('--diff', () => {
  it('is exactly what the policy does not allow, each call checked with its own context keys', async () => {
    const { fragment: rest } = await fragment(CURRENT);
    expect(rest).toStrictEqual({
      S3ObjectInData: [['s3:GetObject'], ['arn:aws:s3:::data/private/b.csv']],
      S3BucketData: [['s3:ListBucket'], ['arn:aws:s3:::data']],
      SqsQueueJobs: [['sqs:SendMessage'], ['arn:aws:sqs:us-east-1:123456789012:jobs']],
      NoResourceLevelPermissions: [['kms:CreateKey', 'sts:GetCallerIdentity'], ['*']],
      // Allowed on every key is not allowed on a key the proxy cannot name: that takes "*".
      UnresolvedResources: [['kms:PutKeyPolicy'], ['*']],
    });
  });

  it('current policy plus the fragment allows everything recorded', async () => {
    const activity = activityOf(ACTIVITY);
    const gap = await policyGap(activity.needs, CURRENT);
    const added = await generatePolicy({ needs: gap.missing, unknownActions: [] }, { resources: 'collapse', compact: false });
    const merged = policy(...([] as PolicyStatement[]).concat(CURRENT.Statement, added.document.Statement));
    for (const need of activity.needs) expect(await verdictOf(merged, need), need.action).toBe('allowed');
    expect((await policyGap(activity.needs, merged)).missing).toEqual([]);
  });

  it('is empty for a policy generated from the same activity', async () => {
    const own = await generated(ACTIVITY.map((r) => ({ ...r, decision: 'allowed' as const })));
    const gap = await policyGap(activityOf(ACTIVITY).needs, own.document);
    expect(gap).toEqual({ missing: [], denied: [], unevaluable: [] });
  });

  it('sets explicit denies apart: no Allow can fix them', async () => {
    const denying = policy(...([] as PolicyStatement[]).concat(CURRENT.Statement), { Effect: 'Deny', Action: 'sqs:*', Resource: '*' });
    const { gap } = await fragment(denying);
    expect(gap.denied.map((n) => n.action)).toEqual(['sqs:SendMessage']);
    expect(gap.missing.map((n) => n.action)).not.toContain('sqs:SendMessage');
  });

  it('holds sts:GetCallerIdentity to what the policy lists, though AWS lets anyone call it', async () => {
    const need = { action: 'sts:GetCallerIdentity', context: {} };
    expect(await verdictOf(policy(allow('s3:*')), need)).toBe('implicit-deny');
    expect(await verdictOf(policy(allow('sts:GetCallerIdentity')), need)).toBe('allowed');
    expect(await verdictOf(policy(allow('sts:*'), { Effect: 'Deny', Action: 'sts:Get*', Resource: '*' }), need)).toBe('explicit-deny');
  });

  it("reads a resource's own * and ? as characters, not wildcards", async () => {
    const literalStar = { action: 's3:GetObject', resource: object('b/*'), context: {} };
    expect(await verdictOf(policy(allow('s3:GetObject', 'arn:aws:s3:::b/x')), literalStar)).toBe('implicit-deny');
    expect(await verdictOf(policy(allow('s3:GetObject', 'arn:aws:s3:::b/*')), literalStar)).toBe('allowed');
  });
});
