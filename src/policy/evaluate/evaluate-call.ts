import type { RequestContext, ResolvedCall } from '../../pipeline/resolve/types.js';
import type { PolicyDocument } from '../types.js';
import { effectivePolicy, suppliedKeys, unknownResourcePolicy, type Adjustment, type EffectivePolicy } from './effective-policy.js';
import { evaluateAction, type EvaluationRequest, type ResourceVerdict } from './evaluate.js';

/** Every (action, resource) a call needs, each with its verdict; allowed only if all are. */
export interface CallEvaluation {
  allowed: boolean;
  results: ResourceVerdict[];
  /** Statements evaluated otherwise than written, because they use keys the proxy cannot supply. */
  adjustments: Adjustment[];
}

export interface CallEvaluator {
  /** Evaluates one action on one resource (evaluateAction, or a cache in front of it). */
  evaluate(request: EvaluationRequest): Promise<ResourceVerdict>;
  /** The policy as evaluated for an action whose own readable keys are these (memoise it: it depends on nothing else). */
  effective(service: string, readable: readonly string[]): EffectivePolicy;
}

/** The identity the real credentials belong to, and what the proxy knows of the request beyond the call. */
export interface Principal {
  arn: string;
  accountId: string;
}

/**
 * The fail-closed rule, in one place: an action AWS does not define is denied; an action on a
 * resource the proxy cannot name needs an Allow on `*` and no Deny naming the action; every
 * other (action, resource) is evaluated as IAM would, with the call's and the proxy's context.
 */
export async function evaluateCall(call: ResolvedCall, principal: Principal, globalContext: RequestContext, evaluator: CallEvaluator): Promise<CallEvaluation> {
  const results: ResourceVerdict[] = [];
  const adjustments = new Map<number, Adjustment>();
  for (const [i, authorization] of call.authorizations.entries()) {
    const { action, known, resources } = authorization;
    if (!known) {
      results.push({ action, resource: resources[0]?.arn ?? '*', resolved: false, verdict: 'unknown-action', statements: [] });
      continue;
    }
    const effective = evaluator.effective(action.split(':')[0]!, call.readableKeys?.[i] ?? []);
    for (const adjustment of effective.adjustments) adjustments.set(adjustment.index, adjustment);
    const context: RequestContext = Object.assign({}, globalContext, call.context, authorization.context);
    // No resource: an action on none (s3:ListAllMyBuckets), or one whose resource the request leaves
    // unnamed. Either way only an Allow on `*` will do, and any Deny naming the action applies.
    const targets = resources.length ? resources : [{ arn: '*', resolved: false }];
    for (const { arn, resolved } of targets) {
      const request = { policy: resolved ? effective.document : unknownPolicyOf(effective), principalArn: principal.arn, accountId: principal.accountId, action, resource: arn, resolved, context };
      results.push(await evaluator.evaluate(request));
    }
  }
  if (results.length === 0) results.push({ action: `${call.service}:${call.operation}`, resource: '*', resolved: false, verdict: 'unknown-action', statements: [] });
  return { allowed: results.every((r) => r.verdict === 'allowed'), results, adjustments: [...adjustments.values()] };
}

const unknownPolicies = new WeakMap<EffectivePolicy, PolicyDocument>();

function unknownPolicyOf(effective: EffectivePolicy): PolicyDocument {
  let policy = unknownPolicies.get(effective);
  if (!policy) unknownPolicies.set(effective, (policy = unknownResourcePolicy(effective.document)));
  return policy;
}

/** An evaluator with nothing cached: for tests and one-off checks. */
export function directEvaluator(policy: PolicyDocument): CallEvaluator {
  return {
    evaluate: evaluateAction,
    effective: (service, readable) => effectivePolicy(policy, suppliedKeys(service, readable), service),
  };
}
