import { describe, expect, it } from 'vitest';
import { AmbiguousInputError } from '../../../../src/pipeline/resolve/decode/shape-reader.js';
import { actionContext, requestContext } from '../../../../src/pipeline/resolve/authorize/context.js';
import type { InputValue } from '../../../../src/pipeline/resolve/decode/shape-reader.js';
import type { StructureShape } from '../../../../src/services/model.js';

type Input = { [member: string]: InputValue };

describe('requestContext', () => {
  it('always the requested region', () => {
    expect(requestContext('eu-west-1', {})).toStrictEqual({ 'aws:RequestedRegion': 'eu-west-1' });
    expect(requestContext('eu-west-1', { Tags: [] })).toStrictEqual({ 'aws:RequestedRegion': 'eu-west-1' });
  });

  it('tags as a list: Key/Value, key/value or TagKey/TagValue; a missing value is empty', () => {
    expect(requestContext('us-east-1', { Tags: [{ Key: 'a', Value: 'b' }, { key: 'c', value: 'd' }, { TagKey: 'e', TagValue: 'f' }, { Key: 'g' }] })).toStrictEqual({
      'aws:RequestedRegion': 'us-east-1',
      'aws:RequestTag/a': 'b',
      'aws:RequestTag/c': 'd',
      'aws:RequestTag/e': 'f',
      'aws:RequestTag/g': '',
      'aws:TagKeys': ['a', 'c', 'e', 'g'],
    });
  });

  it('tags as a map; a value that is not text is empty', () => {
    expect(requestContext('us-east-1', { tags: { team: 'x', n: 5 } })).toStrictEqual({
      'aws:RequestedRegion': 'us-east-1',
      'aws:RequestTag/team': 'x',
      'aws:RequestTag/n': '',
      'aws:TagKeys': ['team', 'n'],
    });
  });

  it('Cognito UserPoolTags, a map', () => {
    expect(requestContext('us-east-1', { UserPoolTags: { team: 'x' } })).toStrictEqual({ 'aws:RequestedRegion': 'us-east-1', 'aws:RequestTag/team': 'x', 'aws:TagKeys': ['team'] });
  });

  it('TagList, and EC2 TagSpecifications', () => {
    expect(requestContext('us-east-1', { TagList: [{ Key: 'a', Value: '1' }] })).toMatchObject({ 'aws:RequestTag/a': '1', 'aws:TagKeys': ['a'] });
    expect(requestContext('us-east-1', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'dev' }] }, { ResourceType: 'volume', Tags: [{ Key: 'team', Value: 'x' }] }] })).toStrictEqual({
      'aws:RequestedRegion': 'us-east-1',
      'aws:RequestTag/env': 'dev',
      'aws:RequestTag/team': 'x',
      'aws:TagKeys': ['env', 'team'],
    });
  });

  it('list items that are not tags are skipped; keys that are not text are skipped', () => {
    expect(requestContext('us-east-1', { TagList: [null, 'x', ['y'], { Key: 5, Value: 'v' }, { Key: 'k', Value: 'v' }] })).toStrictEqual({
      'aws:RequestedRegion': 'us-east-1',
      'aws:RequestTag/k': 'v',
      'aws:TagKeys': ['k'],
    });
  });

  it('a tag key named __proto__ is a tag key', () => {
    expect(requestContext('us-east-1', JSON.parse('{"tags":{"__proto__":"x"}}') as Input)).toStrictEqual({
      'aws:RequestedRegion': 'us-east-1',
      'aws:RequestTag/__proto__': 'x',
      'aws:TagKeys': ['__proto__'],
    });
  });

  it('members that do not hold tags are not read', () => {
    expect(requestContext('us-east-1', { Labels: { a: 'b' }, TagKeys: ['a'], tagKeys: ['b'] })).toStrictEqual({ 'aws:RequestedRegion': 'us-east-1' });
  });

  // Was a bug: one tag key given two values (EC2 allows different tags per resource type) kept only
  // the last, so a condition on aws:RequestTag/env saw "sandbox" while the instance was tagged "prod".
  it('a tag key given two values is refused, not reduced to one', () => {
    const tagging = (volume: string) => ({
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'prod' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'env', Value: volume }] },
      ],
    });
    expect(() => requestContext('us-east-1', tagging('sandbox'))).toThrow(AmbiguousInputError);
    expect(requestContext('us-east-1', tagging('prod'))['aws:RequestTag/env']).toBe('prod');
  });
});

describe('actionContext', () => {
  const shape: StructureShape = {
    type: 'structure',
    members: {
      Prefix: { target: 'string', location: 'query', name: 'prefix' },
      ACL: { target: 'string', location: 'header', name: 'x-amz-acl' },
      InstanceType: { target: 'string' },
      Count: { target: 'number' },
      Flag: { target: 'boolean' },
      Ids: { target: 'IdList' },
      Obj: { target: 'Thing' },
      Labelled: { target: 'string', location: 'label' },
    },
  };
  const input: Input = { Prefix: 'logs/', ACL: 'private', InstanceType: 't3.micro', Count: 3, Flag: false, Ids: ['a', 'b'], Obj: { a: 1 }, Labelled: 'x' };

  it('a condition key matches a top-level member by name or by query/header wire name, any case', () => {
    expect(actionContext(['s3:prefix', 's3:x-amz-acl', 'ec2:InstanceType', 'ec2:instancetype', 'x:count', 'x:flag', 'x:ids'], input, shape)).toStrictEqual({
      's3:prefix': 'logs/',
      's3:x-amz-acl': 'private',
      'ec2:InstanceType': 't3.micro',
      'ec2:instancetype': 't3.micro',
      'x:count': '3',
      'x:flag': 'false',
      'x:ids': ['a', 'b'],
    });
  });

  it('global keys, keys with a / or a <placeholder>, and keys no member holds are left out', () => {
    expect(actionContext(['aws:RequestTag/${TagKey}', 'aws:SourceIp', 's3:ExistingObjectTag/<key>', 'x:<thing>', 'x:missing'], input, shape)).toStrictEqual({});
  });

  it('a label member is matched by member name, not by a wire name', () => {
    expect(actionContext(['x:labelled'], input, shape)).toStrictEqual({ 'x:labelled': 'x' });
  });

  it('structures and lists of non-text are not context values', () => {
    expect(actionContext(['x:obj'], input, shape)).toStrictEqual({});
    expect(actionContext(['x:ids'], { Ids: ['a', 1] }, shape)).toStrictEqual({});
  });

  it('no input shape: no context', () => {
    expect(actionContext(['s3:prefix'], input, undefined)).toStrictEqual({});
  });

  it('a member with no value in the input gives no key', () => {
    expect(actionContext(['s3:prefix'], {}, shape)).toStrictEqual({});
  });
});
