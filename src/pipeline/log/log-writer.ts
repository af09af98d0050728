import { closeSync, fstatSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { ActionRecord } from './action-log.js';
import { ACTION_RECORD_VERSION } from './action-log.js';
import type { GrantRecord } from './grant-record.js';
import { chainLine, describeHead, headAfter, type ChainHead, type HeaderRecord, type LostRecord } from './chain.js';
import { lastLine, nextRotatedPath, rotatedFiles } from './log-files.js';

export interface ActionLog {
  /** Appends the record to the chain: its line, or undefined when it could not be written (counted as lost). */
  write(record: ActionRecord | GrantRecord): string | undefined;
  /** Why records cannot be written now (after trying to write what is pending), or undefined when they can. */
  unwritable(): string | undefined;
  /** The last line written: an operator who notes it elsewhere can detect a cut tail. */
  head(): ChainHead;
  /** Reports lost records, and the head when asked (a proxy that never served has nothing to anchor). */
  close(options?: { printHead: boolean }): void;
}

export interface ActionLogOptions {
  path: string;
  /** ACTION_LOG_MAX_BYTES: rotate once the file reaches this size; undefined: never. */
  maxBytes: number | undefined;
  instance: string;
  version: string;
  notice(message: string): void;
  now?: () => Date;
}

/**
 * Appends chained lines (0600: it names resources the agent touched) with one synchronous write
 * each, so a failure is known before the next request is decided: enforce mode refuses calls it
 * could not record (handle-request.ts). A failed write is cut back off the file, so no half line
 * stays; lost records are counted and noted in the chain once writing works again. Opening the
 * file at start is not retried: a path that cannot be opened stops the proxy.
 */
export function openActionLog(options: ActionLogOptions): ActionLog {
  const { path, maxBytes, notice } = options;
  const now = options.now ?? (() => new Date());
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    throw new Error(`cannot open the action log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let size = fstatSync(fd).size;
  let head = continuedHead(path, fd, size);
  size = fstatSync(fd).size;
  let pendingHeader: Omit<HeaderRecord, 'v' | 'time' | 'instance' | 'version'> | undefined = { kind: 'header', reason: 'start' };
  let lost: { count: number; since: string; error: string } | undefined;
  let lostTotal = 0;
  let failure: string | undefined;
  let rotationFailed = false;

  const pending = (): Array<HeaderRecord | LostRecord> => {
    if (!pendingHeader && !lost) return []; // the usual case, once per request
    const time = now().toISOString();
    const entries: Array<HeaderRecord | LostRecord> = [];
    if (pendingHeader) entries.push({ v: ACTION_RECORD_VERSION, ...pendingHeader, time, instance: options.instance, version: options.version });
    if (lost) entries.push({ v: ACTION_RECORD_VERSION, kind: 'lost', time, instance: options.instance, count: lost.count, since: lost.since, error: lost.error });
    return entries;
  };

  /** Writes the entries as one append; on failure the file is cut back to where it was. */
  const append = (entries: Array<{ v: number }>): string[] | undefined => {
    if (entries.length === 0) return [];
    let next = head;
    const lines: string[] = [];
    for (const entry of entries) {
      const chained = chainLine(next, entry);
      lines.push(chained.line);
      next = chained.head;
    }
    const data = Buffer.from(lines.map((line) => `${line}\n`).join(''));
    try {
      for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      try {
        ftruncateSync(fd, size);
      } catch {
        // Still failing: the next successful append follows the cut; verify names a torn line.
      }
      if (failure === undefined) notice(`cannot write the action log ${path} (${code}): enforce mode refuses calls until it can; record and shadow modes keep serving and count the records lost`);
      failure = code;
      return undefined;
    }
    if (failure !== undefined) {
      const lostAt = entries.findIndex((entry) => (entry as Partial<LostRecord>).kind === 'lost');
      notice(`the action log ${path} can be written again${lost && lostAt >= 0 ? `; ${lost.count} record(s) were lost (noted at seq ${head.seq + 1 + lostAt})` : ''}`);
    }
    size += data.length;
    head = next;
    failure = undefined;
    pendingHeader = undefined;
    lost = undefined;
    return lines;
  };

  const rotate = (reason: HeaderRecord['reason']): void => {
    if (maxBytes === undefined || size < maxBytes || rotationFailed) return;
    const rotated = nextRotatedPath(path);
    try {
      renameSync(path, rotated);
      closeSync(fd);
      fd = openSync(path, 'a', 0o600);
      size = fstatSync(fd).size;
    } catch (error) {
      // Logging goes on in the file there is: never rotating beats losing records.
      rotationFailed = true;
      notice(`cannot rotate the action log ${path}: ${(error as Error).message}; it keeps growing`);
      return;
    }
    pendingHeader = { kind: 'header', reason, previousFile: basename(rotated) };
    if (reason === 'rotate') append(pending());
  };

  rotate('start');
  append(pending());
  return {
    write(record) {
      const lines = append([...pending(), record]);
      if (!lines) {
        lost = lost ? { ...lost, count: lost.count + 1, error: failure! } : { count: 1, since: record.time, error: failure! };
        lostTotal++;
        return undefined;
      }
      rotate('rotate');
      return lines.at(-1);
    },
    unwritable() {
      if (failure !== undefined) append(pending());
      return failure;
    },
    head: () => head,
    close({ printHead } = { printHead: true }) {
      closeSync(fd);
      if (lostTotal) notice(`${lostTotal} action record(s) could not be written to ${path}`);
      if (printHead) notice(`action log head ${describeHead(head)}: noted elsewhere, 'log verify --anchor' with it detects a cut or rewritten tail`);
    },
  };
}

/**
 * Where this run continues the chain: the live file's last line, else (renamed away before a new
 * one started) the newest rotated file's. A last line without its newline (a crash mid-write) is
 * ended, left for verify to name, and linked to like any other.
 */
function continuedHead(path: string, fd: number, size: number): ChainHead {
  const last = size > 0 ? lastLine(path) : rotatedFiles(path).map(lastLine).at(-1);
  if (last && !last.complete && size > 0) writeSync(fd, '\n');
  return headAfter(last?.text);
}
