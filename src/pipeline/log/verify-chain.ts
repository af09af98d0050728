import { hashLine, type ChainHead } from './chain.js';

/** One file of the chain, oldest first. */
export interface ChainFile {
  name: string;
  text: string;
}

export type ChainVerdict =
  | {
      ok: true;
      files: number;
      /** Chained lines: records, headers and lost-record notes. */
      lines: number;
      first: ChainHead | undefined;
      head: ChainHead | undefined;
      /** The first line links to a line not among the files (older files removed, or a single rotated file). */
      continuesFrom: string | null;
      /** Version 2 lines before the first header, written before the chain existed: not verifiable. */
      unchained: number;
    }
  | { ok: false; file: string; line: number; seq: number | undefined; problem: string };

interface Entry {
  file: string;
  line: number;
  text: string;
  torn: boolean;
  first: boolean;
  seq?: number;
  prev?: string | null;
  kind?: unknown;
}

/**
 * Checks the files as one chain and names the first line that is broken or the first record that is
 * missing. A line's edit shows at the next line's link; a missing or moved line at the sequence.
 * The tail cannot be checked from inside (a cut or edited last line leaves a consistent chain): an
 * anchor (seq, hash) noted earlier can.
 */
export function verifyChain(files: ChainFile[], anchor?: ChainHead): ChainVerdict {
  const entries = files.flatMap(entriesOf);
  const broken = (entry: Entry, problem: string): ChainVerdict => ({ ok: false, file: entry.file, line: entry.line, seq: entry.seq, problem });
  let chained = 0;
  let unchained = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.torn) return broken(entry, 'incomplete line (no newline at its end: a write cut short)');
    if (!parse(entry)) return broken(entry, 'not a JSON record');
    if (entry.seq === undefined) {
      if (chained === 0 && i === unchained) {
        unchained++;
        continue;
      }
      return broken(entry, 'not a chained record (no seq and prev)');
    }
    if (!Number.isSafeInteger(entry.seq) || entry.seq < 0 || !(entry.prev === null || (typeof entry.prev === 'string' && /^[0-9a-f]{64}$/.test(entry.prev)))) {
      return broken(entry, 'malformed seq or prev');
    }
    if ((entry.first || chained === 0) && entry.kind !== 'header') return broken(entry, `${entry.file} does not start with a header record: its beginning was cut or rewritten`);
    chained++;
    const before = entries[i - 1];
    if (!before) continue;
    const expected = before.seq === undefined ? undefined : before.seq + 1;
    if (expected !== undefined && entry.seq > expected) return broken(entry, `record seq ${expected}${entry.seq - 1 > expected ? `-${entry.seq - 1}` : ''} missing before this line (deleted or moved)`);
    if (expected !== undefined && entry.seq < expected) return broken(entry, `seq ${entry.seq} where ${expected} was due: a line inserted, repeated or moved`);
    if (entry.prev === hashLine(before.text)) continue;
    // Sequence in order but the link broken: the line before was altered, unless this line's own
    // link (prev) was: then the line after no longer links to it either.
    const after = entries[i + 1];
    const afterLinks = after !== undefined && parse(after) && after.prev === hashLine(entry.text);
    if (after !== undefined && !afterLinks) return broken(entry, 'altered (neither its link to the line before nor the next line\'s link to it holds)');
    return broken(before, `altered (its hash is not the one ${before.file === entry.file ? `line ${entry.line}` : `line ${entry.line} of ${entry.file}`} records)`);
  }
  const chain = entries.slice(unchained);
  const firstEntry = chain[0];
  const lastEntry = chain.at(-1);
  const first = firstEntry ? { seq: firstEntry.seq!, hash: hashLine(firstEntry.text) } : undefined;
  const head = lastEntry ? { seq: lastEntry.seq!, hash: hashLine(lastEntry.text) } : undefined;
  if (anchor) {
    const anchored = chain.find((entry) => entry.seq === anchor.seq);
    const last = lastEntry ?? entries.at(-1);
    const where = { ok: false as const, file: last?.file ?? files.at(-1)?.name ?? '', line: last?.line ?? 0, seq: anchor.seq };
    if (!anchored && (head === undefined || anchor.seq > head.seq)) return { ...where, problem: `record seq ${anchor.seq} (the anchor) missing: the log ends at seq ${head?.seq ?? 'none'}, so its tail was cut` };
    if (!anchored) return { ...where, problem: `the anchor's seq ${anchor.seq} comes before the files checked (they start at seq ${first?.seq})` };
    if (hashLine(anchored.text) !== anchor.hash) return { ok: false, file: anchored.file, line: anchored.line, seq: anchored.seq, problem: 'differs from the anchor: it was rewritten (and the chain recomputed after it)' };
  }
  const continuesFrom = firstEntry && unchained === 0 ? (firstEntry.prev ?? null) : null;
  return { ok: true, files: files.length, lines: chained, first, head, continuesFrom, unchained };
}

function entriesOf(file: ChainFile): Entry[] {
  if (file.text === '') return [];
  const lines = file.text.split('\n');
  const torn = lines.at(-1) !== '';
  if (!torn) lines.pop();
  return lines.map((text, index) => ({ file: file.name, line: index + 1, text, torn: torn && index === lines.length - 1, first: index === 0 }));
}

/** Fills seq, prev and kind from the line; false when it is no JSON object. */
function parse(entry: Entry): boolean {
  let value: unknown;
  try {
    value = JSON.parse(entry.text);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if ('seq' in record) entry.seq = record.seq as number;
  if ('prev' in record) entry.prev = record.prev as string | null;
  entry.kind = record.kind;
  return true;
}
