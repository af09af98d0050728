import { readFileSync } from 'node:fs';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../pipeline/log/action-log.js';

export class PolicyInputError extends Error {}

/** Whose calls a policy is for: the proxy's own credentials, one assumed role, or each of them. */
export type PolicyScope = { kind: 'own' } | { kind: 'assumed-role'; role: string } | { kind: 'by-assumed-role' };

/** The key `--by-assumed-role` files calls made with the proxy's own credentials under. */
export const OWN_CREDENTIALS = '(proxy credentials)';

/**
 * Pure: the least-privilege policy for the actions the log shows were allowed through. Actions
 * AWS does not define (UNRESOLVED) are left out: no policy can allow them. Calls made with a
 * session the agent opened (AssumeRole…) need that role's permissions, not the proxy's, so they
 * are kept apart: by default the policy is for the proxy's own credentials.
 */
export function policyFromLog(logText: string, logPath: string, scope: PolicyScope = { kind: 'own' }): object {
  const actionsByRole = new Map<string, Set<string>>();
  for (const line of logText.split('\n')) {
    if (!line.trim()) continue;
    let record: Partial<ActionRecord>;
    try {
      record = JSON.parse(line) as Partial<ActionRecord>;
    } catch {
      continue; // a line cut short by a crash: skip it, keep the rest
    }
    if (record.v !== ACTION_RECORD_VERSION || record.decision !== 'allowed') continue;
    const role = typeof record.assumedRole === 'string' ? record.assumedRole : OWN_CREDENTIALS;
    const actions = actionsByRole.get(role) ?? new Set<string>();
    for (const { action, known } of record.authorizations ?? []) if (known) actions.add(action);
    if (actions.size) actionsByRole.set(role, actions);
  }
  if (actionsByRole.size === 0) throw new PolicyInputError(`${logPath} records no allowed AWS actions yet: run the agent through the proxy in record mode first`);
  if (scope.kind === 'by-assumed-role') {
    return Object.fromEntries([...actionsByRole].sort(([a], [b]) => a.localeCompare(b)).map(([role, actions]) => [role, policyDocument(actions)]));
  }
  const role = scope.kind === 'assumed-role' ? scope.role : OWN_CREDENTIALS;
  const actions = actionsByRole.get(role);
  if (!actions) {
    const others = [...actionsByRole.keys()].filter((r) => r !== OWN_CREDENTIALS);
    const whose = role === OWN_CREDENTIALS ? "the proxy's own credentials" : role;
    throw new PolicyInputError(`${logPath} records no allowed AWS actions for ${whose}; it has calls made as: ${others.join(', ') || "the proxy's own credentials"} (see --assumed-role <ARN> or --by-assumed-role)`);
  }
  return policyDocument(actions);
}

function policyDocument(actions: Set<string>): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ProxyRecordedActions', Effect: 'Allow', Action: [...actions].sort(), Resource: '*' }],
  };
}

export function readActionLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PolicyInputError(`no action log at ${path}: start the proxy and run the agent through it first (or set ACTION_LOG_PATH)`);
    throw new PolicyInputError(`cannot read the action log ${path}: ${code ?? (error as Error).message}`);
  }
}
