import { expandIamActions } from '@cloud-copilot/iam-expand';
import { iamPattern } from '../policy/patterns.js';
import type { PolicyDocument, PolicyStatement } from '../policy/types.js';
import { actionProblem } from '../policy/validate.js';
import { accessLevelOf } from './actions.js';
import { ACCESS_LEVELS, type AccessLevel, type ServiceScope } from './types.js';

/** Actions listed per service: enough to read, few enough for an agent's context. */
const ACTIONS_LISTED = 50;
/** Statements that reach every service: `*`, `NotAction`, or a wildcard in the service prefix. */
const EVERY_SERVICE = '*';

interface Reach {
  levels: Set<AccessLevel>;
  actions: Set<string>;
  from: Set<string>;
}

/**
 * What the policies allow, per service: the access levels and actions some Allow statement
 * reaches (conditions and resources aside), where from, and whether a Deny names the service.
 * An outline for the agent, not a decision: preview asks the evaluator.
 */
export async function summarizeScope(sources: Array<{ from: string; policy: PolicyDocument }>): Promise<ServiceScope[]> {
  const reached = new Map<string, Reach>();
  const denied: string[] = [];
  for (const { from, policy } of sources) {
    for (const statement of ([] as PolicyStatement[]).concat(policy.Statement)) {
      const patterns = statement.NotAction !== undefined ? [EVERY_SERVICE] : ([] as string[]).concat(statement.Action ?? []);
      if (statement.Effect === 'Deny') denied.push(...patterns.map(servicePattern));
      else for (const pattern of patterns) await addReach(reached, pattern, from);
    }
  }
  return [...reached.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, reach]) => scopeOf(service, reach, denied));
}

async function addReach(reached: Map<string, Reach>, pattern: string, from: string): Promise<void> {
  if (/[*?]/.test(servicePattern(pattern))) {
    const reach = reachOf(reached, EVERY_SERVICE, from);
    ACCESS_LEVELS.forEach((level) => reach.levels.add(level));
    reach.actions.add(EVERY_SERVICE);
    return;
  }
  // A name AWS does not define reaches nothing (a validated policy has none).
  if (await actionProblem(pattern)) return;
  for (const action of await expandIamActions(pattern)) {
    const reach = reachOf(reached, action.split(':')[0]!, from);
    const level = await accessLevelOf(action);
    if (level) reach.levels.add(level);
    reach.actions.add(action);
  }
}

function reachOf(reached: Map<string, Reach>, service: string, from: string): Reach {
  let reach = reached.get(service);
  if (!reach) reached.set(service, (reach = { levels: new Set(), actions: new Set(), from: new Set() }));
  reach.from.add(from);
  return reach;
}

/** The service part of an action pattern, lower case: `*` for `*` alone. */
function servicePattern(pattern: string): string {
  return pattern.includes(':') ? pattern.split(':')[0]!.toLowerCase() : EVERY_SERVICE;
}

function scopeOf(service: string, reach: Reach, denied: string[]): ServiceScope {
  const actions = [...reach.actions].sort();
  // A Deny on any service narrows what `*` reaches.
  const denies = service === EVERY_SERVICE ? denied.length > 0 : denied.some((pattern) => iamPattern(pattern).test(service));
  return {
    service,
    accessLevels: ACCESS_LEVELS.filter((level) => reach.levels.has(level)),
    actions: actions.slice(0, ACTIONS_LISTED),
    ...(actions.length > ACTIONS_LISTED ? { actionCount: actions.length } : {}),
    from: [...reach.from],
    ...(denies ? { denies } : {}),
  };
}
