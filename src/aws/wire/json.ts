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

const [OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, QUOTE, BACKSLASH] = [...'{}[],"\\'].map((c) => c.charCodeAt(0));

/** The first name that appears twice in one object of a valid JSON text. */
function findDuplicateName(text: string): string | undefined {
  // One entry per open container: the names seen so far (objects) or null (arrays).
  const stack: Array<Set<string> | null> = [];
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT) {
      stack.push(new Set());
      expectingName = true;
    } else if (c === OPEN_ARRAY) {
      stack.push(null);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      expectingName = stack[stack.length - 1] instanceof Set;
    } else if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectingName) {
        const raw = text.slice(i + 1, end);
        // Only a name with escapes needs decoding (`"Table\u004eame"` is `TableName`).
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        const names = stack[stack.length - 1] as Set<string>;
        if (names.has(name)) return name;
        names.add(name);
        expectingName = false;
      }
      i = end;
    }
  }
  return undefined;
}

/** Index of the quote closing the string that opens at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  for (let quote = text.indexOf('"', start + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length - 1;
}
