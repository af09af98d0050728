import { runSimulation } from '@cloud-copilot/iam-simulate';
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

/** Record mode allows everything; enforce mode allows a call only if every action it needs is allowed. */
export function createDecider(mode: ProxyMode, allowlist: Allowlist | undefined): Decider {
  if (mode === 'record' || !allowlist) return async () => ALLOW;
  // iam-simulate re-parses the policy on every call; the same action on the same resource decides the same.
  const cache = new Map<string, Promise<boolean>>();
  const isAllowed = (action: string, resource: string, accountId: string): Promise<boolean> => {
    const key = `${action}\n${resource}\n${accountId}`;
    let result = cache.get(key);
    if (!result) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      result = evaluate(allowlist.policy, action, resource, accountId);
      cache.set(key, result);
    }
    return result;
  };
  return async ({ call, agent, accountId = '000000000000' }) => {
    if (call.actions.length === 0) {
      return deny(agent, `${call.service}:${call.operation ?? 'unknown operation'}`, '*', 'because iam-agent-proxy could not map this request to an IAM action');
    }
    for (const { action, resources } of call.actions) {
      for (const resource of resources.length ? resources : ['*']) {
        if (!(await isAllowed(action, resource, accountId))) {
          return deny(agent, action, resource, `because no statement in the allowlist ${allowlist.path} allows the ${action} action`);
        }
      }
    }
    return ALLOW;
  };
}

function deny(agent: string, action: string, resource: string, because: string): Decision {
  return {
    allowed: false,
    action,
    resource,
    message: `User: iam-agent-proxy agent "${agent}" is not authorized to perform: ${action} on resource: ${resource} ${because}`,
  };
}

async function evaluate(policy: unknown, action: string, resource: string, accountId: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${accountId}:user/iam-agent-proxy`,
        action,
        resource: { resource, accountId },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'allowlist', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}
