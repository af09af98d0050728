import { describe, expect, it } from 'vitest';
import type { Allowlist } from '../../../src/pipeline/decide/allowlist.js';
import { createDecider } from '../../../src/pipeline/decide/decide.js';
import type { Authorization, ResolvedCall } from '../../../src/pipeline/resolve/types.js';

/** A call needing these actions on these (resolved) resources; none: an action without resource types. */
const resolved = (actions: Array<[action: string, resources?: string[]]>, operation = 'Op', service = 's3', region = 'us-east-1'): ResolvedCall => ({
  host: `${service}.${region}.amazonaws.com`,
  service,
  signingName: service,
  region,
  partition: 'aws',
  protocol: 'restXml',
  operation,
  authorizations: actions.map(([action, resources = []]): Authorization => ({ action, known: true, resources: resources.map((arn) => ({ arn, resolved: true })) })),
  context: { 'aws:RequestedRegion': region },
  disableDoubleEncoding: false,
});

const allowlist = (statements: object[]): Allowlist => ({ path: '/etc/allow.json', policy: { Version: '2012-10-17', Statement: statements } });

const basic = allowlist([
  { Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
  { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
]);

describe('createDecider: record mode', () => {
  it('allows everything, even with an allowlist that would deny', async () => {
    const decide = createDecider('record', allowlist([{ Effect: 'Deny', Action: '*', Resource: '*' }]));
    expect(await decide({ call: resolved([['s3:DeleteBucket', ['arn:aws:s3:::b']]]), agent: 'a', accountId: undefined })).toStrictEqual({ allowed: true });
    expect(await decide({ call: resolved([]), agent: 'a', accountId: undefined })).toStrictEqual({ allowed: true });
  });
});

describe('createDecider: enforce mode, a call whose resource is unknown', () => {
  const decider = (statements: object[]) => {
    const decide = createDecider('enforce', allowlist(statements));
    return (action: string, service = action.split(':')[0]!) => decide({ call: resolved([[action, []]], 'Op', service), agent: 'ci-agent', accountId: '123456789012' });
  };
  const UNKNOWN_MESSAGE =
    'User: iam-agent-proxy agent "ci-agent" is not authorized to perform: dynamodb:GetItem on resource: * because iam-agent-proxy cannot tell which resource this call touches, and the allowlist /etc/allow.json does not allow dynamodb:GetItem on every resource ("Resource": "*") without exception';

  // Regression: an unknown resource was checked as "*", which iam-simulate matched against any Allow on a specific resource.
  it('is denied when the allowlist allows the action only on a specific resource', async () => {
    const ask = decider([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/safe' }]);
    expect(await ask('dynamodb:GetItem')).toStrictEqual({ allowed: false, action: 'dynamodb:GetItem', resource: '*', message: UNKNOWN_MESSAGE });
  });

  it('the same allowlist still allows the action on the named resource', async () => {
    const decide = createDecider('enforce', allowlist([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/safe' }]));
    const ask = (resource: string) => decide({ call: resolved([['dynamodb:GetItem', [resource]]], 'GetItem', 'dynamodb'), agent: 'a', accountId: '123456789012' });
    expect(await ask('arn:aws:dynamodb:us-east-1:123456789012:table/safe')).toStrictEqual({ allowed: true });
    expect(await ask('arn:aws:dynamodb:us-east-1:123456789012:table/other')).toMatchObject({ allowed: false });
  });

  it('says plainly when the action is not allowed on any resource', async () => {
    const ask = decider([{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }]);
    expect(await ask('dynamodb:GetItem')).toMatchObject({
      allowed: false,
      message: 'User: iam-agent-proxy agent "ci-agent" is not authorized to perform: dynamodb:GetItem on resource: * because no statement in the allowlist /etc/allow.json allows it',
    });
  });

  it('is allowed when the allowlist allows the action on Resource "*"', async () => {
    const ask = decider([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }]);
    expect(await ask('dynamodb:GetItem')).toStrictEqual({ allowed: true });
    expect(await ask('dynamodb:PutItem')).toMatchObject({ allowed: false, action: 'dynamodb:PutItem', resource: '*' });
  });

  it('is denied when a Deny statement could apply to the action, even on one resource', async () => {
    const ask = decider([
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/secret' },
    ]);
    expect(await ask('dynamodb:GetItem')).toStrictEqual({ allowed: false, action: 'dynamodb:GetItem', resource: '*', message: UNKNOWN_MESSAGE });
    expect(await ask('dynamodb:PutItem')).toStrictEqual({ allowed: true });
  });

  it('a Deny with NotAction could apply to every action it does not list', async () => {
    const ask = decider([
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Effect: 'Deny', NotAction: 'dynamodb:PutItem', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/secret' },
    ]);
    expect(await ask('dynamodb:GetItem')).toMatchObject({ allowed: false, resource: '*' });
    expect(await ask('dynamodb:PutItem')).toStrictEqual({ allowed: true });
  });

  it('s3:GetObject with an unknown object is denied by an Allow on arn:aws:s3:::b/*', async () => {
    const ask = decider([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }]);
    const decision = await ask('s3:GetObject');
    expect(decision).toMatchObject({ allowed: false, action: 's3:GetObject', resource: '*' });
    expect(decision.allowed === false && decision.message).toContain('cannot tell which resource this call touches');
  });

  it('an action with no resource types is allowed by Allow *', async () => {
    expect(await decider([{ Effect: 'Allow', Action: '*', Resource: '*' }])('sts:GetCallerIdentity')).toStrictEqual({ allowed: true });
    expect(await decider([{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }])('sts:GetCallerIdentity')).toStrictEqual({ allowed: true });
  });

  it('an action with no resource types is allowed by a Resource "*" statement and denied without one', async () => {
    expect(await decider([{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }])('sqs:ListQueues')).toStrictEqual({ allowed: true });
    expect(await decider([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }])('sqs:ListQueues')).toMatchObject({ allowed: false, action: 'sqs:ListQueues', resource: '*' });
    expect(
      await decider([
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'sqs:ListQueues', Resource: '*' },
      ])('sqs:ListQueues'),
    ).toMatchObject({ allowed: false, action: 'sqs:ListQueues' });
  });

  it('a Deny with a condition still counts: it could apply', async () => {
    const ask = decider([
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
    expect(await ask('s3:GetObject')).toMatchObject({ allowed: false, action: 's3:GetObject', resource: '*' });
    expect(await ask('s3:PutObject')).toStrictEqual({ allowed: true });
  });

  it('an Allow on "*" that has a condition does not allow every resource', async () => {
    const conditional = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ci' } } };
    expect(await decider([conditional])('s3:GetObject')).toMatchObject({ allowed: false, resource: '*' });
    expect(await decider([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }, conditional])('s3:GetObject')).toMatchObject({
      allowed: false,
      resource: '*',
    });
  });

  it('an Allow with NotResource does not allow every resource', async () => {
    const ask = decider([{ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }]);
    expect(await ask('s3:GetObject')).toMatchObject({ allowed: false, resource: '*' });
  });
});

describe('createDecider: enforce mode', () => {
  const decide = createDecider('enforce', basic);
  const ask = (call: ResolvedCall) => decide({ call, agent: 'ci-agent', accountId: '123456789012' });

  it('allows sts:GetCallerIdentity', async () => {
    expect(await ask(resolved([['sts:GetCallerIdentity']], 'GetCallerIdentity', 'sts'))).toStrictEqual({ allowed: true });
  });

  it('allows s3:GetObject on an object in bucket b', async () => {
    expect(await ask(resolved([['s3:GetObject', ['arn:aws:s3:::b/dir/file.txt']]]))).toStrictEqual({ allowed: true });
  });

  it('denies s3:PutObject, naming the action, the resource, the agent and the allowlist', async () => {
    const decision = await ask(resolved([['s3:PutObject', ['arn:aws:s3:::b/x']]]));
    expect(decision).toStrictEqual({
      allowed: false,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::b/x',
      message:
        'User: iam-agent-proxy agent "ci-agent" is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/x because no statement in the allowlist /etc/allow.json allows it',
    });
  });

  it('denies s3:GetObject on another bucket', async () => {
    const decision = await ask(resolved([['s3:GetObject', ['arn:aws:s3:::other/file.txt']]]));
    expect(decision).toMatchObject({ allowed: false, action: 's3:GetObject', resource: 'arn:aws:s3:::other/file.txt' });
  });

  it('denies s3:GetObject on a bucket whose name only starts with b', async () => {
    expect(await ask(resolved([['s3:GetObject', ['arn:aws:s3:::bb/file.txt']]]))).toMatchObject({ allowed: false });
  });

  it('an action with no resource is checked against *: allowed by a Resource * statement, denied with * named when no statement has the action', async () => {
    expect(await ask(resolved([['sts:GetCallerIdentity', []]], 'GetCallerIdentity', 'sts'))).toStrictEqual({ allowed: true });
    expect(await ask(resolved([['sts:AssumeRole', []]], 'AssumeRole', 'sts'))).toMatchObject({ allowed: false, action: 'sts:AssumeRole', resource: '*' });
  });

  it('denies a call with no resolved action, saying why', async () => {
    const decision = await ask(resolved([], 'Mystery', 'sts'));
    expect(decision).toMatchObject({ allowed: false, action: 'sts:Mystery', resource: '*' });
    expect(decision.allowed === false && decision.message).toContain('could not map this request to an IAM action');
  });

  it('denies an action AWS does not define (UNRESOLVED), saying so', async () => {
    const call = resolved([['s3:GetObject', ['arn:aws:s3:::b/k']]], 'NewThing');
    call.authorizations.push({ action: 's3:NewThing', known: false, resources: [] });
    const decision = await ask(call);
    expect(decision).toMatchObject({ allowed: false, action: 's3:NewThing' });
    expect(decision.allowed === false && decision.message).toContain('not an IAM action AWS defines');
  });

  it('an unresolved resource is decided as a resource the proxy cannot name', async () => {
    const call = resolved([['s3:GetObject']], 'GetObject');
    call.authorizations[0]!.resources.push({ arn: 'arn:aws:s3:::${BucketName}/${ObjectName}', resolved: false });
    expect(await ask(call)).toMatchObject({ allowed: false, action: 's3:GetObject', resource: '*' });
  });

  it('needs every action of a call: CopyObject with the source allowed but not the destination is denied on the destination', async () => {
    const decision = await ask(resolved([['s3:GetObject', ['arn:aws:s3:::b/src']], ['s3:PutObject', ['arn:aws:s3:::b/dst']]], 'CopyObject'));
    expect(decision).toMatchObject({ allowed: false, action: 's3:PutObject', resource: 'arn:aws:s3:::b/dst' });
  });

  it('needs every resource of an action', async () => {
    const decision = await ask(resolved([['s3:GetObject', ['arn:aws:s3:::b/ok', 'arn:aws:s3:::c/not-ok']]]));
    expect(decision).toMatchObject({ allowed: false, resource: 'arn:aws:s3:::c/not-ok' });
  });

  it('gives the same answer when asked again (cached)', async () => {
    const call = resolved([['s3:PutObject', ['arn:aws:s3:::b/x']]]);
    expect((await ask(call)).allowed).toBe(false);
    expect((await ask(call)).allowed).toBe(false);
    expect((await ask(resolved([['s3:GetObject', ['arn:aws:s3:::b/x']]]))).allowed).toBe(true);
  });

  it('an explicit Deny wins over an Allow', async () => {
    const decideWithDeny = createDecider(
      'enforce',
      allowlist([
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/protected/*' },
      ]),
    );
    const ask2 = (action: string, resource: string) => decideWithDeny({ call: resolved([[action, [resource]]]), agent: 'a', accountId: '123456789012' });
    expect((await ask2('s3:DeleteObject', 'arn:aws:s3:::b/protected/x')).allowed).toBe(false);
    expect((await ask2('s3:DeleteObject', 'arn:aws:s3:::b/scratch/x')).allowed).toBe(true);
    expect((await ask2('s3:PutObject', 'arn:aws:s3:::b/protected/x')).allowed).toBe(true);
  });

  it('NotAction allows everything except the listed actions', async () => {
    const decideNot = createDecider('enforce', allowlist([{ Effect: 'Allow', NotAction: ['iam:*', 's3:DeleteBucket'], Resource: '*' }]));
    const ask3 = (action: string, service: string) => decideNot({ call: resolved([[action]], 'Op', service), agent: 'a', accountId: undefined });
    expect((await ask3('s3:ListAllMyBuckets', 's3')).allowed).toBe(true);
    expect((await ask3('sts:GetCallerIdentity', 'sts')).allowed).toBe(true);
    expect((await ask3('iam:CreateUser', 'iam')).allowed).toBe(false);
    expect((await ask3('s3:DeleteBucket', 's3')).allowed).toBe(false);
  });

  it('without an allowlist, enforce mode allows (the config requires one)', async () => {
    expect(await createDecider('enforce', undefined)({ call: resolved([]), agent: 'a', accountId: undefined })).toStrictEqual({ allowed: true });
  });
});

describe('createDecider: actions AWS never asks permission for', () => {
  const ask = (statements: object[]) =>
    createDecider('enforce', allowlist(statements))({ call: resolved([['sts:GetCallerIdentity', []]], 'GetCallerIdentity', 'sts'), agent: 'a', accountId: '123456789012' });

  // iam-simulate allows sts:GetCallerIdentity whatever the policy says, as AWS does; an allowlist is literal.
  it('denies sts:GetCallerIdentity when the allowlist does not list it', async () => {
    expect(await ask([{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }])).toMatchObject({ allowed: false, action: 'sts:GetCallerIdentity' });
  });

  it('allows it when listed exactly, by a wildcard, or through NotAction', async () => {
    for (const Action of ['sts:GetCallerIdentity', 'STS:getcalleridentity', 'sts:Get*', 'sts:GetCaller?dentity', '*']) {
      expect(await ask([{ Effect: 'Allow', Action, Resource: '*' }])).toStrictEqual({ allowed: true });
    }
    expect(await ask([{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }])).toStrictEqual({ allowed: true });
  });

  it('does not count a conditional Allow, an Allow on a specific resource, or a listed action under a Deny', async () => {
    expect((await ask([{ Effect: 'Allow', Action: 'sts:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }])).allowed).toBe(false);
    expect((await ask([{ Effect: 'Allow', Action: 'sts:*', Resource: 'arn:aws:iam::123456789012:role/x' }])).allowed).toBe(false);
    expect((await ask([{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'sts:GetCaller*', Resource: '*' }])).allowed).toBe(false);
    expect((await ask([{ Effect: 'Allow', Action: 'sts:GetCallerIdentityX', Resource: '*' }])).allowed).toBe(false);
  });
});

describe('createDecider: conditions on the requested region', () => {
  const regional = allowlist([
    { Effect: 'Allow', Action: ['s3:GetObject', 'sqs:ListQueues'], Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
  ]);
  const ask = (action: string, resources: string[], region: string) =>
    createDecider('enforce', regional)({ call: resolved([[action, resources]], 'Op', 's3', region), agent: 'a', accountId: '123456789012' });

  it('allows the call in the region the condition names and denies it elsewhere', async () => {
    expect(await ask('s3:GetObject', ['arn:aws:s3:::b/k'], 'eu-west-1')).toStrictEqual({ allowed: true });
    expect((await ask('s3:GetObject', ['arn:aws:s3:::b/k'], 'us-east-1')).allowed).toBe(false);
    expect(await ask('sqs:ListQueues', [], 'eu-west-1')).toStrictEqual({ allowed: true });
    expect((await ask('sqs:ListQueues', [], 'us-west-2')).allowed).toBe(false);
  });
});
