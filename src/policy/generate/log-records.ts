import type { ActionRecord } from '../../pipeline/log/action-log.js';
import { entryOf } from '../../pipeline/log/record-view.js';

/** The key calls made with the proxy's own credentials are filed under (records without assumedRole). */
export const OWN_CREDENTIALS = '(proxy credentials)';

/** Whose calls a policy is for: the proxy's own credentials, one assumed role, or each of them. */
export type PolicyScope = { kind: 'own' } | { kind: 'assumed-role'; role: string } | { kind: 'by-assumed-role' };

/** Which records a policy is made from. */
export interface RecordFilter {
  agent?: string;
  /** Records at or after this instant. */
  since?: Date;
  /** Blocked calls too (enforce mode said no): what the agent tried, not what it was given. */
  includeBlocked?: boolean;
}

/**
 * Forwarded calls are what the agent needed: `allowed`, and `would-block` (shadow mode forwarded
 * them although the policy on trial would not have). `refused` calls never count: their
 * signature, key or request was bad, so nothing says the agent needed them.
 */
const FORWARDED: ReadonlySet<string> = new Set(['allowed', 'would-block']);

/**
 * The action records (versions 2 and 3) in an action log's text; chain headers and lost-record
 * notes (`kind`), a line cut short by a crash, or one of another version are skipped.
 */
export function parseActionLog(text: string): ActionRecord[] {
  const records: ActionRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const entry = entryOf(line);
    if (entry?.kind === 'action') records.push(entry.record);
  }
  return records;
}

/** The records the filter keeps, by whose credentials they were made with (assumedRole, or OWN_CREDENTIALS). */
export function recordsByRole(records: ActionRecord[], filter: RecordFilter): Map<string, ActionRecord[]> {
  const byRole = new Map<string, ActionRecord[]>();
  const since = filter.since?.getTime();
  for (const record of records) {
    const decision: string = record.decision;
    if (!FORWARDED.has(decision) && !(filter.includeBlocked && decision === 'blocked')) continue;
    if (record.service === 'egress') continue; // non-AWS traffic: no IAM action to allow
    if (filter.agent !== undefined && record.agent !== filter.agent) continue;
    if (since !== undefined && !(Date.parse(record.time) >= since)) continue;
    const role = typeof record.assumedRole === 'string' ? record.assumedRole : OWN_CREDENTIALS;
    const list = byRole.get(role);
    if (list) list.push(record);
    else byRole.set(role, [record]);
  }
  return byRole;
}

/** The records of one scope, keyed by role (one entry unless --by-assumed-role). */
export function recordsInScope(byRole: Map<string, ActionRecord[]>, scope: PolicyScope): Map<string, ActionRecord[]> {
  if (scope.kind === 'by-assumed-role') return new Map([...byRole].sort(([a], [b]) => a.localeCompare(b)));
  const role = scope.kind === 'assumed-role' ? scope.role : OWN_CREDENTIALS;
  return new Map([[role, byRole.get(role) ?? []]]);
}
