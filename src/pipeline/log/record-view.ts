import { actionNames, READABLE_RECORD_VERSIONS, verdictWord, type ActionRecord, type Verdict } from './action-log.js';
import type { HeaderRecord, LostRecord } from './chain.js';
import { grantLine, type GrantRecord } from './grant-record.js';

export const VERDICTS: readonly Verdict[] = ['allowed', 'blocked', 'would-block', 'refused'];

/** What `log` shows: records matching every filter given. */
export interface ViewFilter {
  agent?: string;
  decision?: Verdict;
  service?: string;
  /** Records at or after this instant. */
  since?: Date;
}

/** One line of the log as `log` reads it: an action record, a chain entry of another kind, or neither. */
export type LogEntry =
  | { kind: 'action'; record: ActionRecord }
  | { kind: 'header'; record: HeaderRecord }
  | { kind: 'lost'; record: LostRecord }
  | { kind: 'grant'; record: GrantRecord }
  | undefined;

export function entryOf(line: string): LogEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = value as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || !READABLE_RECORD_VERSIONS.includes(record.v as number)) return undefined;
  if (record.kind === 'header') return { kind: 'header', record: record as unknown as HeaderRecord };
  if (record.kind === 'lost') return { kind: 'lost', record: record as unknown as LostRecord };
  if (record.kind === 'grant' && typeof record.event === 'string' && Array.isArray(record.actions) && Array.isArray(record.resources)) return { kind: 'grant', record: record as unknown as GrantRecord };
  if (record.kind !== undefined || typeof record.decision !== 'string' || !Array.isArray(record.authorizations)) return undefined;
  return { kind: 'action', record: record as unknown as ActionRecord };
}

export function matches(entry: NonNullable<LogEntry>, filter: ViewFilter): boolean {
  if (filter.since && !(Date.parse(entry.record.time) >= filter.since.getTime())) return false;
  // A grant belongs to an agent, but is no call: no decision, no service.
  if (entry.kind === 'grant') return (filter.agent === undefined || entry.record.agent === filter.agent) && filter.decision === undefined && filter.service === undefined;
  // Starts and losses belong to no agent or service: shown only when the whole log is.
  if (entry.kind !== 'action') return filter.agent === undefined && filter.decision === undefined && filter.service === undefined;
  const record = entry.record;
  if (filter.agent !== undefined && record.agent !== filter.agent) return false;
  if (filter.decision !== undefined && record.decision !== filter.decision) return false;
  return filter.service === undefined || record.service === filter.service;
}

/** `2026-11-23 14:32:09` in local time, as the console shows the time of day. */
export function localTime(time: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) return time;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

const MAX_RESOURCES_SHOWN = 2;

/**
 * One line per entry, like the console's: `2026-11-23 14:32:09 ALLOWED  s3:GetObject by claude on
 * arn:aws:s3:::b/k (AccessDenied)`; several actions joined by commas, more than two resources counted.
 */
export function viewLine(entry: NonNullable<LogEntry>): string {
  const time = localTime(entry.record.time);
  if (entry.kind === 'header') {
    const what = entry.record.reason === 'rotate' ? `continued from ${entry.record.previousFile ?? '?'}` : `started iam-agent-proxy ${entry.record.version}`;
    return `${time} ${verdictWord('start')}${what} (instance ${entry.record.instance})`;
  }
  if (entry.kind === 'grant') return `${time} ${verdictWord('grant')}${grantLine(entry.record)}`;
  if (entry.kind === 'lost') return `${time} ${verdictWord('lost')}${entry.record.count} record(s) not written since ${localTime(entry.record.since)} (${entry.record.error})`;
  const record = entry.record;
  const error = record.error ? ` (${record.error})` : '';
  const by = record.agent ? ` by ${record.agent}` : record.client ? ` from ${record.client}` : '';
  const role = record.assumedRole ? ` as ${record.assumedRole}` : '';
  if (record.service === 'egress') return `${time} ${verdictWord(record.decision)}egress:${record.operation ?? '?'} ${record.host}${by}${error}`;
  const actions = actionNames(record).join(',');
  const arns = [...new Set(record.authorizations.flatMap((a) => a.resources.filter((r) => r.resolved).map((r) => r.arn)))];
  const more = arns.length > MAX_RESOURCES_SHOWN ? ` (+${arns.length - MAX_RESOURCES_SHOWN} more)` : '';
  const on = arns.length ? ` on ${arns.slice(0, MAX_RESOURCES_SHOWN).join(' ')}${more}` : '';
  return `${time} ${verdictWord(record.decision)}${actions}${by}${role}${on}${error}`;
}
