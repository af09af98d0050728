import { runSimulation, type RunSimulationResults } from '@cloud-copilot/iam-simulate';
import type { ProxyMode } from '../../config.js';
import type { ResolvedCall } from '../resolve/types.js';
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
const CACHE_LIMIT = 10_000;
/** Stands for "a resource the proxy could not name". */
const UNKNOWN_RESOURCE = '*';

/** Record mode allows everything; enforce mode allows a call only if every action it needs is allowed. */
export function createDecider(mode: ProxyMode, allowlist: Allowlist | undefined): Decider {
  if (mode === 'record' || !allowlist) return async () => ALLOW;
  const denyProbe = denyStatementsAsAllows(allowlist.policy);
  // iam-simulate re-parses the policy on every call; the same action on the same resource decides the same.
  const cache = new Map<string, Promise<boolean>>();
  const isAllowed = (action: string, resource: string, accountId: string): Promise<boolean> => {
    const key = `${action}\n${resource}\n${accountId}`;
    let result = cache.get(key);
    if (!result) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      result =
        resource === UNKNOWN_RESOURCE
          ? allowedOnEveryResource(allowlist.policy, denyProbe, action, accountId)
          : simulate(allowlist.policy, action, resource, accountId).then((r) => r.resultType !== 'error' && r.overallResult === 'Allowed');
      cache.set(key, result);
    }
    return result;
  };
  return async ({ call, agent, accountId = '000000000000' }) => {
    if (call.actions.length === 0) {
      return deny(agent, `${call.service}:${call.operation ?? 'unknown operation'}`, '*', 'because iam-agent-proxy could not map this request to an IAM action');
    }
    for (const { action, resources } of call.actions) {
      for (const resource of resources.length ? resources : [UNKNOWN_RESOURCE]) {
        if (!(await isAllowed(action, resource, accountId))) {
          const because =
            resource === UNKNOWN_RESOURCE
              ? `because iam-agent-proxy cannot tell which resource this call touches, and the allowlist ${allowlist.path} does not allow ${action} on every resource ("Resource": "*") without exception`
              : `because no statement in the allowlist ${allowlist.path} allows it`;
          return deny(agent, action, resource, because);
        }
      }
    }
    return ALLOW;
  };
}

/**
 * When the resource is unknown the call could touch any resource, so it is allowed only if the
 * allowlist allows the action on all of them and no Deny statement could apply to it (fail closed).
 */
async function allowedOnEveryResource(policy: unknown, denyProbe: unknown, action: string, accountId: string): Promise<boolean> {
  const result = await simulate(policy, action, '*', accountId);
  if (result.resultType === 'error' || result.overallResult !== 'Allowed') return false;
  if (result.resultType === 'single') return true; // the action has no resource types: fully evaluated
  const everywhere = result.results.some((r) => r.resourcePattern === '*' && r.analysis.result === 'Allowed');
  if (!everywhere || !denyProbe) return everywhere;
  const denies = await simulate(denyProbe, action, '*', accountId);
  return denies.resultType !== 'error' && denies.overallResult !== 'Allowed';
}

/** The policy's Deny statements turned into unconditional Allows on "*": "could any Deny apply to this action?" */
function denyStatementsAsAllows(policy: unknown): unknown {
  const statements = (policy as { Statement?: unknown }).Statement;
  const list = (Array.isArray(statements) ? statements : [statements]) as Array<Record<string, unknown>>;
  const probes = list
    .filter((s) => s?.Effect === 'Deny')
    .map(({ Action, NotAction }) => ({ Effect: 'Allow', ...(Action ? { Action } : { NotAction }), Resource: '*' }));
  return probes.length ? { Version: '2012-10-17', Statement: probes } : undefined;
}

function deny(agent: string, action: string, resource: string, because: string): Decision {
  return {
    allowed: false,
    action,
    resource,
    message: `User: iam-agent-proxy agent "${agent}" is not authorized to perform: ${action} on resource: ${resource} ${because}`,
  };
}

function simulate(policy: unknown, action: string, resource: string, accountId: string): Promise<RunSimulationResults> {
  return runSimulation(
    {
      request: { principal: `arn:aws:iam::${accountId}:user/iam-agent-proxy`, action, resource: { resource, accountId }, contextVariables: {} },
      identityPolicies: [{ name: 'allowlist', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
}
