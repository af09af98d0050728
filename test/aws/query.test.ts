import { describe, expect, it } from 'vitest';
import { firstValue, parseRawQuery, splitTarget } from '../../src/aws/query.js';

describe('parseRawQuery', () => {
  it('returns an empty object for an empty query', () => {
    expect({ ...parseRawQuery('') }).toStrictEqual({});
  });

  it('keeps a + as a + (it is not a space in SigV4)', () => {
    expect({ ...parseRawQuery('prefix=a+b') }).toStrictEqual({ prefix: 'a+b' });
  });

  it('percent-decodes keys and values', () => {
    expect({ ...parseRawQuery('a=%2B&b=%20x%2Fy&k%3Dey=%E2%9C%93') }).toStrictEqual({ a: '+', b: ' x/y', 'k=ey': '✓' });
  });

  it('gives a key without = the value ""', () => {
    expect({ ...parseRawQuery('uploads&list-type=2') }).toStrictEqual({ uploads: '', 'list-type': '2' });
  });

  it('splits on the first = only', () => {
    expect({ ...parseRawQuery('a=b=c') }).toStrictEqual({ a: 'b=c' });
  });

  it('collects repeated keys into an array, in order', () => {
    expect({ ...parseRawQuery('a=1&b=x&a=2&a=3') }).toStrictEqual({ a: ['1', '2', '3'], b: 'x' });
  });

  it('leaves a stray % as it is instead of throwing', () => {
    expect({ ...parseRawQuery('a=100%&%zz=1') }).toStrictEqual({ a: '100%', '%zz': '1' });
  });

  it('skips empty pairs', () => {
    expect({ ...parseRawQuery('&&a=1&') }).toStrictEqual({ a: '1' });
  });

  it('returns an object without a prototype, even when empty', () => {
    expect(Object.getPrototypeOf(parseRawQuery(''))).toBeNull();
    expect(Object.getPrototypeOf(parseRawQuery('a=1'))).toBeNull();
  });

  // Regression: with a plain {} a parameter named like an Object.prototype member was mangled.
  it('a parameter named constructor is just a parameter', () => {
    const query = parseRawQuery('constructor=1');
    expect(Object.entries(query)).toStrictEqual([['constructor', '1']]);
    expect({ ...query }).toStrictEqual({ constructor: '1' });
  });

  it('parameters named toString and __proto__ are own keys of a null-prototype object', () => {
    const query = parseRawQuery('toString=x&__proto__=y');
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(Object.keys(query)).toStrictEqual(['toString', '__proto__']);
    expect(Object.entries(query)).toStrictEqual([
      ['toString', 'x'],
      ['__proto__', 'y'],
    ]);
  });

  it('repeats of a parameter named constructor or __proto__ collect into an array', () => {
    expect(Object.entries(parseRawQuery('constructor=a&constructor=b&__proto__=c&__proto__=d'))).toStrictEqual([
      ['constructor', ['a', 'b']],
      ['__proto__', ['c', 'd']],
    ]);
  });
});

describe('firstValue', () => {
  it('returns the first of repeated values, or the only value', () => {
    const query = parseRawQuery('Action=A&Action=B&Version=1');
    expect(firstValue(query, 'Action')).toBe('A');
    expect(firstValue(query, 'Version')).toBe('1');
    expect(firstValue(query, 'Missing')).toBeUndefined();
  });

  it('does not read inherited properties of a plain object', () => {
    const plain: Record<string, string> = { Action: 'A' };
    expect(firstValue(plain, 'Action')).toBe('A');
    expect(firstValue(plain, 'constructor')).toBeUndefined();
    expect(firstValue(plain, 'toString')).toBeUndefined();
    expect(firstValue(parseRawQuery('x=1'), 'hasOwnProperty')).toBeUndefined();
  });

  it('reads parameters named like Object.prototype members', () => {
    expect(firstValue(parseRawQuery('constructor=1&__proto__=2'), 'constructor')).toBe('1');
    expect(firstValue(parseRawQuery('constructor=1&__proto__=2'), '__proto__')).toBe('2');
  });
});

describe('splitTarget', () => {
  it.each([
    ['/', { rawPath: '/', rawQuery: '' }],
    ['/bucket/key%20x?list-type=2&prefix=a%2Fb', { rawPath: '/bucket/key%20x', rawQuery: 'list-type=2&prefix=a%2Fb' }],
    ['/a?', { rawPath: '/a', rawQuery: '' }],
    ['/a?b?c', { rawPath: '/a', rawQuery: 'b?c' }],
  ])('%s', (target, expected) => {
    expect(splitTarget(target)).toStrictEqual(expected);
  });
});
