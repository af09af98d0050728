import { runSimulation, type RunSimulationResults } from '@cloud-copilot/iam-simulate';
import type { ProxyMode } from '../../config.js';
import type { RequestContext, ResolvedCall } from '../resolve/types.js';
import type { Allowlist } from './allowlist.js';

export type Decision =
  | { allowed: true }
  | { allowed: false; action: string; resource: string; message: string };

export interface DecisionInput {
  call: ResolvedCall;
  agent: string;
  accountId: string | undefined;
}

export type Decider = (input: DecisionInput) => Promise<Decision>;

const ALLOW: Decision = { allowed: true };
/**
 * AWS lets any caller run these without a permission, and iam-simulate faithfully allows them
 * whatever the policy says. An allowlist is meant literally: the agent gets them only if listed.
 */
const FREE_IN_AWS = new Set(['sts:getcalleridentity']);
const CACHE_LIMIT = 10_000;
/**
 * Stands for "a resource the proxy could not name", and for actions without resource types:
 * iam-simulate evaluates those as one request (resultType "single"), the others against every
 * resource the allowlist could name (see verdictOnUnknownResource).
 */
const UNKNOWN_RESOURCE = '*';

/** Record mode allows everything; enforce mode allows a call only if every action it needs is allowed. */
export function createDecider(mode: ProxyMode, allowlist: Allowlist | undefined): Decider {
  if (mode === 'record' || !allowlist) return async () => ALLOW;
  const probes = probesOf(allowlist.policy);
  // iam-simulate re-parses the policy on every call; the same action on the same resource decides the same.
  const cache = new Map<string, Promise<Verdict>>();
  const verdictFor = (action: string, resource: string, accountId: string, context: RequestContext): Promise<Verdict> => {
    const key = `${action}\n${resource}\n${accountId}\n${JSON.stringify(context)}`;
    let result = cache.get(key);
    if (!result) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      result = FREE_IN_AWS.has(action.toLowerCase())
        ? Promise.resolve(listedLiterally(allowlist.policy, action) ? 'allowed' : 'denied')
        : resource === UNKNOWN_RESOURCE
          ? verdictOnUnknownResource(allowlist.policy, probes, action, accountId, context)
          : simulate(allowlist.policy, action, resource, accountId, context).then((r) => (isAllowed(r) ? 'allowed' : 'denied'));
      cache.set(key, result);
    }
    return result;
  };
  return async ({ call, agent, accountId = '000000000000' }) => {
    if (call.authorizations.length === 0) {
      return deny(agent, `${call.service}:${call.operation}`, '*', 'because iam-agent-proxy could not map this request to an IAM action');
    }
    for (const { action, known, resources, context: own } of call.authorizations) {
      if (!known) return deny(agent, action, '*', `because ${action} is not an IAM action AWS defines (iam-agent-proxy could not map this request)`);
      // Conditions are checked against the request's context keys and this action's own.
      const context: RequestContext = Object.assign({}, call.context, own);
      const names = resources.length === 0 ? [UNKNOWN_RESOURCE] : resources.map((r) => (r.resolved ? r.arn : UNKNOWN_RESOURCE));
      for (const resource of new Set(names)) {
        const verdict = await verdictFor(action, resource, accountId, context);
        if (verdict !== 'allowed') {
          const because =
            verdict === 'not-everywhere'
              ? `because iam-agent-proxy cannot tell which resource this call touches, and the allowlist ${allowlist.path} does not allow ${action} on every resource ("Resource": "*") without exception`
              : `because no statement in the allowlist ${allowlist.path} allows it`;
          return deny(agent, action, resource, because);
        }
      }
    }
    return ALLOW;
  };
}

/** `not-everywhere`: allowed on some resources, which is not enough when the resource is unknown. */
type Verdict = 'allowed' | 'denied' | 'not-everywhere';

/**
 * When the resource is unknown the call could touch any resource, so it is allowed only if an
 * unconditional Allow on `"Resource": "*"` covers the action and no Deny statement could apply
 * to it (fail closed). Actions without resource types are evaluated as they are.
 */
async function verdictOnUnknownResource(policy: unknown, probes: Probes, action: string, accountId: string, context: RequestContext): Promise<Verdict> {
  const result = await simulate(policy, action, '*', accountId, context);
  if (!isAllowed(result)) return 'denied';
  if (result.resultType === 'single') return 'allowed';
  if (!probes.allowEverywhere || !(await probeMatches(probes.allowEverywhere, action, accountId))) return 'not-everywhere';
  return probes.anyDeny && (await probeMatches(probes.anyDeny, action, accountId)) ? 'not-everywhere' : 'allowed';
}

function isAllowed(result: RunSimulationResults): boolean {
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}

interface Probes {
  /** The Allow statements that hold for every resource: `"Resource": "*"`, no Condition, no NotResource. */
  allowEverywhere: unknown;
  /** Every Deny statement, as an unconditional Allow on "*": "could a Deny apply to this action?" */
  anyDeny: unknown;
}

/** Policies that let iam-simulate answer questions about the actions alone, resources set aside. */
function probesOf(policy: unknown): Probes {
  const list = statementsOf(policy);
  const asProbe = ({ Action, NotAction }: Record<string, unknown>) => ({ Effect: 'Allow', ...(Action ? { Action } : { NotAction }), Resource: '*' });
  const coversEverything = (s: Record<string, unknown>) =>
    s.Effect === 'Allow' && !s.Condition && !s.NotResource && ([] as unknown[]).concat(s.Resource).includes('*');
  const policyOf = (picked: Array<Record<string, unknown>>) => (picked.length ? { Version: '2012-10-17', Statement: picked.map(asProbe) } : undefined);
  return { allowEverywhere: policyOf(list.filter(coversEverything)), anyDeny: policyOf(list.filter((s) => s.Effect === 'Deny')) };
}

async function probeMatches(probe: unknown, action: string, accountId: string): Promise<boolean> {
  return isAllowed(await simulate(probe, action, '*', accountId));
}

/**
 * For an action with no resource: an unconditional Allow on "*" names it and no Deny statement
 * does (a Deny with conditions counts: fail closed). Wildcards as IAM: `*` and `?`, any case.
 */
function listedLiterally(policy: unknown, action: string): boolean {
  const names = (statement: Record<string, unknown>) =>
    statement.Action !== undefined ? anyMatches(statement.Action, action) : !anyMatches(statement.NotAction, action);
  const statements = statementsOf(policy);
  const allowed = statements.some(
    (s) => s.Effect === 'Allow' && !s.Condition && !s.NotResource && ([] as unknown[]).concat(s.Resource).includes('*') && names(s),
  );
  return allowed && !statements.some((s) => s.Effect === 'Deny' && names(s));
}

function anyMatches(patterns: unknown, action: string): boolean {
  return ([] as unknown[]).concat(patterns ?? []).some((pattern) => {
    const regex = String(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${regex}$`, 'i').test(action);
  });
}

function statementsOf(policy: unknown): Array<Record<string, unknown>> {
  const statements = (policy as { Statement?: unknown }).Statement;
  return (Array.isArray(statements) ? statements : [statements]).filter(Boolean) as Array<Record<string, unknown>>;
}

function deny(agent: string, action: string, resource: string, because: string): Decision {
  return {
    allowed: false,
    action,
    resource,
    message: `User: iam-agent-proxy agent "${agent}" is not authorized to perform: ${action} on resource: ${resource} ${because}`,
  };
}

function simulate(policy: unknown, action: string, resource: string, accountId: string, context: RequestContext = {}): Promise<RunSimulationResults> {
  return runSimulation(
    {
      request: { principal: `arn:aws:iam::${accountId}:user/iam-agent-proxy`, action, resource: { resource, accountId }, contextVariables: context },
      identityPolicies: [{ name: 'allowlist', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
}
