import { formatDuration, parseDuration } from '../grants/duration.js';
import { GrantError, type Grant } from '../grants/types.js';
import { localTime } from '../pipeline/log/record-view.js';
import { askAdmin } from './admin-client.js';
import { parseOptions, UsageError } from './args.js';

type Io = { stdout(text: string): void };
const PROCESS_IO: Io = { stdout: (text) => process.stdout.write(text) };
/** New-access pairs shown per grant; `--json` has them all. */
const PAIRS_SHOWN = 10;

/** `grants [--all] [--agent NAME] [--json]` lists pending and active grants; `grants revoke ID` ends one. */
export async function grantsCommand(args: string[], env: NodeJS.ProcessEnv, io: Io = PROCESS_IO, now = Date.now()): Promise<void> {
  if (args[0] === 'revoke') {
    const [id, ...rest] = args.slice(1);
    if (id === undefined || id.startsWith('-')) throw new UsageError('grants revoke needs a grant id: iam-agent-proxy grants revoke g-0123456789abcdef');
    parseOptions(rest, {});
    const reply = await askAdmin(env, { op: 'revoke_grant', id });
    return io.stdout(`revoked ${(reply.grant as Grant).id}: it stops applying on the agent's next request\n`);
  }
  const options = parseOptions(args, { all: 'flag', agent: 'value', json: 'flag' });
  const reply = await askAdmin(env, { op: 'grants', ...(options.all ? { all: true } : {}), ...(typeof options.agent === 'string' ? { agent: options.agent } : {}) });
  const grants = sortedForReview(reply.grants as Grant[]);
  if (options.json) return io.stdout(`${JSON.stringify(grants, null, 2)}\n`);
  if (grants.length === 0) return io.stdout(options.all ? 'no grants\n' : 'no pending or active grants (--all shows ended ones)\n');
  io.stdout(grants.map((grant) => describeGrant(grant, now).join('\n')).join('\n\n') + '\n');
}

/** `approve ID [--ttl 30m]` */
export async function approveCommand(args: string[], env: NodeJS.ProcessEnv, io: Io = PROCESS_IO): Promise<void> {
  const [id, ...rest] = args;
  if (id === undefined || id.startsWith('-')) throw new UsageError('approve needs a grant id: iam-agent-proxy approve g-0123456789abcdef [--ttl 30m]');
  const options = parseOptions(rest, { ttl: 'value' });
  const ttl = options.ttl === undefined ? undefined : durationOption(options.ttl as string);
  const grant = (await askAdmin(env, { op: 'approve', id, ...(ttl === undefined ? {} : { ttl }) })).grant as Grant;
  io.stdout(`approved ${grant.id} for ${grant.agent} until ${localTime(grant.expiresAt!)}: it applies from the agent's next request\n`);
}

/** `deny ID --reason TEXT` */
export async function denyCommand(args: string[], env: NodeJS.ProcessEnv, io: Io = PROCESS_IO): Promise<void> {
  const [id, ...rest] = args;
  if (id === undefined || id.startsWith('-')) throw new UsageError('deny needs a grant id: iam-agent-proxy deny g-0123456789abcdef --reason "why"');
  const options = parseOptions(rest, { reason: 'value' });
  if (typeof options.reason !== 'string') throw new UsageError('deny needs --reason "why": the agent is shown it');
  const grant = (await askAdmin(env, { op: 'deny', id, reason: options.reason })).grant as Grant;
  io.stdout(`denied ${grant.id} for ${grant.agent}\n`);
}

function durationOption(text: string): number {
  try {
    return parseDuration(text, '--ttl');
  } catch (error) {
    if (error instanceof GrantError) throw new UsageError(error.message);
    throw error;
  }
}

/** Pending first (oldest first: they have waited longest), then active, then the rest, newest first. */
function sortedForReview(grants: Grant[]): Grant[] {
  const rank = (grant: Grant) => (grant.status === 'pending' ? 0 : grant.status === 'active' ? 1 : 2);
  return [...grants].sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? 1 : -1) * (Date.parse(b.requestedAt) - Date.parse(a.requestedAt)));
}

/** What an approver reads: the ask, what it adds beyond the baseline, its risk and why, and how to decide. */
export function describeGrant(grant: Grant, now: number): string[] {
  const { request } = grant;
  const lines = [`${grant.id}  ${grant.status.toUpperCase()}  agent ${grant.agent}  risk ${grant.risk.score}/10  requested ${localTime(grant.requestedAt)}${grant.heldCall ? '  (a held call)' : ''}`];
  lines.push(`  asks for ${request.actions.join(', ')} on ${request.resources.join(', ')} for ${formatDuration(request.durationSeconds)}`);
  lines.push(`  reason: ${request.reason}${request.ticket ? `  (ticket ${request.ticket})` : ''}`);
  const pairs = grant.newAccess.pairs;
  const shown = pairs.slice(0, PAIRS_SHOWN).map((pair) => `${pair.action} on ${pair.resource}${pair.accessLevel ? ` (${pair.accessLevel})` : ''}`);
  const more = pairs.length > PAIRS_SHOWN || grant.newAccess.truncated ? `, and ${grant.newAccess.truncated ? 'more' : pairs.length - PAIRS_SHOWN} more (--json)` : '';
  lines.push(pairs.length ? `  new access beyond the baseline: ${shown.join('; ')}${more}` : '  new access beyond the baseline: none (the baseline already allows all of it)');
  lines.push(`  risk factors: ${grant.risk.factors.map((f) => `+${f.points} ${f.detail}`).join('; ') || 'none'}`);
  for (const signal of grant.signals) lines.push(`  WARNING: ${signal}`);
  if (grant.status === 'pending') lines.push(`  decide: iam-agent-proxy approve ${grant.id} [--ttl 30m]   or   iam-agent-proxy deny ${grant.id} --reason "..."`);
  if (grant.status === 'active') lines.push(`  active until ${localTime(grant.expiresAt!)} (${formatDuration(Math.max(0, Math.round((Date.parse(grant.expiresAt!) - now) / 1000)))} left), approved by ${grant.decidedBy}; end it with: iam-agent-proxy grants revoke ${grant.id}`);
  if (grant.status === 'denied') lines.push(`  denied by ${grant.decidedBy}: ${grant.denyReason ?? ''}`);
  if (grant.status === 'expired' || grant.status === 'released' || grant.status === 'revoked') lines.push(`  ${grant.status} ${localTime(grant.endedAt ?? grant.requestedAt)}${grant.endedBy ? ` by ${grant.endedBy}` : ''}`);
  return lines;
}

