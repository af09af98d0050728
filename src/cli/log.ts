import { basename } from 'node:path';
import { actionLogPathFrom } from '../config.js';
import type { Verdict } from '../pipeline/log/action-log.js';
import { describeHead, parseAnchor, type ChainHead } from '../pipeline/log/chain.js';
import { logFileSet, readLogFile, rotatedFiles } from '../pipeline/log/log-files.js';
import { entryOf, matches, VERDICTS, viewLine, type ViewFilter } from '../pipeline/log/record-view.js';
import { verifyChain, type ChainVerdict } from '../pipeline/log/verify-chain.js';
import { parseSince } from '../policy/generate/since.js';
import { parseOptions, UsageError } from './args.js';
import { followFile } from './follow.js';

export interface LogIo {
  stdout(text: string): void;
}

const PROCESS_IO: LogIo = { stdout: (text) => process.stdout.write(text) };

/** `iam-agent-proxy log [verify]`: the action log shown readably, or its chain checked. Returns the exit status. */
export async function logCommand(args: string[], env: NodeJS.ProcessEnv, io: LogIo = PROCESS_IO, now = new Date()): Promise<number> {
  if (args[0] === 'verify') return verifyCommand(args.slice(1), env, io);
  const request = viewRequestFrom(args, now);
  const path = actionLogPathFrom(env);
  const show = (line: string) => {
    const entry = entryOf(line);
    if (!entry || !matches(entry, request.filter)) return;
    if (request.format === 'text') io.stdout(`${viewLine(entry)}\n`);
    else if (entry.kind === 'action' || entry.kind === 'grant') io.stdout(`${line}\n`);
  };
  // Following without --since: only what comes next, as tail -f; with it, the matches so far first.
  const earlier = request.follow ? (request.filter.since ? rotatedFiles(path) : []) : logFileSet(path);
  if (!request.follow && earlier.length === 0) throw new Error(`no action log at ${path}: start the proxy first (or set ACTION_LOG_PATH)`);
  for (const file of earlier) readLogFile(file).split('\n').forEach(show);
  if (request.follow) await followFile(path, request.filter.since !== undefined, show);
  return 0;
}

export interface ViewRequest {
  filter: ViewFilter;
  format: 'text' | 'json';
  follow: boolean;
}

export function viewRequestFrom(args: string[], now: Date): ViewRequest {
  const options = parseOptions(args, { agent: 'value', decision: 'value', service: 'value', since: 'value', follow: 'flag', format: 'value' });
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  const decision = text('decision');
  if (decision !== undefined && !VERDICTS.includes(decision as Verdict)) throw new UsageError(`--decision takes ${VERDICTS.join(', ')}, not "${decision}"`);
  const format = text('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format takes text or json, not "${format}"`);
  const sinceText = text('since');
  const since = sinceText === undefined ? undefined : parseSince(sinceText, now);
  if (sinceText !== undefined && !since) throw new UsageError(`--since takes a duration (30m, 2h, 7d) or an ISO time (2026-11-23T14:00:00Z), not "${sinceText}"`);
  return { filter: { agent: text('agent'), decision: decision as Verdict | undefined, service: text('service'), since }, format, follow: options.follow === true };
}

/** `log verify [FILE] [--anchor SEQ:SHA256]`: FILE and its rotated files (FILE.1, FILE.2, ...) as one chain. */
async function verifyCommand(args: string[], env: NodeJS.ProcessEnv, io: LogIo): Promise<number> {
  const positional = args.filter((arg, i) => !arg.startsWith('-') && args[i - 1] !== '--anchor');
  if (positional.length > 1) throw new UsageError(`log verify takes one FILE, not ${positional.length}`);
  const options = parseOptions(args.filter((arg) => !positional.includes(arg)), { anchor: 'value' });
  let anchor: ChainHead | undefined;
  if (typeof options.anchor === 'string' && !(anchor = parseAnchor(options.anchor))) throw new UsageError(`--anchor takes SEQ:SHA256 as the proxy prints it on shutdown, not "${options.anchor}"`);
  const path = positional[0] ?? actionLogPathFrom(env);
  const files = logFileSet(path);
  if (files.length === 0) throw new Error(`no action log at ${path}`);
  const verdict = verifyChain(files.map((file) => ({ name: basename(file), text: readLogFile(file) })), anchor);
  io.stdout(`${summary(verdict, files.map((file) => basename(file)), anchor)}\n`);
  return verdict.ok ? 0 : 1;
}

function summary(verdict: ChainVerdict, files: string[], anchor: ChainHead | undefined): string {
  if (!verdict.ok) return `broken: ${verdict.file} line ${verdict.line}${verdict.seq === undefined ? '' : ` (seq ${verdict.seq})`}: ${verdict.problem}`;
  const range = verdict.first && verdict.head ? ` (seq ${verdict.first.seq}-${verdict.head.seq})` : '';
  const notes = [
    verdict.unchained ? `${verdict.unchained} older unchained line(s) before it not verifiable` : '',
    verdict.continuesFrom ? `continues from a line not among them (${verdict.continuesFrom.slice(0, 12)}…)` : '',
    anchor ? `anchor ${anchor.seq} matches` : 'the tail is only as sure as an anchor (--anchor)',
  ].filter(Boolean);
  return `intact: ${verdict.lines} line(s)${range} in ${files.join(', ')}; head ${verdict.head ? describeHead(verdict.head) : 'none'}; ${notes.join('; ')}`;
}
