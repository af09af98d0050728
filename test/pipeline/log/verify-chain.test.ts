import { describe, expect, it } from 'vitest';
import { chainLine, EMPTY_HEAD, hashLine, headAfter, parseAnchor, type ChainHead } from '../../../src/pipeline/log/chain.js';
import { verifyChain, type ChainFile } from '../../../src/pipeline/log/verify-chain.js';

const header = (reason: 'start' | 'rotate' = 'start') => ({ v: 3, kind: 'header', reason, time: '2026-01-02T03:04:05.000Z', instance: 'i-1', version: '0.1.0' });
const action = (n: number) => ({ v: 3, time: '2026-01-02T03:04:05.000Z', agent: `agent-${n}`, decision: 'allowed', authorizations: [] });

/** Chained lines: a header, then n action records, continuing from `from`. */
function chain(n: number, from: ChainHead = EMPTY_HEAD, reason: 'start' | 'rotate' = 'start'): { lines: string[]; head: ChainHead } {
  let head = from;
  const lines = [header(reason), ...Array.from({ length: n }, (_, i) => action(i))].map((entry) => {
    const chained = chainLine(head, entry);
    head = chained.head;
    return chained.line;
  });
  return { lines, head };
}
const file = (name: string, lines: string[]): ChainFile => ({ name, text: lines.map((l) => `${l}\n`).join('') });
const verify = (lines: string[]) => verifyChain([file('actions.log', lines)]);

describe('chainLine', () => {
  it('puts v, seq and prev first and links each line to the SHA-256 of the one before', () => {
    const { lines } = chain(2);
    expect(lines[0]).toMatch(/^\{"v":3,"seq":0,"prev":null,"kind":"header",/);
    expect(JSON.parse(lines[1]!)).toMatchObject({ v: 3, seq: 1, prev: hashLine(lines[0]!) });
    expect(JSON.parse(lines[2]!)).toMatchObject({ seq: 2, prev: hashLine(lines[1]!) });
    expect(hashLine('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('a restart continues from the last line, whatever it is', () => {
    const { lines } = chain(1);
    expect(headAfter(lines[1])).toEqual({ seq: 1, hash: hashLine(lines[1]!) });
    expect(headAfter('{"v":3,"seq":4,"pr')).toEqual({ seq: -1, hash: hashLine('{"v":3,"seq":4,"pr') });
    expect(headAfter(undefined)).toEqual(EMPTY_HEAD);
  });

  it('anchors are SEQ:SHA256', () => {
    expect(parseAnchor(`7:${'a'.repeat(64)}`)).toEqual({ seq: 7, hash: 'a'.repeat(64) });
    for (const bad of ['7', `x:${'a'.repeat(64)}`, `7:${'A'.repeat(64)}`, `7:${'a'.repeat(63)}`]) expect(parseAnchor(bad)).toBeUndefined();
  });
});

describe('verifyChain', () => {
  const { lines, head } = chain(5);

  it('passes an intact chain and reports its head', () => {
    expect(verify(lines)).toEqual({ ok: true, files: 1, lines: 6, first: { seq: 0, hash: hashLine(lines[0]!) }, head, continuesFrom: null, unchained: 0 });
  });

  it('names an edited record (the next line no longer links to it)', () => {
    const edited = [...lines];
    edited[2] = edited[2]!.replace('agent-1', 'agent-X');
    expect(verify(edited)).toMatchObject({ ok: false, line: 3, seq: 2, problem: expect.stringMatching(/^altered .*line 4/) });
  });

  it('names a line whose own link was edited', () => {
    const edited = [...lines];
    edited[3] = edited[3]!.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'0'.repeat(64)}"`);
    expect(verify(edited)).toMatchObject({ ok: false, line: 4, seq: 3, problem: expect.stringMatching(/^altered/) });
  });

  it('names the record missing after a deletion, and a swap', () => {
    expect(verify([...lines.slice(0, 3), ...lines.slice(4)])).toMatchObject({ ok: false, line: 4, seq: 4, problem: 'record seq 3 missing before this line (deleted or moved)' });
    expect(verify([...lines.slice(0, 2), ...lines.slice(3)].filter((_, i) => i !== 2))).toMatchObject({ ok: false, line: 3, seq: 4, problem: expect.stringMatching(/^record seq 2-3 missing/) });
    const swapped = [lines[0]!, lines[1]!, lines[3]!, lines[2]!, lines[4]!, lines[5]!];
    expect(verify(swapped)).toMatchObject({ ok: false, line: 3, seq: 3, problem: expect.stringMatching(/^record seq 2 missing/) });
  });

  it('names an inserted or repeated line', () => {
    expect(verify([...lines.slice(0, 3), lines[2]!, ...lines.slice(3)])).toMatchObject({ ok: false, line: 4, seq: 2, problem: expect.stringMatching(/^seq 2 where 3 was due/) });
  });

  it('names a torn last line, garbage, and a file that does not start with a header', () => {
    expect(verifyChain([{ name: 'actions.log', text: `${lines[0]}\n${lines[1]!.slice(0, 20)}` }])).toMatchObject({ ok: false, line: 2, problem: expect.stringMatching(/^incomplete line/) });
    expect(verify([lines[0]!, 'not json'])).toMatchObject({ ok: false, line: 2, problem: 'not a JSON record' });
    expect(verify(lines.slice(1))).toMatchObject({ ok: false, line: 1, seq: 1, problem: expect.stringMatching(/does not start with a header/) });
  });

  it('cannot see a cut tail by itself; an anchor can', () => {
    const cut = lines.slice(0, -1);
    expect(verify(cut)).toMatchObject({ ok: true, head: { seq: 4 } });
    expect(verifyChain([file('actions.log', cut)], head)).toMatchObject({ ok: false, line: 5, seq: 5, problem: expect.stringMatching(/the log ends at seq 4, so its tail was cut/) });
    expect(verifyChain([file('actions.log', lines)], head)).toMatchObject({ ok: true });
    const rewritten = [...lines];
    rewritten[5] = rewritten[5]!.replace('agent-4', 'agent-X');
    expect(verifyChain([file('actions.log', rewritten)], head)).toMatchObject({ ok: false, line: 6, seq: 5, problem: expect.stringMatching(/differs from the anchor/) });
  });

  it('follows the chain across rotated files and restarts, and names the link a missing file breaks', () => {
    const first = chain(2);
    const second = chain(2, first.head, 'rotate');
    const third = chain(1, second.head, 'start');
    const files = [file('actions.log.1', first.lines), file('actions.log.2', second.lines), file('actions.log', third.lines)];
    expect(verifyChain(files)).toMatchObject({ ok: true, files: 3, lines: 8, head: third.head });
    expect(verifyChain([files[0]!, files[2]!])).toMatchObject({ ok: false, file: 'actions.log', line: 1, seq: 6, problem: 'record seq 3-5 missing before this line (deleted or moved)' });
    const cutFirst = file('actions.log.1', first.lines.slice(0, -1));
    expect(verifyChain([cutFirst, files[1]!, files[2]!])).toMatchObject({ ok: false, file: 'actions.log.2', line: 1, seq: 3, problem: expect.stringMatching(/^record seq 2 missing/) });
    // Older files pruned: the rest checks, and says it continues from a line not given.
    expect(verifyChain([files[1]!, files[2]!])).toMatchObject({ ok: true, continuesFrom: first.head.hash });
  });

  it('accepts version 2 lines written before the chain, and checks the link to the last of them', () => {
    const old = ['{"v":2,"decision":"allowed","authorizations":[]}', '{"v":2,"decision":"blocked","authorizations":[]}'];
    const after = chain(1, headAfter(old[1]));
    expect(verify([...old, ...after.lines])).toMatchObject({ ok: true, unchained: 2, lines: 2 });
    expect(verify([old[0]!, ...after.lines])).toMatchObject({ ok: false, line: 1, problem: expect.stringMatching(/^altered/) });
    expect(verify([...after.lines, old[0]!])).toMatchObject({ ok: false, line: 3, problem: 'not a chained record (no seq and prev)' });
  });
});
