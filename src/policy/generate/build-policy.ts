import type { PolicyDocument, PolicyStatement } from '../types.js';
import type { Need } from './activity.js';
import type { ArnTemplates } from './arn-templates.js';
import { resourceOf, scopeResources, type PolicyResource, type ResourceMode } from './resource-scope.js';
import { NO_RESOURCE_SID, statementSid, uniqueNames, UNRESOLVED_SID } from './sids.js';

export interface BuildOptions {
  resources: ResourceMode;
  /** Readable Sids (`--compact` may leave them out). */
  sids: boolean;
  /** One statement per service on named resources: each action gets the others' resources (`--compact`, lossy). */
  mergeByService: boolean;
  /** The two `"*"` statements as one (`--compact`). */
  mergeStars: boolean;
}

export interface BuiltPolicy {
  document: PolicyDocument;
  /** Action → the ARN patterns it was logged with that the proxy could not fill in: they need `*`. */
  unresolved: Map<string, string[]>;
}

interface Draft {
  actions: string[];
  resources: PolicyResource[];
  sid: string;
}

/**
 * Allow statements for the needs: per action its resources (scoped as the mode says), actions
 * with identical resource sets in one statement, actions sorted. Actions on no resource type
 * share one `"*"` statement, actions whose resource the proxy could not name (logged
 * `resolved: false`) another: enforcement allows those only on `"*"`.
 */
export function buildPolicy(needs: Need[], templates: ArnTemplates, options: BuildOptions): BuiltPolicy {
  const named = new Map<string, Map<string, PolicyResource>>();
  const noResource = new Set<string>();
  const unresolved = new Map<string, Set<string>>();
  for (const { action, resource } of needs) {
    if (!resource) noResource.add(action);
    else if (!resource.resolved) unresolved.set(action, (unresolved.get(action) ?? new Set()).add(resource.arn));
    else {
      const resources = named.get(action) ?? new Map<string, PolicyResource>();
      named.set(action, resources.set(resource.arn, resourceOf(action, resource.arn, resource.type)));
    }
  }
  // An action allowed on "*" anyway needs nothing narrower.
  for (const action of [...noResource, ...unresolved.keys()]) named.delete(action);
  for (const action of unresolved.keys()) noResource.delete(action);

  const byResources = new Map<string, Draft>();
  for (const [action, resources] of named) {
    const scoped = scopeResources([...resources.values()], options.resources, templates);
    const key = options.mergeByService ? `service ${action.split(':')[0]}` : scoped.map((r) => r.arn).join('\n');
    const draft = byResources.get(key) ?? { actions: [], resources: [], sid: '' };
    draft.actions.push(action);
    draft.resources = options.mergeByService ? scopeResources([...draft.resources, ...scoped], 'exact', templates) : scoped;
    byResources.set(key, draft);
  }
  const drafts = [...byResources.values()].map((d) => ({ ...d, actions: sortedActions(d.actions), sid: statementSid(d.resources, templates) }));
  drafts.sort((a, b) => compare(a.actions[0]!, b.actions[0]!));
  const star = (actions: Iterable<string>, sid: string): Draft[] => {
    const list = sortedActions(actions);
    return list.length ? [{ actions: list, resources: [{ arn: '*' }], sid }] : [];
  };
  if (options.mergeStars) drafts.push(...star([...noResource, ...unresolved.keys()], NO_RESOURCE_SID));
  else drafts.push(...star(noResource, NO_RESOURCE_SID), ...star(unresolved.keys(), UNRESOLVED_SID));

  const sids = uniqueNames(drafts.map((d) => d.sid));
  const statements = drafts.map((draft, i): PolicyStatement => ({
    ...(options.sids ? { Sid: sids[i] } : {}),
    Effect: 'Allow',
    Action: draft.actions.length === 1 ? draft.actions[0]! : draft.actions,
    Resource: draft.resources.length === 1 ? policyArn(draft.resources[0]!.arn) : draft.resources.map((r) => policyArn(r.arn)),
  }));
  return {
    document: { Version: '2012-10-17', Statement: statements },
    unresolved: new Map([...unresolved].sort(([a], [b]) => compare(a, b)).map(([action, arns]) => [action, [...arns].sort()])),
  };
}

/**
 * A `$` in a logged ARN is the resource's own character (an S3 key may hold `${aws:username}`);
 * in a policy `${…}` is a variable, so it is written `${$}`. `*` and `?` stay wildcards: the
 * resolver writes patterns with them (`secret:prod/db-??????`).
 */
export function policyArn(arn: string): string {
  return arn.replace(/\$/g, '${$}');
}

function sortedActions(actions: Iterable<string>): string[] {
  return [...new Set(actions)].sort(compare);
}

/** Case-insensitive, then by code unit: the same order on every machine. */
function compare(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
