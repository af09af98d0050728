import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/policy/store/json-text.js';

describe('parseJson', () => {
  it('parses JSON, a leading BOM included', () => {
    expect(parseJson('{"a": [1, "x", null]}')).toStrictEqual({ ok: true, value: { a: [1, 'x', null] } });
    expect(parseJson('\uFEFF{"a": true}')).toStrictEqual({ ok: true, value: { a: true } });
  });

  it.each([
    ['{\n  "mode": "enforce"\n  "policy": {}\n}', 'line 3 column 3: expected "," or "}", found "\\""'],
    ['{"a": }', 'line 1 column 7: expected a value, found "}"'],
    ['{"a": 1,}', 'line 1 column 9: expected a property name in double quotes, found "}"'],
    ["{'a': 1}", 'line 1 column 2: expected a property name in double quotes, found "\'"'],
    ['{"a" 1}', 'line 1 column 6: expected ":", found "1"'],
    ['[1 2]', 'line 1 column 4: expected "," or "]", found "2"'],
    ['{\n "x": tru\n}', 'line 2 column 7: expected a value, found "t"'],
    ['{"a": "b', 'line 1 column 9: expected a closing double quote, the text ends'],
    ['{"a": "b\nc"}', 'line 1 column 9: expected a closing double quote, found "\\n"'],
    ['["\\x"]', 'line 1 column 3: expected an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found "\\\\"'],
    ['{"a": 01}', 'line 1 column 8: expected "," or "}", found "1"'],
    ['{"a": 1} x', 'line 1 column 10: expected nothing more after the JSON value, found "x"'],
    ['', 'line 1 column 1: expected a value, the text ends'],
    ['{"a": [', 'line 1 column 8: expected a value, the text ends'],
  ])('locates the error in %j', (text, error) => {
    expect(parseJson(text)).toStrictEqual({ ok: false, error });
  });
});
