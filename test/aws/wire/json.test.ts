import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/aws/wire/json.js';

const refusedFor = (name: string) => ({ ok: false, error: `the name "${name}" appears twice in one JSON object` });

describe('parseJson: valid JSON without repeated names passes unchanged', () => {
  it.each([
    ['{}', {}],
    ['[]', []],
    ['"text"', 'text'],
    ['null', null],
    ['12.5', 12.5],
    ['{"TableName":"t","Key":{"k":{"S":"v"}}}', { TableName: 't', Key: { k: { S: 'v' } } }],
    [' \n\t{ "a" : [ 1 , { "b" : true } ] }\r\n', { a: [1, { b: true }] }],
  ])('%s', (text, value) => {
    expect(parseJson(text)).toStrictEqual({ ok: true, value });
  });

  it('the same name in sibling objects, nested objects and array items is no repeat', () => {
    expect(parseJson('{"a":{"a":{"a":1}},"b":{"a":2},"c":[{"a":1},{"a":2}]}')).toStrictEqual({
      ok: true,
      value: { a: { a: { a: 1 } }, b: { a: 2 }, c: [{ a: 1 }, { a: 2 }] },
    });
  });

  it('a name after an empty object or array in the same object is read as a name', () => {
    expect(parseJson('{"a":{},"b":[],"c":{}}')).toStrictEqual({ ok: true, value: { a: {}, b: [], c: {} } });
  });

  it('string values that look like names or JSON are values', () => {
    expect(parseJson('{"a":"a","b":"{\\"a\\":1,\\"a\\":2}","c":["c","c"]}')).toStrictEqual({
      ok: true,
      value: { a: 'a', b: '{"a":1,"a":2}', c: ['c', 'c'] },
    });
  });

  it('escaped quotes and backslashes inside names end where JSON says', () => {
    expect(parseJson('{"a\\\\":1,"a\\\\\\\\":2,"a\\"":3}')).toStrictEqual({ ok: true, value: { 'a\\': 1, 'a\\\\': 2, 'a"': 3 } });
  });

  it('a name that differs only in case is another name', () => {
    expect(parseJson('{"TableName":"a","tablename":"b"}')).toStrictEqual({ ok: true, value: { TableName: 'a', tablename: 'b' } });
  });

  it('__proto__ and constructor are own names of the value', () => {
    const result = parseJson('{"__proto__":{"x":1},"constructor":2}');
    expect(result.ok).toBe(true);
    const value = (result as { value: object }).value;
    expect(Object.keys(value)).toStrictEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

describe('parseJson: a name given twice in one object is refused', () => {
  it('at the top level (JSON.parse would keep the last)', () => {
    expect(JSON.parse('{"TableName":"a","TableName":"b"}')).toStrictEqual({ TableName: 'b' });
    expect(parseJson('{"TableName":"a","TableName":"b"}')).toStrictEqual(refusedFor('TableName'));
  });

  it('with whitespace around the colon and commas', () => {
    expect(parseJson('{ "a" : 1 ,\n "a" : 2 }')).toStrictEqual(refusedFor('a'));
  });

  it('through a \\u escape', () => {
    expect(parseJson('{"T\\u0061bleName":"a","TableName":"b"}')).toStrictEqual(refusedFor('TableName'));
  });

  it('through an escaped solidus', () => {
    expect(parseJson('{"a/b":1,"a\\/b":2}')).toStrictEqual(refusedFor('a/b'));
  });

  it('deep in nested objects', () => {
    expect(parseJson('{"a":{"b":{"c":{"d":1,"d":2}}}}')).toStrictEqual(refusedFor('d'));
  });

  it('in an object inside an array of objects', () => {
    expect(parseJson('{"Items":[{"k":1},{"k":1,"k":2}]}')).toStrictEqual(refusedFor('k'));
    expect(parseJson('[[{"x":1,"y":2,"x":3}]]')).toStrictEqual(refusedFor('x'));
  });

  it('after a nested object that holds the same name once', () => {
    expect(parseJson('{"a":{"a":1},"a":2}')).toStrictEqual(refusedFor('a'));
  });

  it('after an empty object value', () => {
    expect(parseJson('{"a":{},"a":{}}')).toStrictEqual(refusedFor('a'));
  });

  it('__proto__ given twice (JSON.parse keeps the last as an own name)', () => {
    expect(parseJson('{"__proto__":1,"__proto__":2}')).toStrictEqual(refusedFor('__proto__'));
  });

  it('the empty name given twice', () => {
    expect(parseJson('{"":1,"":2}')).toStrictEqual(refusedFor(''));
  });

  it('in an object of 10 000 names, the last repeating the first', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `"n${i}":${i}`);
    expect(parseJson(`{${names.join(',')},"n0":0}`)).toStrictEqual(refusedFor('n0'));
  });
});

describe('parseJson: text that is not JSON is refused', () => {
  it.each(['', ' ', '{', '{"a":1,}', "{'a':1}", '{"a":01}', '\uFEFF{}', '{"a":1} x', 'NaN', '{"a":"\\x"}'])('%j', (text) => {
    const result = parseJson(text);
    expect(result.ok).toBe(false);
    expect((result as { error: string }).error).toMatch(/^not valid JSON \(/);
  });

  it('is refused before the duplicate scan would run', () => {
    expect(parseJson('{"a":1,"a":2')).toMatchObject({ ok: false, error: expect.stringMatching(/^not valid JSON/) });
  });

  it('deeply nested arrays are either parsed or refused, never thrown', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseJson(deep)).not.toThrow();
  });
});
