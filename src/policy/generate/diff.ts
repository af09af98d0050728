import type { PolicyDocument } from '../types.js';
import type { Need } from './activity.js';
import { verdictOf, type NeedVerdict } from './allowed-by.js';

export interface PolicyGap {
  /** What the policy does not allow: a fragment made from these adds exactly that. */
  missing: Need[];
  /** What a Deny refuses: no Allow can fix it; the Deny itself needs a look. */
  denied: Need[];
  /** What iam-simulate cannot evaluate (an ARN of a type the reference data does not list for the action): enforcement denies it whatever the policy says. */
  unevaluable: Need[];
}

/** The needs the policy does not allow, each evaluated with its own call's context. */
export async function policyGap(needs: Need[], policy: PolicyDocument): Promise<PolicyGap> {
  const verdicts = new Map<string, Promise<NeedVerdict>>();
  const gap: PolicyGap = { missing: [], denied: [], unevaluable: [] };
  for (const need of needs) {
    const key = JSON.stringify([need.action, need.resource?.arn, need.resource?.resolved, need.context]);
    let verdict = verdicts.get(key);
    if (!verdict) verdicts.set(key, (verdict = verdictOf(policy, need)));
    const result = await verdict;
    if (result === 'implicit-deny') gap.missing.push(need);
    if (result === 'explicit-deny') gap.denied.push(need);
    if (result === 'error') gap.unevaluable.push(need);
  }
  return gap;
}
