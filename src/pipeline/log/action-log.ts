import type { Protocol } from '../../services/model.js';
import type { EvaluationSummary } from '../decide/decide.js';
import type { Authorization, RequestContext } from '../resolve/types.js';

/** allowed and would-block (shadow mode) calls were forwarded; blocked (enforce mode) and refused ones were not. */
export type Verdict = 'allowed' | 'blocked' | 'would-block' | 'refused';

/**
 * The version of the record below; readers (`policy`) check it. 3: as 2, plus `seq` and `prev` (the
 * hash chain, chain.ts) on every line, and header and lost-record lines (with `kind`) among them.
 */
export const ACTION_RECORD_VERSION = 3;
/** Versions whose action records read the same: 2 only lacks the chain. */
export const READABLE_RECORD_VERSIONS: readonly number[] = [2, 3];

/** One line of actions.log: what one request was, and what became of it. Never holds a secret. */
export interface ActionRecord {
  v: typeof ACTION_RECORD_VERSION;
  time: string;
  /** The agent's access key id (issued by this proxy) and its name; absent when authentication failed before. */
  accessKeyId: string | undefined;
  agent: string | undefined;
  /** Set when the call was made with a session the agent opened (AssumeRole and the like): what that session acts as. */
  assumedRole?: string;
  /** Egress refusals (service `egress`): the client's address:port, since no signature names an agent. */
  client?: string;
  /** The request's host; for egress refusals, the host:port the client asked to reach. */
  host: string;
  /** Catalog id of the service (`s3`, `cloudwatch`), when the host names one. */
  service: string | undefined;
  region: string | undefined;
  protocol: Protocol | undefined;
  operation: string | undefined;
  /** Per IAM action: its resources (type, resolved or not) and action-specific context. */
  authorizations: Authorization[];
  context: RequestContext | undefined;
  decision: Verdict;
  /** In enforce and shadow modes: the policy (source, version), and the statements that allowed the call or why it was denied. */
  evaluation?: EvaluationSummary;
  /** AWS error code for blocked/refused calls; for egress refusals, the reason. */
  error?: string;
  upstreamStatus: number | undefined;
  latencyMs: number;
}

/**
 * `[14:32:01] ALLOWED  s3:ListAllMyBuckets` — one line per action, in local time. An action AWS
 * does not define is shown as `UNRESOLVED <service>:<Operation>`.
 */
export function consoleLines(record: ActionRecord, now: Date): string[] {
  const time = clockTime(now);
  const word = verdictWord(record.decision);
  const detail = record.error ? ` (${record.error})` : '';
  // `REFUSED  egress:CONNECT example.com:443 by claude (not in the egress allowlist)`
  if (record.service === 'egress') return [`${time} ${word}egress:${record.operation ?? '?'} ${record.host}${record.agent ? ` by ${record.agent}` : ''}${detail}`];
  return actionNames(record).map((action) => `${time} ${word}${action}${detail}`);
}

/** `[14:32:01]`, in local time. */
export function clockTime(now: Date): string {
  return `[${[now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')}]`;
}

/** `ALLOWED  `, `WOULD-BLOCK  `: the word in capitals, then two spaces at least, the short words aligned. */
export function verdictWord(text: string): string {
  const upper = text.toUpperCase();
  return `${upper}${' '.repeat(Math.max(2, 9 - upper.length))}`;
}

/** The record's IAM actions (`UNRESOLVED <service>:<Operation>` for one AWS does not define), or its operation when it resolved to none. */
export function actionNames(record: ActionRecord): string[] {
  return record.authorizations.length
    ? record.authorizations.map((a) => (a.known ? a.action : `UNRESOLVED ${a.action}`))
    : [`${record.service ?? record.host}:${record.operation ?? '?'}`];
}
