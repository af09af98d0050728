import type { GrantEvent } from '../../grants/grant-store.js';
import type { Grant } from '../../grants/types.js';
import { ACTION_RECORD_VERSION, clockTime, verdictWord } from './action-log.js';

/**
 * A grant's change in the chained action log, beside the calls it let through: who asked for what
 * and why, who decided, until when, its risk and the detection signals. The audit trail of access
 * that never reached CloudTrail as an IAM change.
 */
export interface GrantRecord {
  v: typeof ACTION_RECORD_VERSION;
  kind: 'grant';
  time: string;
  event: GrantEvent;
  grant: string;
  agent: string;
  actions: string[];
  resources: string[];
  durationSeconds: number;
  reason: string;
  ticket?: string;
  /** `rule:<name>`, `cli`, `web`, `timeout`. */
  by?: string;
  expiresAt?: string;
  denyReason?: string;
  risk: number;
  signals?: string[];
  heldCall?: true;
}

export function grantRecord(event: GrantEvent, grant: Grant, now: Date): GrantRecord {
  const by = event === 'revoked' ? grant.endedBy : event === 'approved' || event === 'denied' ? grant.decidedBy : undefined;
  return {
    v: ACTION_RECORD_VERSION,
    kind: 'grant',
    time: now.toISOString(),
    event,
    grant: grant.id,
    agent: grant.agent,
    actions: grant.request.actions,
    resources: grant.request.resources,
    durationSeconds: grant.request.durationSeconds,
    reason: grant.request.reason,
    ...(grant.request.ticket ? { ticket: grant.request.ticket } : {}),
    ...(by ? { by } : {}),
    ...(event === 'approved' ? { expiresAt: grant.expiresAt } : {}),
    ...(grant.denyReason ? { denyReason: grant.denyReason } : {}),
    risk: grant.risk.score,
    ...(event === 'requested' && grant.signals.length ? { signals: grant.signals } : {}),
    ...(grant.heldCall ? { heldCall: true as const } : {}),
  };
}

/** `GRANT    approved g-… for claude: s3:GetObject on arn:aws:s3:::b/* until 14:40:02 (rule:reads, risk 3)`, without the time. */
export function grantLine(record: GrantRecord): string {
  const what = `${record.actions.join(',')} on ${record.resources.join(' ')}`;
  const details = [record.by, `risk ${record.risk}`, record.expiresAt && `until ${record.expiresAt}`, record.denyReason && `reason: ${record.denyReason}`].filter(Boolean).join(', ');
  const signals = record.signals?.length ? `; WARNING: ${record.signals.join('; ')}` : '';
  return `${record.event} ${record.grant} for ${record.agent}: ${what} (${details})${signals}`;
}

/** The console's line: `[14:32:01] GRANT    approved g-… for claude: …`. */
export function grantConsoleLine(record: GrantRecord, now: Date): string {
  return `${clockTime(now)} ${verdictWord('grant')}${grantLine(record)}`;
}
