import { parsed, unreadable, type Parsed } from './parsed.js';

/**
 * JSON as a service would read it, refusing what parsers disagree on: a name repeated within one
 * object (`{"TableName":"a","TableName":"b"}`: JSON.parse keeps the last, other parsers the first
 * or fail). No JSON library reports duplicates, hence the scan here, run only after JSON.parse
 * has accepted the text.
 */
export function parseJson(text: string): Parsed<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return unreadable(`not valid JSON (${(error as Error).message})`);
  }
  const duplicate = findDuplicateName(text);
  return duplicate === undefined ? parsed(value) : unreadable(`the name "${duplicate}" appears twice in one JSON object`);
}

/** The first name that appears twice in one object of a valid JSON text. */
function findDuplicateName(text: string): string | undefined {
  // One entry per open container: the names seen so far (objects) or null (arrays).
  const stack: Array<Set<string> | null> = [];
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      stack.push(new Set());
      expectingName = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectingName = stack.at(-1) instanceof Set;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (expectingName) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        const names = stack.at(-1) as Set<string>;
        if (names.has(name)) return name;
        names.add(name);
        expectingName = false;
      }
      i = end;
    }
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}
