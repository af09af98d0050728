import { describe, expect, it } from 'vitest';
import { summarizeScope } from '../../src/grants/scope-summary.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';

function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

const allow = (Action: string | string[]): PolicyStatement => ({ Effect: 'Allow', Action, Resource: '*' });
const deny = (Action: string | string[]): PolicyStatement => ({ Effect: 'Deny', Action, Resource: '*' });

describe('summarizeScope', () => {
  it('gives each service its access levels, actions and sources', async () => {
    const scope = await summarizeScope([
      { from: 'baseline', policy: policy(allow(['s3:ListBucket', 's3:GetObject'])) },
      { from: 'g-0123456789abcdef', policy: policy(allow(['sqs:SendMessage', 's3:PutObject'])) },
    ]);
    expect(scope).toEqual([
      { service: 's3', accessLevels: ['Write', 'Read', 'List'], actions: ['s3:GetObject', 's3:ListBucket', 's3:PutObject'], from: ['baseline', 'g-0123456789abcdef'] },
      { service: 'sqs', accessLevels: ['Write'], actions: ['sqs:SendMessage'], from: ['g-0123456789abcdef'] },
    ]);
  });

  it('expands wildcards, in any case, and lists at most 50 actions, saying how many there are', async () => {
    const [s3] = await summarizeScope([{ from: 'baseline', policy: policy(allow('S3:*')) }]);
    expect(s3!.service).toBe('s3');
    expect(s3!.accessLevels).toEqual(['Permissions management', 'Write', 'Tagging', 'Read', 'List']);
    expect(s3!.actions).toHaveLength(50);
    expect(s3!.actions[0]).toBe('s3:AbortMultipartUpload');
    expect(s3!.actions).toEqual([...s3!.actions].sort());
    expect(s3!.actionCount).toBeGreaterThan(100);
  });

  it('reads ? and mixed case', async () => {
    const scope = await summarizeScope([{ from: 'baseline', policy: policy(allow(['S3:getobjec?', 'sqs:receivemessage'])) }]);
    expect(scope.map((s) => s.actions)).toEqual([['s3:GetObject'], ['sqs:ReceiveMessage']]);
  });

  it.each([
    ['*', allow('*')],
    ['NotAction', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } as PolicyStatement],
    ['a wildcard service prefix', allow('s*:Get*')],
  ])('counts %s as every service', async (_, statement) => {
    expect(await summarizeScope([{ from: 'baseline', policy: policy(statement) }])).toEqual([
      { service: '*', accessLevels: ['Permissions management', 'Write', 'Tagging', 'Read', 'List'], actions: ['*'], from: ['baseline'] },
    ]);
  });

  it('marks the services a Deny names, and only those', async () => {
    const scope = await summarizeScope([{ from: 'baseline', policy: policy(allow(['s3:GetObject', 'sqs:SendMessage']), deny('s3:Delete*')) }]);
    expect(scope.map((s) => [s.service, s.denies])).toEqual([
      ['s3', true],
      ['sqs', undefined],
    ]);
    expect(scope[1]).not.toHaveProperty('denies');
  });

  it.each([
    ['*', deny('*')],
    ['NotAction', { Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' } as PolicyStatement],
    ['a wildcard service prefix', deny('s*:*')],
  ])('marks every service for a Deny of %s', async (_, statement) => {
    const scope = await summarizeScope([{ from: 'baseline', policy: policy(allow(['s3:GetObject', 'sqs:SendMessage']), statement) }]);
    expect(scope.map((s) => s.denies)).toEqual([true, true]);
  });

  it('does not list a service that is only denied, but marks * for any Deny', async () => {
    const scope = await summarizeScope([{ from: 'baseline', policy: policy(allow('*'), deny('iam:*')) }]);
    expect(scope.map((s) => [s.service, s.denies])).toEqual([['*', true]]);
  });

  it('takes a Deny from one source as narrowing what another allows', async () => {
    const scope = await summarizeScope([
      { from: 'baseline', policy: policy(deny('s3:PutObject')) },
      { from: 'g-0123456789abcdef', policy: policy(allow('s3:PutObject')) },
    ]);
    expect(scope).toEqual([{ service: 's3', accessLevels: ['Write'], actions: ['s3:PutObject'], from: ['g-0123456789abcdef'], denies: true }]);
  });

  it('sorts by service and names each source once', async () => {
    const scope = await summarizeScope([
      { from: 'g-1', policy: policy(allow('sqs:SendMessage'), allow('sqs:ReceiveMessage')) },
      { from: 'baseline', policy: policy(allow('ec2:DescribeInstances'), allow('sqs:SendMessage')) },
      { from: 'g-2', policy: policy(allow('*')) },
    ]);
    expect(scope.map((s) => [s.service, s.from])).toEqual([
      ['*', ['g-2']],
      ['ec2', ['baseline']],
      ['sqs', ['g-1', 'baseline']],
    ]);
  });

  it('passes over names AWS does not define, and statements without actions', async () => {
    const odd = policy(allow(['foo:Bar', 's3:Nope*', 's3:GetObject:extra', 'constructor:x', 's3:constructor']), { Effect: 'Allow', Resource: '*' });
    expect(await summarizeScope([{ from: 'baseline', policy: odd }])).toEqual([]);
  });

  it('reads a single statement not in a list, and nothing from no sources', async () => {
    expect(await summarizeScope([{ from: 'baseline', policy: { Version: '2012-10-17', Statement: allow('sts:GetCallerIdentity') } }])).toEqual([
      { service: 'sts', accessLevels: ['Read'], actions: ['sts:GetCallerIdentity'], from: ['baseline'] },
    ]);
    expect(await summarizeScope([])).toEqual([]);
  });
});
