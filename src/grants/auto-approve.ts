import { formatDuration } from './duration.js';
import type { AccessLevel, AccessRequest, AutoApproveRule, RiskScore } from './types.js';

export interface ApprovalCandidate {
  agent: string;
  request: AccessRequest;
  /** One per expanded action; undefined for an action iam-data gives no level. */
  accessLevels: Array<AccessLevel | undefined>;
  risk: RiskScore;
}

/**
 * The first rule every set field of which the request meets, or, for the approver, why each rule
 * does not (one line per rule, `name: reason; reason`).
 */
export function autoApproval(rules: AutoApproveRule[], candidate: ApprovalCandidate): { rule: AutoApproveRule } | { rule: undefined; reasons: string[] } {
  const reasons: string[] = [];
  for (const rule of rules) {
    const unmet = unmetConditions(rule, candidate);
    if (!unmet.length) return { rule };
    reasons.push(`${rule.name}: ${unmet.join('; ')}`);
  }
  return { rule: undefined, reasons };
}

function unmetConditions(rule: AutoApproveRule, { agent, request, accessLevels, risk }: ApprovalCandidate): string[] {
  const unmet: string[] = [];
  if (rule.agents && !rule.agents.includes(agent)) unmet.push(`not for agent ${agent}`);
  if (rule.accessLevels) {
    const allowed = rule.accessLevels;
    // An unknown level is never one of them: the action may be anything.
    const outside = [...new Set(accessLevels.filter((level) => !level || !allowed.includes(level)).map((level) => level ?? 'unknown'))];
    if (outside.length) unmet.push(`${outside.join(', ')} access (only ${allowed.join(', ')})`);
  }
  if (rule.services) {
    const allowed = rule.services;
    // `*` alone has no service prefix, so it is in no list.
    const outside = [...new Set(request.actions.map((action) => (action.includes(':') ? action.split(':')[0]!.toLowerCase() : action)))].filter((service) => !allowed.includes(service));
    if (outside.length) unmet.push(`service ${outside.join(', ')} (only ${allowed.join(', ')})`);
  }
  if (rule.maxDurationSeconds !== undefined && request.durationSeconds > rule.maxDurationSeconds) {
    unmet.push(`${formatDuration(request.durationSeconds)} is longer than ${formatDuration(rule.maxDurationSeconds)}`);
  }
  const wildcard = request.resources.find((resource) => /[*?]/.test(resource));
  if (!rule.allowWildcardResources && wildcard !== undefined) unmet.push(`wildcard resource ${wildcard}`);
  if (rule.maxRisk !== undefined && risk.score > rule.maxRisk) unmet.push(`risk ${risk.score} is above ${rule.maxRisk}`);
  return unmet;
}
