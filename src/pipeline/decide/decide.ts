import { conditionKeysOf, effectivePolicy, suppliedKeys, timeThresholdsOf, type EffectivePolicy } from '../../policy/evaluate/effective-policy.js';
import { evaluateCall, type CallEvaluator } from '../../policy/evaluate/evaluate-call.js';
import { evaluateAction, type EvaluationRequest, type ResourceVerdict } from '../../policy/evaluate/evaluate.js';
import type { AgentPolicy, PolicyMode, PolicySet } from '../../policy/types.js';
import type { Grant } from '../../grants/types.js';
import type { RequestContext, ResolvedCall } from '../resolve/types.js';
import { evaluatedPrincipal, globalContext, type Connection, type RealIdentity } from './global-context.js';
import { askingHint, denialMessage } from './messages.js';

export interface DecisionInput {
  call: ResolvedCall;
  agent: string;
  /** The account resources are named in: a session's, else the real one; undefined while unknown. */
  accountId: string | undefined;
  /** Set for a call made with a session the agent opened: who the session acts as. */
  assumedRole?: string;
  connection: Connection;
  now: Date;
}

/** What the log says of a decision made by evaluation (enforce and shadow modes). */
export interface EvaluationSummary {
  mode: PolicyMode;
  /** Where the policy came from, and which version of it was in force. */
  policy: string;
  version: number;
  /** The statements that allowed the call, or the first (action, resource) it was denied and why. */
  allowedBy?: string[];
  denied?: Pick<ResourceVerdict, 'action' | 'resource' | 'verdict' | 'statements'>;
  /** Ask mode: the grant asked for while the call was held. */
  heldFor?: string;
}

export interface Decision {
  /** Whether the call goes upstream. */
  forward: boolean;
  /** For the log: allowed, blocked (enforce said no) or would-block (shadow would have said no). */
  verdict: 'allowed' | 'blocked' | 'would-block';
  /** The AccessDenied message, when the call is or would be denied. */
  message?: string;
  evaluation?: EvaluationSummary;
}

export type Decider = (input: DecisionInput) => Promise<Decision>;

export interface DeciderOptions {
  /** The identity the real credentials belong to (sts:GetCallerIdentity), once known. */
  identity(): RealIdentity | undefined;
  /** Just-in-time access: told of every denial, and in ask mode asked to hold a denied call. */
  grants?: DenialHandler;
}

/** What the grants do with a denied call (src/grants/access-service.ts). */
export interface DenialHandler {
  /** For the detection signal "a request that follows a denial of the same action". */
  noteDenial(agent: string, actions: string[]): void;
  /** Ask mode: asks a person for what the call lacks and waits; the grant as it stands then. */
  hold(agent: string, call: ResolvedCall, missing: MissingAccess[]): Promise<Grant>;
}

/** An (action, resource) the policy did not allow; `*` for a resource the proxy cannot name. */
export interface MissingAccess {
  action: string;
  resource: string;
}

const ALLOW: Decision = { forward: true, verdict: 'allowed' };
/** Bounds the cache; a policy reload starts a new version and so new keys. */
const CACHE_LIMIT = 20_000;

/**
 * Modes over evaluation: record forwards everything unevaluated; enforce forwards what the agent's
 * policy allows; shadow evaluates as enforce and forwards everything; ask is enforce, but a denied
 * call is held while a person decides whether to grant what it lacks. Evaluations are cached by
 * (policy version, principal, action, resource, the context keys the policy uses): iam-simulate
 * takes about half a millisecond per evaluation, a cache hit a few microseconds.
 */
export function createDecider(policies: PolicySet, options: DeciderOptions): Decider {
  const evaluator = cachedEvaluator();
  const decideOnce = async (input: DecisionInput): Promise<{ decision: Decision; missing: MissingAccess[] }> => {
    const agentPolicy = policies.forAgent(input.agent);
    if (agentPolicy.mode === 'record' || !agentPolicy.policy) return { decision: ALLOW, missing: [] };
    const identity = options.identity();
    const principal = evaluatedPrincipal(identity, input.accountId, input.assumedRole);
    const principalArn = principal.arn;
    const evaluation = await evaluateCall(input.call, principal, globalContext(input.connection, input.now, identity), evaluator.for(agentPolicy));
    const summary: EvaluationSummary = { mode: agentPolicy.mode, policy: agentPolicy.source, version: agentPolicy.version };
    const denials = evaluation.results.filter((r) => r.verdict !== 'allowed');
    const denied = denials[0];
    if (!denied) {
      summary.allowedBy = [...new Set(evaluation.results.flatMap((r) => r.statements))];
      return { decision: { forward: true, verdict: 'allowed', evaluation: summary }, missing: [] };
    }
    summary.denied = { action: denied.action, resource: denied.resource, verdict: denied.verdict, statements: denied.statements };
    // Only what a grant can add: an action AWS does not define, or one a Deny names, cannot be granted.
    const grantable = denials.every((r) => r.verdict === 'implicit-deny' || r.verdict === 'unresolved-resource');
    const missing = grantable ? denials.map((r) => ({ action: r.action, resource: r.verdict === 'implicit-deny' ? r.resource : '*' })) : [];
    const message = denialMessage(principalArn, denied) + (agentPolicy.mode !== 'shadow' && grantable ? askingHint(missing) : '');
    const decision: Decision = agentPolicy.mode === 'shadow' ? { forward: true, verdict: 'would-block', message, evaluation: summary } : { forward: false, verdict: 'blocked', message, evaluation: summary };
    return { decision, missing };
  };
  return async (input) => {
    const { decision, missing } = await decideOnce(input);
    if (decision.verdict === 'allowed') return decision;
    // Noted after a hold, not before: the held call's own request does not follow a denial.
    const denied = () => options.grants?.noteDenial(input.agent, [...new Set((missing.length ? missing : [decision.evaluation!.denied!]).map((m) => m.action))]);
    if (decision.evaluation?.mode !== 'ask' || !options.grants || missing.length === 0) {
      denied();
      return decision;
    }
    let grant: Grant;
    try {
      grant = await options.grants.hold(input.agent, input.call, missing);
    } catch (error) {
      denied();
      // Too many requests waiting already, say: the call is refused, not held.
      return { ...decision, message: `${decision.message} (not held for approval: ${(error as Error).message})` };
    }
    if (grant.status === 'active') {
      const after = (await decideOnce(input)).decision;
      return { ...after, evaluation: { ...after.evaluation!, heldFor: grant.id } };
    }
    denied();
    const outcome = grant.status === 'pending' ? 'was not decided in time' : `is ${grant.status}${grant.denyReason ? `: ${grant.denyReason}` : ''}`;
    return { ...decision, message: `${decision.message} (held for approval as grant ${grant.id}, which ${outcome})`, evaluation: { ...decision.evaluation, heldFor: grant.id } };
  };
}

/** Evaluators per policy in force, sharing one bounded cache of verdicts and of effective policies. */
function cachedEvaluator(): { for(policy: AgentPolicy): CallEvaluator } {
  const verdicts = new Map<string, Promise<ResourceVerdict>>();
  const effective = new Map<string, EffectivePolicy>();
  const keysByPolicy = new WeakMap<object, PolicyKeys>();
  // The documents evaluated (effective policies, their unknown-resource forms) are cached, so an id per object is stable.
  const documentIds = new WeakMap<object, number>();
  let nextId = 0;
  const documentId = (document: object): number => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = nextId++));
    return id;
  };
  return {
    for(agentPolicy) {
      const policy = agentPolicy.policy!;
      let used = keysByPolicy.get(policy);
      if (!used) keysByPolicy.set(policy, (used = { keys: [...conditionKeysOf(policy)], thresholds: timeThresholdsOf(policy) }));
      const keys = used;
      const scope = `${agentPolicy.source}\u0000${agentPolicy.version}`;
      return {
        effective(service, readable) {
          const key = `${scope}\u0000${service}\u0000${readable.join(',')}`;
          let found = effective.get(key);
          if (!found) {
            if (effective.size >= CACHE_LIMIT) effective.clear();
            effective.set(key, (found = effectivePolicy(policy, suppliedKeys(service, readable), service)));
          }
          return found;
        },
        evaluate(request: EvaluationRequest) {
          const key = `${documentId(request.policy)}\u0000${request.principalArn}\u0000${request.action}\u0000${request.resource}\u0000${request.resolved}${relevantContext(request.context, keys)}`;
          let verdict = verdicts.get(key);
          if (!verdict) {
            if (verdicts.size >= CACHE_LIMIT) verdicts.clear();
            verdict = evaluateAction(request);
            verdicts.set(key, verdict);
          }
          return verdict;
        },
      };
    },
  };
}

/** The context keys a policy uses, lowercased, and the instants its time conditions name. */
interface PolicyKeys {
  keys: string[];
  thresholds: number[];
}

const TIME_KEYS = new Set(['aws:currenttime', 'aws:epochtime']);

/**
 * The values of the context keys a policy's conditions use (IAM matches key names in any case);
 * nothing else changes a verdict. The clock counts only by where it falls among the policy's instants.
 */
function relevantContext(context: RequestContext, used: PolicyKeys): string {
  if (used.keys.length === 0) return '';
  let text = '';
  for (const key of used.keys) {
    for (const name in context) {
      if (name.toLowerCase() !== key) continue;
      text += TIME_KEYS.has(key) ? `\u0000${key}@${clockPosition(context[name]!, key, used.thresholds)}` : `\u0000${key}=${JSON.stringify(context[name])}`;
    }
  }
  return text;
}

/** Before, at or after each instant: `-0+` for a clock between the first two of three. */
function clockPosition(value: RequestContext[string], key: string, thresholds: number[]): string {
  const text = String(value);
  const now = key === 'aws:epochtime' ? Number(text) * 1000 : Date.parse(text);
  return thresholds.map((t) => (now < t ? '-' : now === t ? '0' : '+')).join('');
}
