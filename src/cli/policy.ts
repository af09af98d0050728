import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { actionLogPathFrom } from '../config.js';
import type { ActionRecord } from '../pipeline/log/action-log.js';
import { activityOf, type Activity } from '../policy/generate/activity.js';
import { policyGap } from '../policy/generate/diff.js';
import { generatePolicy } from '../policy/generate/generate.js';
import { OWN_CREDENTIALS, parseActionLog, recordsByRole, recordsInScope, type PolicyScope, type RecordFilter } from '../policy/generate/log-records.js';
import { OUTPUT_FORMATS, renderPolicies, type NamedPolicy, type OutputFormat } from '../policy/generate/render.js';
import { RESOURCE_MODES, type ResourceMode } from '../policy/generate/resource-scope.js';
import { parseSince } from '../policy/generate/since.js';
import type { PolicyDocument } from '../policy/types.js';
import { describeProblems, validatePolicyDocument } from '../policy/validate.js';
import { rotatedFiles } from '../pipeline/log/log-files.js';
import { parseOptions, UsageError } from './args.js';

export class PolicyInputError extends Error {}

/** What `iam-agent-proxy policy` was asked for. */
export interface PolicyRequest {
  scope: PolicyScope;
  filter: RecordFilter;
  resources: ResourceMode;
  format: OutputFormat;
  compact: boolean;
  output?: string;
  force: boolean;
  /** A policy file: print only what the activity needs beyond it. */
  diff?: string;
}

const SPEC = {
  'assumed-role': 'value',
  'by-assumed-role': 'flag',
  agent: 'value',
  since: 'value',
  resources: 'value',
  'include-blocked': 'flag',
  format: 'value',
  output: 'value',
  force: 'flag',
  compact: 'flag',
  diff: 'value',
} as const;

/** The command line as a request; any misuse is a one-line UsageError. */
export function policyRequestFrom(args: string[], now: Date): PolicyRequest {
  const options = parseOptions(args, SPEC);
  const value = (name: keyof typeof SPEC): string | undefined => (typeof options[name] === 'string' ? options[name] : undefined);
  if ('assumed-role' in options && 'by-assumed-role' in options) throw new UsageError('policy takes --assumed-role <ARN> or --by-assumed-role, not both');
  const role = value('assumed-role');
  const since = value('since');
  const sinceTime = since === undefined ? undefined : parseSince(since, now);
  if (since !== undefined && !sinceTime) throw new UsageError(`--since takes a duration (30m, 2h, 7d) or an ISO time (2026-11-23T14:00:00Z), not "${since}"`);
  if ('force' in options && !('output' in options)) throw new UsageError('--force only goes with --output <FILE>');
  return {
    scope: role !== undefined ? { kind: 'assumed-role', role } : 'by-assumed-role' in options ? { kind: 'by-assumed-role' } : { kind: 'own' },
    filter: { agent: value('agent'), since: sinceTime, includeBlocked: 'include-blocked' in options },
    resources: oneOf('resources', value('resources') ?? 'exact', RESOURCE_MODES),
    format: oneOf('format', value('format') ?? 'json', OUTPUT_FORMATS),
    compact: 'compact' in options,
    output: value('output'),
    force: 'force' in options,
    diff: value('diff'),
  };
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} takes ${allowed.join(', ')}, not "${value}"`);
  return value as T;
}

export interface PolicyIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: PolicyIo = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };

/**
 * `iam-agent-proxy policy`: the action log's activity as a least-privilege policy (or, with
 * --diff, what it needs beyond a policy), validated, then printed or written. Notes for the
 * reviewer go to stderr.
 */
export async function policyCommand(args: string[], env: NodeJS.ProcessEnv, io: PolicyIo = PROCESS_IO, now = new Date()): Promise<void> {
  const request = policyRequestFrom(args, now);
  const path = actionLogPathFrom(env);
  const baseline = request.diff === undefined ? undefined : await readPolicy(request.diff);
  // What the agent keeps being refused is exactly what a diff is for.
  const filter = { ...request.filter, includeBlocked: request.filter.includeBlocked || baseline !== undefined };
  const byRole = recordsByRole(parseActionLog(readActionLog(path)), filter);
  const chosen = recordsInScope(byRole, request.scope);
  const keyed = request.scope.kind === 'by-assumed-role';
  const policies: NamedPolicy[] = [];
  for (const [role, records] of chosen) {
    const note = (text: string) => io.stderr(`iam-agent-proxy: ${keyed ? `[${role}] ` : ''}${text}\n`);
    const activity = await activityToCover(records, baseline, request.diff, note);
    if (!activity) continue;
    if (activity.needs.length === 0 && !keyed) throw new PolicyInputError(emptyMessage(path, role, records, byRole, request));
    // One role with nothing to allow does not stop the others' policies.
    if (activity.needs.length === 0) {
      note(`no policy: ${emptyMessage(path, role, records, byRole, request)}`);
      continue;
    }
    const generated = await generatePolicy(activity, request);
    generated.notes.forEach(note);
    policies.push({ name: role === OWN_CREDENTIALS && !keyed ? ownName(request) : role, document: generated.document });
  }
  if (chosen.size === 0) throw new PolicyInputError(emptyMessage(path, OWN_CREDENTIALS, [], byRole, request));
  if (policies.length === 0 && baseline === undefined) throw new PolicyInputError(`${path} records nothing any policy can allow`);
  if (policies.length === 0) {
    io.stderr(`iam-agent-proxy: ${request.diff} already allows all the activity recorded in ${path}: nothing to add\n`);
    return;
  }
  const text = renderPolicies(request.format, policies, keyed);
  if (request.output === undefined) return io.stdout(text);
  writeAtomically(request.output, text, request.force);
  io.stderr(`iam-agent-proxy: wrote ${request.output}\n`);
}

/** The activity the policy must allow: all of it, or with a baseline what the baseline does not allow. Undefined: nothing left. */
async function activityToCover(records: ActionRecord[], baseline: PolicyDocument | undefined, baselinePath: string | undefined, note: (text: string) => void): Promise<Activity | undefined> {
  const activity = activityOf(records);
  if (!baseline || activity.needs.length === 0) return activity;
  const gap = await policyGap(activity.needs, baseline);
  const described = (needs: typeof gap.denied) => [...new Set(needs.map(({ action, resource }) => `${action} on ${resource?.resolved ? resource.arn : '*'}`))].join(', ');
  if (gap.denied.length) note(`explicitly denied by ${baselinePath}, which no Allow can change (look at its Deny statements): ${described(gap.denied)}`);
  if (gap.unevaluable.length) note(`cannot be evaluated (the IAM reference data lists no such resource type for the action), so enforce mode denies them whatever the policy says: ${described(gap.unevaluable)}`);
  return gap.missing.length ? { needs: gap.missing, unknownActions: activity.unknownActions } : undefined;
}

function ownName(request: PolicyRequest): string {
  return request.filter.agent === undefined ? 'iam-agent-proxy' : `iam-agent-proxy-${request.filter.agent}`;
}

/** Why there is nothing to make a policy of, and what to do. */
function emptyMessage(path: string, role: string, records: ActionRecord[], byRole: Map<string, ActionRecord[]>, request: PolicyRequest): string {
  const unknown = activityOf(records).unknownActions;
  if (unknown.length) return `${path} records only actions AWS does not define (${unknown.join(', ')}): no policy can allow them`;
  const whose = role === OWN_CREDENTIALS ? "the proxy's own credentials" : role;
  if (records.length) return `${path} records calls made with ${whose} that need no IAM action`;
  const { agent, since } = request.filter;
  const filters = `${agent === undefined ? '' : ` of agent ${agent}`}${since === undefined ? '' : ` since ${since.toISOString()}`}`;
  if (byRole.size === 0) return `${path} records no allowed AWS actions${filters || ' yet: run the agent through the proxy in record mode first'}`;
  const others = [...byRole.keys()].map((r) => (r === OWN_CREDENTIALS ? "the proxy's own credentials" : r));
  return `${path} records no allowed AWS actions${filters} for ${whose}; it has calls made as: ${others.join(', ')} (see --assumed-role <ARN> or --by-assumed-role)`;
}

async function readPolicy(path: string): Promise<PolicyDocument> {
  let policy: unknown;
  try {
    policy = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyInputError(`cannot read the policy ${path}: ${code ?? (error as Error).message}`);
  }
  const problems = await validatePolicyDocument(policy);
  if (problems.length) throw new PolicyInputError(`${path} is not a valid IAM policy: ${describeProblems(problems)}`);
  return policy as PolicyDocument;
}

/**
 * Written whole or not at all, 0644 (a policy is no secret, and others review it): a temporary
 * file beside the target, then a hard link (fails if the target exists) or, with --force, a
 * rename. Never overwritten by default: a proxy enforcing that file would take an unreviewed
 * policy on its next reload.
 */
function writeAtomically(path: string, text: string, force: boolean): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644, flag: 'wx' });
    chmodSync(temporary, 0o644); // whatever the umask
    if (force) renameSync(temporary, path);
    else linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new PolicyInputError(`${path} exists: pass --force to replace it`);
    throw new PolicyInputError(`cannot write ${path}: ${code ?? (error as Error).message}`);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // renamed away, or never made
    }
  }
}

/** The whole log: its rotated files, oldest first, then the live one. */
export function readActionLog(path: string): string {
  try {
    const rotated = rotatedFiles(path).map((file) => readFileSync(file, 'utf8'));
    return [...rotated, readFileSync(path, 'utf8')].join('');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PolicyInputError(`no action log at ${path}: start the proxy and run the agent through it first (or set ACTION_LOG_PATH)`);
    throw new PolicyInputError(`cannot read the action log ${path}: ${code ?? (error as Error).message}`);
  }
}
