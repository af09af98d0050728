import { describe, expect, it } from 'vitest';
import { appliesTags, implicitEntries, passedRoles, taggingActionCandidates } from '../../../../src/pipeline/resolve/authorize/implicit-actions.js';
import type { MapEntry } from '../../../../src/services/model.js';

const CREATE_ROLE: MapEntry[] = [{ action: 'iam:CreateRole', resource_mappings: { RoleNameWithPath: { template: '${RoleName}' } }, conditions: { lhs: 'RoleName', op: 'Exists' } }];
const EC2_CREATE_TAGS: MapEntry = { action: 'ec2:CreateTags', arn_override: { template: 'arn:${Partition}:ec2:${Region}:${Account}:${TagSpecifications[].ResourceType}/*' } };
const PUT_KEY_POLICY: MapEntry = { action: 'kms:PutKeyPolicy', arn_override: { template: 'arn:${Partition}:kms:${Region}:${Account}:key/*' } };

describe('taggingActionCandidates', () => {
  it('Tag<Resource> first, then the usual names of a tagging action', () => {
    expect(taggingActionCandidates('iam', 'CreateRole')).toStrictEqual(['iam:TagRole', 'iam:TagResource', 'iam:AddTagsToResource', 'iam:AddTags', 'iam:CreateOrUpdateTags', 'iam:TagResources']);
  });
});

describe('appliesTags', () => {
  it.each([
    [{ Tags: [{ Key: 'a', Value: 'b' }] }, true],
    [{ tags: { a: 'b' } }, true],
    [{ TagList: [{ Key: 'a' }] }, true],
    [{ UserPoolTags: { a: 'b' } }, true],
    [{ Tags: [] }, false],
    [{ tags: {} }, false],
    [{ Tags: null }, false],
    [{ Tags: 'a=b' }, false],
    [{ TagSpecifications: [{ Tags: [{ Key: 'a' }] }] }, false],
    [{ Labels: { a: 'b' } }, false],
  ])('%j: %s', (input, applies) => {
    expect(appliesTags(input)).toBe(applies);
  });
});

describe('implicitEntries: tag-on-create', () => {
  it('tags on a create call: the tagging action on the create action\'s resources, without its conditions', () => {
    expect(implicitEntries('iam', 'iam', 'CreateRole', { Tags: [{ Key: 'a', Value: 'b' }] }, CREATE_ROLE, 'iam:TagRole')).toStrictEqual([
      { action: 'iam:TagRole', resource_mappings: { RoleNameWithPath: { template: '${RoleName}' } }, conditions: undefined },
    ]);
  });

  it('only the service\'s own entries are copied', () => {
    const entries: MapEntry[] = [{ action: 'logs:CreateLogGroup' }, { action: 'kms:Decrypt' }];
    expect(implicitEntries('cloudwatch-logs', 'logs', 'CreateLogGroup', { tags: { a: 'b' } }, entries, 'logs:TagResource')).toStrictEqual([{ action: 'logs:TagResource', conditions: undefined }]);
  });

  it('no tagging action, no tags, or the map already lists it: nothing', () => {
    expect(implicitEntries('iam', 'iam', 'CreateRole', { Tags: [{ Key: 'a' }] }, CREATE_ROLE, undefined)).toStrictEqual([]);
    expect(implicitEntries('iam', 'iam', 'CreateRole', { Tags: [] }, CREATE_ROLE, 'iam:TagRole')).toStrictEqual([]);
    expect(implicitEntries('sqs', 'sqs', 'CreateQueue', { tags: { a: 'b' } }, [{ action: 'sqs:CreateQueue' }, { action: 'sqs:TagQueue' }], 'sqs:TagQueue')).toStrictEqual([]);
  });

  it('EC2: TagSpecifications with tags need ec2:CreateTags on each tagged resource type', () => {
    expect(implicitEntries('ec2', 'ec2', 'RunInstances', { TagSpecifications: [{ ResourceType: 'volume' }, { ResourceType: 'instance', Tags: [{ Key: 'a' }] }] }, [], undefined)).toStrictEqual([EC2_CREATE_TAGS]);
  });

  it('EC2: TagSpecifications without tags, CreateTags itself, and a Tags member are no tag-on-create', () => {
    expect(implicitEntries('ec2', 'ec2', 'RunInstances', { TagSpecifications: [{ ResourceType: 'instance', Tags: [] }] }, [], undefined)).toStrictEqual([]);
    expect(implicitEntries('ec2', 'ec2', 'CreateTags', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a' }] }] }, [], undefined)).toStrictEqual([]);
    expect(implicitEntries('ec2', 'ec2', 'CreateVolume', { Tags: [{ Key: 'a' }] }, [{ action: 'ec2:CreateVolume' }], 'ec2:CreateTags')).toStrictEqual([]);
  });

  it('KMS: a key policy given to CreateKey needs kms:PutKeyPolicy; with tags also the tagging action', () => {
    expect(implicitEntries('kms', 'kms', 'CreateKey', { Policy: '{}' }, [{ action: 'kms:CreateKey' }], 'kms:TagResource')).toStrictEqual([PUT_KEY_POLICY]);
    expect(implicitEntries('kms', 'kms', 'CreateKey', { Policy: '{}', Tags: [{ TagKey: 'a', TagValue: 'b' }] }, [{ action: 'kms:CreateKey' }], 'kms:TagResource')).toStrictEqual([
      { action: 'kms:TagResource', conditions: undefined },
      PUT_KEY_POLICY,
    ]);
    expect(implicitEntries('kms', 'kms', 'CreateKey', {}, [{ action: 'kms:CreateKey' }], 'kms:TagResource')).toStrictEqual([]);
    expect(implicitEntries('kms', 'kms', 'PutKeyPolicy', { Policy: '{}' }, [{ action: 'kms:PutKeyPolicy' }], undefined)).toStrictEqual([]);
  });
});

describe('passedRoles', () => {
  const role = (name: string, partition = 'aws') => `arn:${partition}:iam::123456789012:role/${name}`;

  it('role ARNs in members named for a role, at any depth and in lists, once each', () => {
    expect(
      passedRoles({
        Role: role('a'),
        Config: { ExecutionRoleArn: role('b'), Targets: [{ RoleArn: role('c') }, { RoleArn: role('a') }] },
        IamRoles: [role('d', 'aws-cn'), role('path/e', 'aws-us-gov')],
        serviceRole: role('service-role/f+=,.@-_'),
      }),
    ).toStrictEqual([role('a'), role('b'), role('c'), role('d', 'aws-cn'), role('path/e', 'aws-us-gov'), role('service-role/f+=,.@-_')]);
  });

  it('role ARNs in other members are not passed roles (a grantee, a principal)', () => {
    expect(passedRoles({ GranteePrincipal: role('g'), RetiringPrincipal: role('r'), Principal: { AWS: role('q') } })).toStrictEqual([]);
  });

  it('ignores derived members (named _…)', () => {
    expect(passedRoles({ _passedRoles: [role('x')], _s3: { RoleArn: role('y') } })).toStrictEqual([]);
  });

  it('only whole role ARNs: not users, not other accounts\' malformed ids, not text around an ARN', () => {
    expect(passedRoles({ RoleArn: 'arn:aws:iam::123456789012:user/u' })).toStrictEqual([]);
    expect(passedRoles({ RoleArn: 'arn:aws:iam::12345:role/r' })).toStrictEqual([]);
    expect(passedRoles({ RoleArn: ` ${role('r')}` })).toStrictEqual([]);
    expect(passedRoles({ RoleArn: `${role('r')}\n` })).toStrictEqual([]);
    expect(passedRoles({ RoleArn: 'arn:aws:sts::123456789012:assumed-role/r/s' })).toStrictEqual([]);
  });

  it('a role nested deeper than 16 levels is not looked for', () => {
    let deep: unknown = role('deep');
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(passedRoles({ Roles: deep as string[] })).toStrictEqual([]);
    let shallow: unknown = role('shallow');
    for (let i = 0; i < 10; i++) shallow = [shallow];
    expect(passedRoles({ Roles: shallow as string[] })).toStrictEqual([role('shallow')]);
  });

  // Was a bug (implicit-actions.ts, since the role-name filter): members that take a role to pass under
  // another name are not looked at: API Gateway PutIntegration `credentials`, Cognito
  // `SmsConfiguration.SnsCallerArn` both need iam:PassRole.
  it('finds the role API Gateway integration credentials pass', () => {
    expect(passedRoles({ restApiId: 'a', credentials: role('apigw') })).toStrictEqual([role('apigw')]);
  });

  it('finds the role a Cognito user pool\'s SMS configuration passes', () => {
    expect(passedRoles({ SmsConfiguration: { SnsCallerArn: role('sms') } })).toStrictEqual([role('sms')]);
  });

  it('finds a role ARN in a structure under a role member', () => {
    expect(passedRoles({ ExecutionRole: { Arn: role('x') } })).toStrictEqual([role('x')]);
  });
});
