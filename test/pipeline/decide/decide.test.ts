import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/grants/types.js';
import { createDecider, type DecisionInput, type DenialHandler, type MissingAccess } from '../../../src/pipeline/decide/decide.js';
import type { RealIdentity } from '../../../src/pipeline/decide/global-context.js';
import type { Authorization, ResolvedCall } from '../../../src/pipeline/resolve/types.js';
import type { AgentPolicy, PolicyMode, PolicySet, PolicyStatement } from '../../../src/policy/types.js';

const IDENTITY: RealIdentity = { arn: 'arn:aws:iam::123456789012:user/runner', userId: 'AIDAEXAMPLE', account: '123456789012' };
const NOW = new Date('2026-12-02T09:00:00Z');

/** A call needing these actions on these (resolved) resources; none: an action without resource types. */
const call = (actions: Array<[action: string, resources?: string[]]>, region = 'us-east-1'): ResolvedCall => ({
  host: `s3.${region}.amazonaws.com`,
  service: 's3',
  signingName: 's3',
  region,
  partition: 'aws',
  protocol: 'restXml',
  operation: 'Op',
  authorizations: actions.map(([action, resources = []]): Authorization => ({ action, known: true, resources: resources.map((arn) => ({ arn, resolved: true })) })),
  context: { 'aws:RequestedRegion': region },
  disableDoubleEncoding: false,
});

/** A policy set whose policy can be swapped, as a reload does. */
function policies(mode: PolicyMode, statements: PolicyStatement[]): PolicySet & { swap(statements: PolicyStatement[]): void } {
  let current: AgentPolicy = { mode, policy: { Version: '2012-10-17', Statement: statements }, source: '/etc/policies.json#default', version: 1 };
  return {
    forAgent: () => current,
    swap(next) {
      current = { ...current, policy: { Version: '2012-10-17', Statement: next }, version: current.version + 1 };
    },
  };
}

const input = (resolvedCall: ResolvedCall, extra: Partial<DecisionInput> = {}): DecisionInput => ({
  call: resolvedCall,
  agent: 'claude',
  accountId: '123456789012',
  connection: { secure: true, sourceIp: '::ffff:127.0.0.1' },
  now: NOW,
  ...extra,
});

const READ: PolicyStatement = { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };

describe('createDecider', () => {
  it('record mode forwards everything without evaluating', async () => {
    const decide = createDecider(policies('record', [{ Effect: 'Deny', Action: '*', Resource: '*' }]), { identity: () => IDENTITY });
    expect(await decide(input(call([['s3:DeleteBucket', ['arn:aws:s3:::b']]])))).toEqual({ forward: true, verdict: 'allowed' });
  });

  it('enforce mode forwards an allowed call and names the statements that allowed it', async () => {
    const decide = createDecider(policies('enforce', [READ]), { identity: () => IDENTITY });
    expect(await decide(input(call([['s3:GetObject', ['arn:aws:s3:::b/k']]])))).toEqual({
      forward: true,
      verdict: 'allowed',
      evaluation: { mode: 'enforce', policy: '/etc/policies.json#default', version: 1, allowedBy: ['Read'] },
    });
  });

  it("enforce mode blocks with AWS's wording and the real identity, and logs why", async () => {
    const decide = createDecider(policies('enforce', [READ]), { identity: () => IDENTITY });
    const decision = await decide(input(call([['s3:GetObject', ['arn:aws:s3:::other/k']]])));
    expect(decision.forward).toBe(false);
    expect(decision.verdict).toBe('blocked');
    expect(decision.message).toBe(
      'User: arn:aws:iam::123456789012:user/runner is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::other/k because no identity-based policy allows the s3:GetObject action. ' +
        `To ask for this access, call the request_access tool of iam-agent-proxy's MCP server (iam-agent-proxy mcp) with actions ["s3:GetObject"] and resources ["arn:aws:s3:::other/k"] and your reason, or ask the person running iam-agent-proxy to grant it`,
    );
    expect(decision.evaluation?.denied).toEqual({ action: 's3:GetObject', resource: 'arn:aws:s3:::other/k', verdict: 'implicit-deny', statements: [] });
  });

  it('says "with an explicit deny" and names the Deny statement; a session is named by its role', async () => {
    const decide = createDecider(policies('enforce', [READ, { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::b/secret/*' }]), { identity: () => IDENTITY });
    const decision = await decide(input(call([['s3:GetObject', ['arn:aws:s3:::b/secret/k']]]), { assumedRole: 'arn:aws:iam::210987654321:role/deploy' }));
    expect(decision.message).toBe('User: arn:aws:iam::210987654321:role/deploy is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/secret/k with an explicit deny in an identity-based policy');
    expect(decision.evaluation?.denied?.statements).toEqual(['NoSecrets']);
  });

  it('shadow mode forwards what enforce would block, marked would-block', async () => {
    const decide = createDecider(policies('shadow', [READ]), { identity: () => IDENTITY });
    const blocked = await decide(input(call([['s3:PutObject', ['arn:aws:s3:::b/k']]])));
    expect(blocked).toMatchObject({ forward: true, verdict: 'would-block', evaluation: { mode: 'shadow', denied: { action: 's3:PutObject' } } });
    expect(await decide(input(call([['s3:GetObject', ['arn:aws:s3:::b/k']]])))).toMatchObject({ forward: true, verdict: 'allowed' });
  });

  it('a reloaded policy decides the next request: no verdict outlives its policy version', async () => {
    const set = policies('enforce', [READ]);
    const decide = createDecider(set, { identity: () => IDENTITY });
    const ask = () => decide(input(call([['s3:GetObject', ['arn:aws:s3:::b/k']]])));
    expect((await ask()).forward).toBe(true);
    set.swap([{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }]);
    expect((await ask()).forward).toBe(false);
  });

  it('a context key the policy uses keys the cache: the same call in another region is decided anew', async () => {
    const decide = createDecider(policies('enforce', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }]), { identity: () => IDENTITY });
    const ask = (region: string) => decide(input(call([['s3:GetObject', ['arn:aws:s3:::b/k']]], region)));
    expect((await ask('eu-west-1')).forward).toBe(true);
    expect((await ask('us-east-1')).forward).toBe(false);
    expect((await ask('eu-west-1')).forward).toBe(true);
  });

  it('supplies the connection, the clock and the real identity as context', async () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' }, IpAddress: { 'aws:SourceIp': '127.0.0.0/8' }, StringEquals: { 'aws:PrincipalAccount': '123456789012', 'aws:username': 'runner' }, DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } },
    };
    const decide = createDecider(policies('enforce', [statement]), { identity: () => IDENTITY });
    const get = call([['s3:GetObject', ['arn:aws:s3:::b/k']]]);
    expect((await decide(input(get))).forward).toBe(true);
    expect((await decide(input(get, { connection: { secure: false, sourceIp: '127.0.0.1' } }))).forward).toBe(false);
    expect((await decide(input(get, { connection: { secure: true, sourceIp: '10.0.0.1' } }))).forward).toBe(false);
    expect((await decide(input(get, { now: new Date('2027-06-01T00:00:00Z') }))).forward).toBe(false);
    expect((await createDecider(policies('enforce', [statement]), { identity: () => undefined })(input(get))).forward).toBe(false);
  });
});

describe('createDecider: time conditions', () => {
  const statement: PolicyStatement = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2026-12-02T12:00:00Z' } } };
  const get = call([['s3:GetObject', ['arn:aws:s3:::b/k']]]);

  it('decides by the clock, before and after the instant the policy names', async () => {
    const decide = createDecider(policies('enforce', [statement]), { identity: () => IDENTITY });
    expect((await decide(input(get, { now: new Date('2026-12-02T09:00:00Z') }))).forward).toBe(true);
    expect((await decide(input(get, { now: new Date('2026-12-02T11:59:59Z') }))).forward).toBe(true);
    expect((await decide(input(get, { now: new Date('2026-12-02T12:00:00Z') }))).forward).toBe(false);
    expect((await decide(input(get, { now: new Date('2026-12-02T13:00:00Z') }))).forward).toBe(false);
    expect((await decide(input(get, { now: new Date('2026-12-02T10:00:00Z') }))).forward).toBe(true);
  });
});

describe('createDecider: grants', () => {
  /** A denial handler that answers holds with the given status, adding the grant's Allow when active. */
  function handler(status: Grant['status'], set?: ReturnType<typeof policies>) {
    const noted: string[][] = [];
    const held: MissingAccess[][] = [];
    const grants: DenialHandler = {
      noteDenial: (_agent, actions) => void noted.push(actions),
      async hold(_agent, _call, missing) {
        held.push(missing);
        if (status === 'active') set?.swap([READ, { Sid: 'Grant00000000000000a1', Effect: 'Allow', Action: missing.map((m) => m.action), Resource: missing.map((m) => m.resource) }]);
        return { id: 'g-00000000000000a1', status, denyReason: status === 'denied' ? 'not now' : undefined } as Grant;
      },
    };
    return { grants, noted, held };
  }
  const put = call([['s3:PutObject', ['arn:aws:s3:::b/k']]]);

  it('tells the grants of every denial, and holds nothing in enforce mode', async () => {
    const { grants, noted, held } = handler('active');
    const decision = await createDecider(policies('enforce', [READ]), { identity: () => IDENTITY, grants })(input(put));
    expect(decision.forward).toBe(false);
    expect(noted).toEqual([['s3:PutObject']]);
    expect(held).toEqual([]);
  });

  it('ask mode holds a denied call for what it lacks, and forwards it once the grant is active', async () => {
    const set = policies('ask', [READ]);
    const { grants, held, noted } = handler('active', set);
    const decision = await createDecider(set, { identity: () => IDENTITY, grants })(input(put));
    expect(held).toEqual([[{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' }]]);
    expect(noted).toEqual([]); // the held call's own request does not "follow a denial"
    expect(decision).toMatchObject({ forward: true, verdict: 'allowed', evaluation: { mode: 'ask', allowedBy: ['Grant00000000000000a1'], heldFor: 'g-00000000000000a1' } });
  });

  it.each([
    ['denied', 'which is denied: not now'],
    ['pending', 'which was not decided in time'],
  ] as const)('ask mode: a %s grant leaves the call blocked, and the message says so', async (status, said) => {
    const { grants, noted } = handler(status);
    const decision = await createDecider(policies('ask', [READ]), { identity: () => IDENTITY, grants })(input(put));
    expect(decision).toMatchObject({ forward: false, verdict: 'blocked', evaluation: { heldFor: 'g-00000000000000a1' } });
    expect(noted).toEqual([['s3:PutObject']]);
    expect(decision.message).toMatch(new RegExp(`held for approval as grant g-00000000000000a1, ${said}\\)$`));
  });

  it('ask mode holds nothing a grant could not lift: an explicit Deny, an action AWS does not define', async () => {
    const { grants, held } = handler('active');
    const decide = createDecider(policies('ask', [READ, { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }]), { identity: () => IDENTITY, grants });
    const denied = await decide(input(put));
    expect(denied.forward).toBe(false);
    expect(denied.message).not.toContain('request_access');
    const unknown: ResolvedCall = { ...put, authorizations: [{ action: 's3:MadeUp', known: false, resources: [] }] };
    expect((await decide(input(unknown))).forward).toBe(false);
    expect(held).toEqual([]);
  });

  it('asks for * where the proxy cannot name the resource; shadow mode gives no hint (nothing is refused)', async () => {
    const { grants, held } = handler('denied');
    const unnamed: ResolvedCall = { ...put, authorizations: [{ action: 's3:PutObject', known: true, resources: [{ arn: 'arn:aws:s3:::${BucketName}/${ObjectName}', resolved: false }] }] };
    await createDecider(policies('ask', [READ]), { identity: () => IDENTITY, grants })(input(unnamed));
    expect(held).toEqual([[{ action: 's3:PutObject', resource: '*' }]]);
    const shadow = await createDecider(policies('shadow', [READ]), { identity: () => IDENTITY, grants })(input(put));
    expect(shadow.message).not.toContain('request_access');
  });

  it('ask mode: a hold the grants refuse (too many waiting) leaves the call blocked, saying why', async () => {
    const grants: DenialHandler = {
      noteDenial: () => {},
      hold: () => Promise.reject(new Error('agent claude already has 20 requests waiting for a decision')),
    };
    const decision = await createDecider(policies('ask', [READ]), { identity: () => IDENTITY, grants })(input(put));
    expect(decision.forward).toBe(false);
    expect(decision.message).toMatch(/\(not held for approval: agent claude already has 20 requests waiting for a decision\)$/);
  });
});
