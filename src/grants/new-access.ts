import { evaluateAction } from '../policy/evaluate/evaluate.js';
import type { PolicyDocument, PolicyStatement } from '../policy/types.js';
import { accessLevelOf } from './actions.js';
import { grantApplies } from './applies.js';
import type { AccessLevel, AccessPair, NewAccess } from './types.js';

export interface NewAccessInput {
  /** Expanded actions, as expandActions gives them. */
  expanded: string[];
  /** As requested: ARNs, ARN patterns, or `*`. */
  resources: string[];
  baseline: PolicyDocument | undefined;
  principalArn: string;
  accountId: string;
  /** How many pairs to list (default 200). */
  limit?: number;
}

const DEFAULT_LIMIT = 200;
/** Expanded actions kept with the grant: `*` expands to some 22,000, which the store writes on every change. */
const ACTIONS_KEPT = 500;
/**
 * The work is CPU on the proxy's one thread, and `*` on many resources would be millions of
 * pairs. Past either bound the list stops and is marked truncated: there may be more.
 */
const MAX_PAIRS_CONSIDERED = 100_000;
const MAX_EVALUATIONS = 5_000;
/** Pairs between yields to the event loop, so that other agents' calls are not held up. */
const PAIRS_PER_TURN = 100;

/**
 * The expanded actions × requested resources that the baseline does not already allow, each
 * with its access level: what approving the grant would add. Pairs that can never apply
 * (s3:ListBucket on an object) are left out. Errs towards listing: a pair the baseline allows
 * only under a condition counts (the context here is empty).
 */
export async function newAccess(input: NewAccessInput): Promise<NewAccess> {
  const limit = input.limit ?? DEFAULT_LIMIT;
  const found: Array<{ action: string; resource: string }> = [];
  let truncated = false;
  for await (const pair of uncoveredPairs(input)) {
    if (pair === OUT_OF_BUDGET || found.length === limit) {
      truncated = true;
      break;
    }
    found.push(pair);
  }
  const actions = input.expanded.slice(0, ACTIONS_KEPT);
  const counted = input.expanded.length > ACTIONS_KEPT ? { actionCount: input.expanded.length } : {};
  return { actions, ...counted, pairs: await withAccessLevels(found), ...(truncated ? { truncated } : {}) };
}

const OUT_OF_BUDGET = Symbol('out of budget');

/** The pairs that apply and the baseline does not allow, in order, action by action; OUT_OF_BUDGET ends them early. */
async function* uncoveredPairs({ expanded, resources, baseline, ...who }: NewAccessInput): AsyncGenerator<{ action: string; resource: string } | typeof OUT_OF_BUDGET> {
  let considered = 0;
  let evaluations = 0;
  for (const action of expanded) {
    for (const resource of resources) {
      if (++considered > MAX_PAIRS_CONSIDERED) {
        yield OUT_OF_BUDGET;
        return;
      }
      if (considered % PAIRS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      if (!(await grantApplies(action, resource))) continue;
      if (baseline) {
        if (++evaluations > MAX_EVALUATIONS) {
          yield OUT_OF_BUDGET;
          return;
        }
        if (await baselineAllows(baseline, action, resource, who)) continue;
      }
      yield { action, resource };
    }
  }
}

/**
 * The requested resource is evaluated as a name (resolved): its `*` and `?` are characters that
 * only a policy's own wildcards match. iam-simulate would otherwise match pattern against pattern,
 * and `b/*` would pass for an Allow on `b/a*`. The cost is over-reporting a pattern whose `*`
 * stands for a separator its resource type needs: s3:GetObject on `arn:aws:s3:::*` is listed
 * even under an Allow on `arn:aws:s3:::*`, as the name has no `/` for an object.
 */
async function baselineAllows(baseline: PolicyDocument, action: string, resource: string, who: Pick<NewAccessInput, 'principalArn' | 'accountId'>): Promise<boolean> {
  const policy = /[*?]/.test(resource) ? vouchingFor(baseline, resource) : baseline;
  const { verdict } = await evaluateAction({ policy, principalArn: who.principalArn, accountId: who.accountId, action, resource, resolved: true, context: {} });
  return verdict === 'allowed';
}

/**
 * The baseline with only the Allow statements that can cover a whole pattern. `*` (to
 * evaluateAction, "any resource") is covered by an Allow on `*` alone. Another pattern is covered
 * by an Allow whose Resource holds no `?`, which could match one of the pattern's `*` and no more,
 * and never by NotResource, which may carve out part of it. Deny statements all stay.
 */
function vouchingFor(baseline: PolicyDocument, resource: string): PolicyDocument {
  const vouches = (s: PolicyStatement) => {
    const named = ([] as string[]).concat(s.Resource ?? []);
    return s.Resource !== undefined && (resource === '*' ? named.includes('*') : !named.some((r) => r.includes('?')));
  };
  const statements = ([] as PolicyStatement[]).concat(baseline.Statement).filter((s) => s.Effect === 'Deny' || vouches(s));
  return { ...baseline, Statement: statements };
}

async function withAccessLevels(pairs: Array<{ action: string; resource: string }>): Promise<AccessPair[]> {
  const levels = new Map<string, AccessLevel | undefined>();
  for (const { action } of pairs) if (!levels.has(action)) levels.set(action, await accessLevelOf(action));
  return pairs.map((pair) => ({ ...pair, accessLevel: levels.get(pair.action) }));
}
