import { effectivePolicy, suppliedKeys, unknownResourcePolicy } from '../evaluate/effective-policy.js';
import { evaluateAction } from '../evaluate/evaluate.js';
import type { PolicyDocument } from '../types.js';
import type { Need } from './activity.js';

/** `error`: iam-simulate could not evaluate it (an ARN of a type the reference data does not list for the action); enforcement denies it. */
export type NeedVerdict = 'allowed' | 'implicit-deny' | 'explicit-deny' | 'error';

/**
 * What enforcement would say of one need under a policy, with its own evaluation
 * (src/policy/evaluate) and the context keys the call was logged with. The log does not hold
 * everything enforcement had: the service keys the proxy read are taken to be those the call
 * carried, and the caller's account to be the resource's own (only a KMS key of another account
 * could be judged otherwise).
 */
export async function verdictOf(policy: PolicyDocument, { action, resource, context }: Need): Promise<NeedVerdict> {
  const service = action.split(':')[0]!;
  const read = Object.keys(context).filter((key) => key.toLowerCase().startsWith(`${service.toLowerCase()}:`));
  const { document } = effectivePolicy(policy, suppliedKeys(service, read));
  const resolved = resource?.resolved === true;
  const accountId = resource?.arn.split(':')[4] || '000000000000';
  const { verdict } = await evaluateAction({
    // No resource, or one the request did not name: only an Allow on `*` will do, and any Deny naming the action applies.
    policy: resolved ? document : unknownResourcePolicy(document),
    principalArn: `arn:aws:iam::${accountId}:user/iam-agent-proxy`,
    accountId,
    action,
    resource: resource?.arn ?? '*',
    resolved,
    context,
  });
  return verdict === 'allowed' || verdict === 'explicit-deny' || verdict === 'error' ? verdict : 'implicit-deny';
}
