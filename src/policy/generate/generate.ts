import type { PolicyDocument } from '../types.js';
import { describeProblems, validatePolicyDocument } from '../validate.js';
import type { Activity } from './activity.js';
import { loadArnTemplates } from './arn-templates.js';
import { buildPolicy } from './build-policy.js';
import { compactPolicy, MANAGED_POLICY_LIMIT, policySize } from './compact.js';
import type { ResourceMode } from './resource-scope.js';

export interface GenerateOptions {
  resources: ResourceMode;
  compact: boolean;
}

export interface GeneratedPolicy {
  document: PolicyDocument;
  /** For the reviewer, one line each (stderr): what was left out, what needs `*`, the size. */
  notes: string[];
}

/** A generated document failed validation: it is never printed. */
export class InvalidPolicyError extends Error {}

/**
 * The least-privilege policy for an activity: named resources as the mode says, `*` where
 * nothing narrower can work, validated (IAM grammar, every action AWS defines) before it is
 * returned. The notes list the unknown actions left out, the actions that need `*` because the
 * proxy could not name their resource, and the size against the managed-policy limit.
 */
export async function generatePolicy(activity: Activity, options: GenerateOptions): Promise<GeneratedPolicy> {
  const { needs } = activity;
  const templates = await loadArnTemplates(needs.map(({ action, resource }) => ({ action, type: resource?.type })));
  const notes: string[] = [];
  if (activity.unknownActions.length) notes.push(`left out, not actions AWS defines (the proxy could not map these requests): ${activity.unknownActions.join(', ')}`);
  let document: PolicyDocument;
  let unresolved: Map<string, string[]>;
  if (options.compact) {
    const compacted = compactPolicy(needs, templates, options.resources);
    ({ document, unresolved } = compacted.built);
    const size = policySize(document);
    if (compacted.steps.length) notes.push(`--compact: ${compacted.steps.join('; ')}`);
    if (!compacted.fits) notes.push(`still ${size} characters, over the ${MANAGED_POLICY_LIMIT} of a managed policy: split it (by service) into several policies`);
  } else {
    ({ document, unresolved } = buildPolicy(needs, templates, { resources: options.resources, sids: true, mergeByService: false, mergeStars: false }));
    const size = policySize(document);
    if (size > MANAGED_POLICY_LIMIT) notes.push(`warning: ${size} characters (white space aside), over the ${MANAGED_POLICY_LIMIT} AWS allows a managed policy: --compact shortens it`);
  }
  for (const [action, patterns] of unresolved) notes.push(`${action} on "*": the proxy could not name its resource (${patterns.join(', ')}); narrow it by hand if you know it`);
  const problems = await validatePolicyDocument(document);
  if (problems.length) throw new InvalidPolicyError(`the generated policy is not valid, not printed: ${describeProblems(problems)}`);
  return { document, notes };
}
