import { describe, expect, it } from 'vitest';
import { InvalidPolicyError } from '../../../src/policy/generate/generate.js';
import { generated, index, instance, notAnAction, object, on, queue, record, role, statementsOf, summary, table, unresolved } from './fixtures.js';

const RECORDS = [
  record([on('s3:GetObject', object('my-bucket/a.csv'), object('my-bucket/b.csv'))]),
  record([on('s3:PutObject', object('my-bucket/b.csv'), object('my-bucket/a.csv'))]),
  record([on('s3:ListAllMyBuckets')]),
  record([on('dynamodb:Query', index('Orders', 'byCustomer'))]),
  record([on('dynamodb:GetItem', table('Orders')), on('dynamodb:PutItem', table('Orders'))]),
  record([on('sqs:SendMessage', queue('jobs'))]),
  record([on('kms:CreateKey'), on('kms:PutKeyPolicy', unresolved('arn:aws:kms:us-east-1:123456789012:key/${KeyId}', 'key'))]),
  record([on('ec2:AttachVolume', instance('i-1'), { arn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1', type: 'volume', resolved: true })]),
  record([notAnAction('s3:NewThing')]),
  record([on('sts:AssumeRole', role('deploy'))]),
];

describe('generatePolicy', () => {
  it('groups actions by identical resource sets, sorted, with readable Sids; "*" statements last', async () => {
    const policy = await generated(RECORDS);
    expect(summary(policy)).toStrictEqual({
      DynamodbTableOrders: [['dynamodb:GetItem', 'dynamodb:PutItem'], ['arn:aws:dynamodb:us-east-1:123456789012:table/Orders']],
      DynamodbIndexInOrders: [['dynamodb:Query'], ['arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/byCustomer']],
      Ec2InstanceAndVolume: [['ec2:AttachVolume'], ['arn:aws:ec2:us-east-1:123456789012:instance/i-1', 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1']],
      S3ObjectsInMyBucket: [['s3:GetObject', 's3:PutObject'], ['arn:aws:s3:::my-bucket/a.csv', 'arn:aws:s3:::my-bucket/b.csv']],
      SqsQueueJobs: [['sqs:SendMessage'], ['arn:aws:sqs:us-east-1:123456789012:jobs']],
      IamRoleDeploy: [['sts:AssumeRole'], ['arn:aws:iam::123456789012:role/deploy']],
      NoResourceLevelPermissions: [['kms:CreateKey', 's3:ListAllMyBuckets'], ['*']],
      UnresolvedResources: [['kms:PutKeyPolicy'], ['*']],
    });
    expect(Object.keys(summary(policy))).toEqual([
      'DynamodbTableOrders',
      'DynamodbIndexInOrders',
      'Ec2InstanceAndVolume',
      'S3ObjectsInMyBucket',
      'SqsQueueJobs',
      'IamRoleDeploy',
      'NoResourceLevelPermissions',
      'UnresolvedResources',
    ]);
    expect(policy.document.Version).toBe('2012-10-17');
    for (const s of statementsOf(policy)) expect(s.Effect).toBe('Allow');
  });

  it('is deterministic: the same records in any order give the same policy', async () => {
    const once = await generated(RECORDS);
    expect(await generated([...RECORDS].reverse())).toStrictEqual(once);
  });

  it('lists unknown actions and "*" for unnamed resources on stderr notes', async () => {
    expect((await generated(RECORDS)).notes).toEqual([
      'left out, not actions AWS defines (the proxy could not map these requests): s3:NewThing',
      'kms:PutKeyPolicy on "*": the proxy could not name its resource (arn:aws:kms:us-east-1:123456789012:key/${KeyId}); narrow it by hand if you know it',
    ]);
  });

  it('gives an action that also needs "*" only "*", and drops resources a pattern covers', async () => {
    const policy = await generated([
      record([on('ec2:RunInstances', instance('i-1'), unresolved('arn:aws:ec2:us-east-1:123456789012:instance/${InstanceId}', 'instance'))]),
      record([on('s3:GetObject', object('b/logs/*'), object('b/logs/x'), object('b/other'))]),
    ]);
    expect(summary(policy)).toStrictEqual({
      S3ObjectsInB: [['s3:GetObject'], ['arn:aws:s3:::b/logs/*', 'arn:aws:s3:::b/other']],
      UnresolvedResources: [['ec2:RunInstances'], ['*']],
    });
  });

  it('makes Sids unique, of letters and digits only', async () => {
    const policy = await generated([
      record([on('s3:GetObject', object('my-bucket/a'))]),
      record([on('s3:PutObject', object('my-bucket/b'))]),
      record([on('s3:DeleteObject', object('my-bucket/c'))]),
      record([on('sqs:SendMessage', queue('jobs.fifo'), queue('jobs-2'))]),
      record([on('sqs:ReceiveMessage', queue('ü-queue'))]),
    ]);
    const sids = statementsOf(policy).map((s) => s.Sid!);
    expect(sids).toEqual(['S3ObjectInMyBucket', 'S3ObjectInMyBucket2', 'S3ObjectInMyBucket3', 'SqsQueueQueue', 'SqsQueues']);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('writes a "$" of a resource name as ${$}, so it cannot become a policy variable', async () => {
    const policy = await generated([record([on('s3:GetObject', object('b/${aws:username}/x'))])]);
    expect(statementsOf(policy)[0]!.Resource).toBe('arn:aws:s3:::b/${$}{aws:username}/x');
  });

  it('never returns an invalid policy', async () => {
    await expect(generated([record([on('s3:GetObjekt', object('b/k'))])])).rejects.toThrow(InvalidPolicyError);
    await expect(generated([record([on('s3:GetObjekt', object('b/k'))])])).rejects.toThrow(/not valid, not printed: Statement\[0\]\.Action: "s3:GetObjekt": s3 has no action "GetObjekt"/);
  });
});
