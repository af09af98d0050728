import { describe, expect, it } from 'vitest';
import { parsed, unreadable } from '../../../src/aws/wire/parsed.js';

describe('parsed / unreadable', () => {
  it('parsed holds the value, whatever it is', () => {
    expect(parsed({ a: 1 })).toStrictEqual({ ok: true, value: { a: 1 } });
    expect(parsed(undefined)).toStrictEqual({ ok: true, value: undefined });
  });

  it('unreadable holds why', () => {
    expect(unreadable('not valid JSON')).toStrictEqual({ ok: false, error: 'not valid JSON' });
  });
});
