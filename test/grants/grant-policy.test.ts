import { describe, expect, it } from 'vitest';
import { grantIdOf, grantStatement, policiesWithGrants, withGrants } from '../../src/grants/grant-policy.js';
import type { Grant } from '../../src/grants/types.js';
import type { AgentPolicy, PolicyMode } from '../../src/policy/types.js';

const grant = (id: string, actions: string[]): Grant => ({
  id,
  agent: 'claude',
  request: { actions, resources: ['arn:aws:s3:::b/*'], durationSeconds: 300, reason: 'r' },
  status: 'active',
  requestedAt: '2026-12-02T09:00:00.000Z',
  expiresAt: '2026-12-02T09:05:00.000Z',
  risk: { score: 1, factors: [] },
  newAccess: { actions, pairs: [] },
  signals: [],
});

const G1 = grant('g-00000000000000a1', ['s3:PutObject']);
const G2 = grant('g-00000000000000b2', ['s3:DeleteObject']);

describe('grant statements', () => {
  it('one Allow per grant, its Sid naming the grant', () => {
    expect(grantStatement(G1)).toEqual({ Sid: 'Grant00000000000000a1', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::b/*'] });
    expect(grantIdOf('Grant00000000000000a1')).toBe('g-00000000000000a1');
    expect(grantIdOf('Grant00000000000000A1')).toBeUndefined();
    expect(grantIdOf('ReadLogs')).toBeUndefined();
  });

  it('adds to the baseline, keeping its Deny statements (a grant never lifts a Deny)', () => {
    const deny = { Effect: 'Deny' as const, Action: 's3:*', Resource: 'arn:aws:s3:::secret/*' };
    expect(withGrants({ Version: '2012-10-17', Statement: deny }, [G1]).Statement).toEqual([deny, grantStatement(G1)]);
    expect(withGrants(undefined, [G1, G2]).Statement).toEqual([grantStatement(G1), grantStatement(G2)]);
  });
});

describe('policiesWithGrants', () => {
  const baseline = (mode: PolicyMode): AgentPolicy => ({ mode, policy: { Version: '2012-10-17', Statement: [] }, source: 'allow.json', version: 3 });

  it("gives each agent its own grants, the same object while the set is unchanged, a new one when it changes", () => {
    let active: Record<string, Grant[]> = { claude: [G1] };
    const set = policiesWithGrants({ forAgent: () => baseline('enforce') }, { activeFor: (agent) => active[agent] ?? [] });
    const first = set.forAgent('claude');
    expect(first.policy!.Statement).toEqual([grantStatement(G1)]);
    expect(first.source).toBe('allow.json + grants g-00000000000000a1');
    expect(set.forAgent('claude')).toBe(first);
    expect(set.forAgent('other')).toEqual(baseline('enforce'));
    active = { claude: [G2, G1] };
    const second = set.forAgent('claude');
    expect(second).not.toBe(first);
    expect(second.source).toBe('allow.json + grants g-00000000000000a1,g-00000000000000b2');
    active = {};
    expect(set.forAgent('claude')).toEqual(baseline('enforce'));
  });

  it('leaves record mode as it is', () => {
    const set = policiesWithGrants({ forAgent: () => baseline('record') }, { activeFor: () => [G1] });
    expect(set.forAgent('claude')).toEqual(baseline('record'));
  });
});
