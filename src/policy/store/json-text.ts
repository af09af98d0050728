/** A JSON document's value, or where and why it is not JSON. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * JSON.parse, with a syntax error told as `line 3 column 9: expected "," or "}", found "t"`:
 * V8's messages give an offset at best, and none for an unexpected token.
 */
export function parseJson(text: string): JsonResult {
  const body = text.replace(/^\uFEFF/, ''); // editors on Windows save a BOM, which JSON.parse refuses
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    const { offset, expected } = firstSyntaxError(body);
    const before = body.slice(0, offset).split('\n');
    const found = offset < body.length ? `found ${JSON.stringify(body[offset])}` : 'the text ends';
    return { ok: false, error: `line ${before.length} column ${before.at(-1)!.length + 1}: expected ${expected}, ${found}` };
  }
}

interface SyntaxErrorAt {
  offset: number;
  expected: string;
}

/** Scans text JSON.parse refused, to the first character that cannot continue a JSON value. */
function firstSyntaxError(text: string): SyntaxErrorAt {
  let i = 0;
  const fail = (expected: string): never => {
    throw { offset: i, expected } satisfies SyntaxErrorAt;
  };
  const space = () => {
    while (' \t\n\r'.includes(text[i] ?? 'x')) i++;
  };
  const token = (pattern: RegExp, expected: string) => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) fail(expected);
    i = pattern.lastIndex;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c === undefined || c < ' ') fail('a closing double quote');
      if (c === '\\') token(/\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y, 'an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      else i++;
    }
  };
  const members = (close: string, member: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      member();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail(`"," or "${close}"`);
      i++;
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      return members('}', () => {
        space();
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        space();
        if (text[i] !== ':') fail('":"');
        i++;
        value();
      });
    }
    if (c === '[') return members(']', value);
    if (c === '"') return string();
    token(/-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y, 'a value');
  };
  try {
    value();
    space();
    return { offset: i, expected: 'nothing more after the JSON value' };
  } catch (error) {
    return error as SyntaxErrorAt;
  }
}
