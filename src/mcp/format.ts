import type { AgentScope, Grant, Preview, ServiceScope } from '../grants/types.js';
import { formatDuration } from '../grants/duration.js';

/** The readable text of each tool's answer, for an LLM agent; the same data goes out as structured content. */

/** Actions named per service before the rest are only counted (the structured content lists more). */
const ACTIONS_SHOWN = 10;

export function scopeText(scope: AgentScope): string {
  const lines = [`Agent "${scope.agent}", ${scope.mode} mode, baseline policy: ${scope.policy ?? 'none'}.`];
  lines.push(scope.services.length ? 'Allowed now, per service:' : 'No service is allowed now.');
  for (const service of scope.services) lines.push(...serviceLines(service));
  if (scope.grants.length) {
    lines.push('Active grants:');
    for (const grant of scope.grants) lines.push(`  ${grant.id}: ${accessText(grant)}, until ${grant.expiresAt ?? '?'}`);
  }
  lines.push(
    scope.mode === 'record'
      ? 'Record mode: every call is forwarded and recorded; no grant is needed.'
      : 'Anything else is outside your policy: check a call with preview_request, ask for more with request_access.',
  );
  return lines.join('\n');
}

function serviceLines(service: ServiceScope): string[] {
  const name = service.service === '*' ? '* (every service)' : service.service;
  const levels = service.accessLevels.length ? service.accessLevels.join(', ') : 'no known access level';
  const deny = service.denies ? '; a Deny statement limits some of its actions, and no grant can lift it' : '';
  const hidden = (service.actionCount ?? service.actions.length) - ACTIONS_SHOWN;
  const actions = service.actions.slice(0, ACTIONS_SHOWN).join(', ') + (hidden > 0 ? ` and ${hidden} more` : '');
  return [`  ${name}: ${levels} (from ${service.from.join(', ')}${deny})`, `    ${actions}`];
}

const VERDICT_TEXT: Record<string, (decidedBy: string) => string> = {
  allowed: (by) => `allowed by ${by}`,
  'implicit-deny': () => 'NOT allowed: no statement of the policy or of a grant allows it',
  'explicit-deny': (by) => `NOT allowed: denied by ${by} (a Deny: request_access cannot lift it)`,
  'unknown-action': () => 'NOT allowed: AWS defines no such action',
  'unresolved-resource': () => 'NOT allowed: the resource does not match what the action acts on',
};

export function previewText(preview: Preview): string {
  const lines = [preview.allowed ? 'Allowed: every call listed may be made now.' : 'Not allowed: at least one call would be denied.'];
  for (const result of preview.results) {
    const by = result.grant ? `grant ${result.grant}` : (result.statements.length ? `statement ${result.statements.join(', ')}` : 'the policy');
    const verdict = VERDICT_TEXT[result.verdict]?.(by) ?? `${result.verdict}${result.statements.length ? ` (${result.statements.join(', ')})` : ''}`;
    lines.push(`  ${result.action} on ${result.resource}: ${verdict}`);
  }
  if (preview.results.some((result) => result.verdict === 'implicit-deny')) lines.push('To ask for what no statement allows, use request_access.');
  return lines.join('\n');
}

export function grantText(grant: Grant): string {
  return [`Grant ${grant.id}: ${statusText(grant)}`, `  ${accessText(grant)}, asked for ${formatDuration(grant.request.durationSeconds)}; risk ${grant.risk.score}/10`].join('\n');
}

function statusText(grant: Grant): string {
  switch (grant.status) {
    case 'active':
      return `active until ${grant.expiresAt} (approved by ${grant.decidedBy}): it applies from your next AWS call. Release it with release_access when done.`;
    case 'pending':
      return 'pending: a person must approve it. Check it with grant_status now and then; do not ask again.';
    case 'denied':
      return `denied: ${grant.denyReason ?? 'no reason given'}`;
    case 'expired':
      return `expired at ${grant.expiresAt}`;
    default:
      return `${grant.status}${grant.endedAt ? ` at ${grant.endedAt}` : ''}`;
  }
}

function accessText(grant: Grant): string {
  return `${grant.request.actions.join(', ')} on ${grant.request.resources.join(', ')}`;
}
