import { createHash } from 'node:crypto';
import { ACTION_RECORD_VERSION } from './action-log.js';

/**
 * The hash chain of actions.log. Every line is `{"v":3,"seq":N,"prev":H,...}`: N counts lines
 * across restarts and rotated files, H is the SHA-256 of the previous line's exact text (null for
 * the very first). So editing, deleting, inserting or reordering a line breaks the link after it.
 * Plain SHA-256, no key: whoever can rewrite the file can also recompute every later hash, so only
 * a head (seq, hash) kept elsewhere (`log verify --anchor`) fixes what came before it.
 */

/** The last line written: the next one links to it. seq -1 and hash null: nothing before. */
export interface ChainHead {
  seq: number;
  hash: string | null;
}

export const EMPTY_HEAD: ChainHead = { seq: -1, hash: null };

/**
 * First line of every run and of every rotated-to file. Restarts and rotations are plain links in
 * the one chain (prev is the last line of the previous run or file), so verify needs no special
 * case for them; the instance id tells the runs apart.
 */
export interface HeaderRecord {
  v: typeof ACTION_RECORD_VERSION;
  kind: 'header';
  time: string;
  /** Made at start: the runs of the proxy that wrote the chain. */
  instance: string;
  version: string;
  reason: 'start' | 'rotate';
  /** rotate: the file the records before this one were renamed to. */
  previousFile?: string;
}

/** Written once the log can be written again: how many action records were lost, and why. */
export interface LostRecord {
  v: typeof ACTION_RECORD_VERSION;
  kind: 'lost';
  time: string;
  instance: string;
  count: number;
  /** When the first of them was lost. */
  since: string;
  error: string;
}

export function hashLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** The entry as its line in the chain after `head`, and the new head. */
export function chainLine(head: ChainHead, entry: { v: number }): { line: string; head: ChainHead } {
  const seq = head.seq + 1;
  // v, seq and prev first: a reader sees the link before the record.
  const { v, ...rest } = entry;
  const line = JSON.stringify({ v, seq, prev: head.hash, ...rest });
  return { line, head: { seq, hash: hashLine(line) } };
}

/** The chain head a new run continues from, given the log's last line (undefined: none). */
export function headAfter(lastLine: string | undefined): ChainHead {
  if (lastLine === undefined) return EMPTY_HEAD;
  let seq = -1;
  try {
    const parsed = JSON.parse(lastLine) as { seq?: unknown };
    if (Number.isSafeInteger(parsed.seq)) seq = parsed.seq as number;
  } catch {
    // A line cut short, or garbage: still linked by its hash; verify reports it.
  }
  return { seq, hash: hashLine(lastLine) };
}

/** `SEQ:SHA256`, as the proxy prints its head on shutdown. */
export function parseAnchor(text: string): ChainHead | undefined {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text);
  return match ? { seq: Number(match[1]), hash: match[2]! } : undefined;
}

export function describeHead(head: ChainHead): string {
  return `${head.seq}:${head.hash ?? 'none'}`;
}
