import type { PolicyDocument } from '../types.js';
import type { Need } from './activity.js';
import type { ArnTemplates } from './arn-templates.js';
import { buildPolicy, type BuildOptions, type BuiltPolicy } from './build-policy.js';
import type { ResourceMode } from './resource-scope.js';

/** AWS's limit on a customer managed policy, in characters, white space not counted. */
export const MANAGED_POLICY_LIMIT = 6144;

/** The size AWS counts: the document without white space. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

export interface Compacted {
  built: BuiltPolicy;
  /** What was given up to fit, in order (empty when the first form fitted). */
  steps: string[];
  fits: boolean;
}

const WIDER: Record<ResourceMode, number> = { exact: 0, collapse: 1, wildcard: 2 };

/**
 * The least lossy form that fits the limit, trying in turn: Sids left out and the two `"*"`
 * statements merged (nothing allowed changes), resources collapsed, each service's statements
 * merged (an action gets its service's other resources), resources as wildcards. Each step
 * keeps the ones before; the last form is returned even if it does not fit.
 */
export function compactPolicy(needs: Need[], templates: ArnTemplates, mode: ResourceMode): Compacted {
  const ladder: Array<[string, Partial<BuildOptions>]> = [
    ['Sids left out and the "*" statements merged', { sids: false, mergeStars: true }],
    ...(WIDER[mode] < WIDER.collapse ? [['resources collapsed (--resources collapse)', { resources: 'collapse' }] as [string, Partial<BuildOptions>]] : []),
    ["each service's statements merged into one (its actions share its resources)", { mergeByService: true }],
    ...(WIDER[mode] < WIDER.wildcard ? [['resources widened to one pattern per type (--resources wildcard)', { resources: 'wildcard' }] as [string, Partial<BuildOptions>]] : []),
  ];
  let options: BuildOptions = { resources: mode, sids: true, mergeByService: false, mergeStars: false };
  let built = buildPolicy(needs, templates, options);
  const steps: string[] = [];
  for (const [step, change] of ladder) {
    if (policySize(built.document) <= MANAGED_POLICY_LIMIT) break;
    options = { ...options, ...change };
    built = buildPolicy(needs, templates, options);
    steps.push(step);
  }
  return { built, steps, fits: policySize(built.document) <= MANAGED_POLICY_LIMIT };
}
