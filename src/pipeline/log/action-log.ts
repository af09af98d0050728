import { createWriteStream, type WriteStream } from 'node:fs';

export type Verdict = 'allowed' | 'blocked' | 'refused';

/** One line of actions.log: what one request was, and what became of it. Never holds a secret. */
export interface ActionRecord {
  time: string;
  /** The agent's access key id (issued by this proxy) and its name; absent when authentication failed before. */
  accessKeyId: string | undefined;
  agent: string | undefined;
  service: string;
  region: string | undefined;
  operation: string | undefined;
  actions: string[];
  resources: string[];
  decision: Verdict;
  /** AWS error code for blocked/refused calls. */
  error?: string;
  upstreamStatus: number | undefined;
  latencyMs: number;
}

export interface ActionLog {
  write(record: ActionRecord): void;
  close(): Promise<void>;
}

/** Appends JSON lines to the action log (created 0600: it names resources the agent touched). */
export function openActionLog(path: string): ActionLog {
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', (error) => process.stderr.write(`iam-agent-proxy: cannot write ${path}: ${error.message}\n`));
  return {
    write: (record) => void stream.write(`${JSON.stringify(record)}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/** `[14:32:01] ALLOWED  s3:ListAllMyBuckets` — one line per action, in local time. */
export function consoleLines(record: ActionRecord, now: Date): string[] {
  const time = `[${[now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')}]`;
  const word = record.decision.toUpperCase().padEnd(8);
  const detail = record.error ? ` (${record.error})` : '';
  const actions = record.actions.length ? record.actions : [`${record.service}:${record.operation ?? '?'}`];
  return actions.map((action) => `${time} ${word} ${action}${detail}`);
}
