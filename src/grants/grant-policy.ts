import type { AgentPolicy, PolicyDocument, PolicySet, PolicyStatement } from '../policy/types.js';
import type { Grant } from './types.js';

/** What the policy layer needs of the grants: an agent's active ones, read on every request. */
export interface ActiveGrants {
  activeFor(agent: string): Grant[];
}

const SID_PREFIX = 'Grant';
/** Combined policies remembered; a new set of active grants makes a new one, so old ones age out. */
const MEMO_LIMIT = 1000;

/** A grant as one Allow statement, its Sid naming it so a decision can say which grant allowed a call. */
export function grantStatement(grant: Grant): PolicyStatement {
  return { Sid: `${SID_PREFIX}${grant.id.slice(2)}`, Effect: 'Allow', Action: grant.request.actions, Resource: grant.request.resources };
}

/** `g-0123456789abcdef` for a statement a grant added, else undefined. */
export function grantIdOf(sid: string): string | undefined {
  const match = /^Grant([0-9a-f]{16})$/.exec(sid);
  return match ? `g-${match[1]}` : undefined;
}

/** The baseline's statements, then one per grant: a grant can add an Allow, never lift a Deny. */
export function withGrants(baseline: PolicyDocument | undefined, grants: Grant[]): PolicyDocument {
  const statements = baseline === undefined ? [] : Array.isArray(baseline.Statement) ? baseline.Statement : [baseline.Statement];
  return { Version: baseline?.Version ?? '2012-10-17', Statement: [...statements, ...grants.map(grantStatement)] };
}

/**
 * The policies in force with each agent's active grants added. The combined policy is memoised per
 * (baseline version, set of grants), so the decision cache, which keys on source and version, sees
 * a new policy exactly when the set changes: on approval, expiry, release or revoke.
 */
export function policiesWithGrants(policies: PolicySet, grants: ActiveGrants): PolicySet {
  const memo = new Map<string, AgentPolicy>();
  return {
    forAgent(agent) {
      const baseline = policies.forAgent(agent);
      // Record mode forwards everything; a grant changes nothing there.
      if (baseline.mode === 'record') return baseline;
      const active = grants.activeFor(agent);
      if (active.length === 0) return baseline;
      const ids = active.map((grant) => grant.id).sort().join(',');
      const key = `${baseline.source}\u0000${baseline.version}\u0000${ids}`;
      let combined = memo.get(key);
      if (!combined) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        combined = { ...baseline, policy: withGrants(baseline.policy, active), source: `${baseline.source} + grants ${ids}` };
        memo.set(key, combined);
      }
      return combined;
    },
  };
}
