import { readFileSync } from 'node:fs';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../pipeline/log/action-log.js';

export class PolicyInputError extends Error {}

/**
 * Pure: the least-privilege policy for the actions the log shows were allowed through. Actions
 * AWS does not define (UNRESOLVED) are left out: no policy can allow them.
 */
export function policyFromLog(logText: string, logPath: string): object {
  const actions = new Set<string>();
  for (const line of logText.split('\n')) {
    if (!line.trim()) continue;
    let record: Partial<ActionRecord>;
    try {
      record = JSON.parse(line) as Partial<ActionRecord>;
    } catch {
      continue; // a line cut short by a crash: skip it, keep the rest
    }
    if (record.v !== ACTION_RECORD_VERSION || record.decision !== 'allowed') continue;
    for (const { action, known } of record.authorizations ?? []) if (known) actions.add(action);
  }
  if (actions.size === 0) {
    throw new PolicyInputError(`${logPath} records no allowed AWS actions yet: run the agent through the proxy in record mode first`);
  }
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
