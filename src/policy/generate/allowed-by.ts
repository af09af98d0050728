import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, PolicyStatement } from '../types.js';
import type { Need } from './activity.js';

/** `error`: iam-simulate could not evaluate it (an ARN it cannot match to a resource type of the action); enforcement denies such calls. */
export type NeedVerdict = 'allowed' | 'implicit-deny' | 'explicit-deny' | 'error';

/** No account is known from the log alone; policies name accounts in ARNs, compared as written. */
const ACCOUNT = '000000000000';

/**
 * What an identity policy says of one need, by the proxy's enforcement rule, with
 * @cloud-copilot/iam-simulate and the context keys the call was logged with: a named resource is
 * evaluated as IAM would (its own `*` and `?` plain characters); an action on no resource type
 * against `*`; a resource the proxy could not name needs an Allow on `"Resource": "*"`, and any
 * Deny naming the action applies. Only the identity policy counts: what a key policy or trust
 * policy would add is the resource owner's business, not the allowlist's.
 */
export async function verdictOf(policy: PolicyDocument, need: Need): Promise<NeedVerdict> {
  const { resource } = need;
  const named = resource?.resolved === true;
  const evaluated = resource && !named ? onAnyResource(policy) : policy;
  if (([] as PolicyStatement[]).concat(evaluated.Statement).length === 0) return 'implicit-deny';
  const target = named ? literal(resource.arn) : resource ? resource.arn.replace(/\$\{[^}]*\}/g, 'unresolved') : '*';
  const result = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:user/iam-agent-proxy`, action: need.action, resource: { resource: target, accountId: ACCOUNT }, contextVariables: need.context },
      identityPolicies: [{ name: 'policy', policy: evaluated }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') return 'error';
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  const identity = analysis?.identityAnalysis?.result;
  // iam-simulate answers sts:GetCallerIdentity as AWS does, allowed to anyone, without reading the policy.
  if (identity === undefined) return listedVerdict(evaluated, need.action);
  return identity === 'Allowed' ? 'allowed' : identity === 'ExplicitlyDenied' ? 'explicit-deny' : 'implicit-deny';
}

/** Control characters no policy names stand for a resource's own `*` and `?`, so only the policy's wildcards match. */
function literal(arn: string): string {
  return arn.replace(/\*/g, '\u0001').replace(/\?/g, '\u0002');
}

/** The policy for a resource that could be any: Allows count only on `"*"`, every Deny applies whatever its resources. */
function onAnyResource(policy: PolicyDocument): PolicyDocument {
  const statements = ([] as PolicyStatement[]).concat(policy.Statement).flatMap((statement): PolicyStatement[] => {
    const { Resource, NotResource: _resources, ...rest } = statement;
    if (statement.Effect === 'Deny') return [{ ...rest, Resource: '*' }];
    return Resource !== undefined && ([] as string[]).concat(Resource).includes('*') ? [{ ...rest, Resource: '*' }] : [];
  });
  return { Version: policy.Version ?? '2012-10-17', Statement: statements };
}

/** For an action AWS lets anyone call: an unconditional Allow on `*` must name it, and any Deny naming it denies. */
function listedVerdict(policy: PolicyDocument, action: string): NeedVerdict {
  const names = (s: PolicyStatement) => (s.Action !== undefined ? matchesAny(s.Action, action) : !matchesAny(s.NotAction ?? [], action));
  const statements = ([] as PolicyStatement[]).concat(policy.Statement);
  if (statements.some((s) => s.Effect === 'Deny' && names(s))) return 'explicit-deny';
  const everywhere = (s: PolicyStatement) => !s.Condition && ([] as string[]).concat(s.Resource ?? []).includes('*');
  return statements.some((s) => s.Effect === 'Allow' && everywhere(s) && names(s)) ? 'allowed' : 'implicit-deny';
}

function matchesAny(patterns: string | string[], action: string): boolean {
  return ([] as string[]).concat(patterns).some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(action));
}
