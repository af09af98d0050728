import { describe, expect, it } from 'vitest';
import { parseForm } from '../../../src/aws/wire/form.js';

const pairs = (text: string) => {
  const result = parseForm(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};

describe('parseForm', () => {
  it('reads pairs in order, repeats kept as separate pairs', () => {
    expect(pairs('Action=SendMessage&Version=2012-11-05&Action=DeleteQueue')).toStrictEqual([
      ['Action', 'SendMessage'],
      ['Version', '2012-11-05'],
      ['Action', 'DeleteQueue'],
    ]);
  });

  it('reads + as a space in keys and values, and %2B as a plus', () => {
    expect(pairs('Message+Body=a+b%2Bc')).toStrictEqual([['Message Body', 'a b+c']]);
  });

  it('percent-decodes UTF-8 in keys and values', () => {
    expect(pairs('k%C3%A9y=%E2%9C%93%20%26%3D')).toStrictEqual([['kéy', '✓ &=']]);
  });

  it('splits a pair on its first = only', () => {
    expect(pairs('a==b=c')).toStrictEqual([['a', '=b=c']]);
  });

  it('gives a key without = the empty value, and keeps an empty key', () => {
    expect(pairs('flag&=v')).toStrictEqual([
      ['flag', ''],
      ['', 'v'],
    ]);
  });

  it('skips empty pairs', () => {
    expect(pairs('&&a=1&&b=2&')).toStrictEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(pairs('')).toStrictEqual([]);
  });

  it('keeps names that differ only in case apart', () => {
    expect(pairs('Action=A&action=B')).toStrictEqual([
      ['Action', 'A'],
      ['action', 'B'],
    ]);
  });

  it('keeps prototype names as plain pairs', () => {
    expect(pairs('__proto__=1&constructor=2')).toStrictEqual([
      ['__proto__', '1'],
      ['constructor', '2'],
    ]);
  });

  it('decodes once: %252F is %2F', () => {
    expect(pairs('QueueUrl=a%252Fb')).toStrictEqual([['QueueUrl', 'a%2Fb']]);
  });

  it('keeps a newline or NUL that was sent encoded', () => {
    expect(pairs('a=%0A%00')).toStrictEqual([['a', '\n\0']]);
  });

  it.each([
    ['a stray %', 'a=100%', 'a=100%'],
    ['a % with one hex digit', 'a=%4', 'a=%4'],
    ['a % with non-hex digits', 'Action=%zz', 'Action=%zz'],
    ['a malformed key', '%E0%A4=1', '%E0%A4=1'],
    ['a UTF-8 sequence cut short', 'a=%C3', 'a=%C3'],
    ['an encoded lone surrogate', 'a=%ED%A0%80', 'a=%ED%A0%80'],
    ['an overlong encoding of /', 'a=%C0%AF', 'a=%C0%AF'],
  ])('refuses %s rather than guessing', (_, text, shown) => {
    expect(parseForm(`Action=ListQueues&${text}`)).toStrictEqual({ ok: false, error: `malformed percent-encoding in "${shown}"` });
  });

  it('shows at most 40 characters of a malformed pair', () => {
    const part = `a=${'x'.repeat(60)}%`;
    expect(parseForm(part)).toStrictEqual({ ok: false, error: `malformed percent-encoding in "${part.slice(0, 40)}"` });
  });

  it('reads 10 000 pairs', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `k${i}=${i}`).join('&');
    const read = pairs(text);
    expect(read).toHaveLength(10_000);
    expect(read[9_999]).toStrictEqual(['k9999', '9999']);
  });
});
