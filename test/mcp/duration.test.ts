import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../../src/mcp/duration.js';

describe('durationSeconds', () => {
  it.each([
    [1800, 1800],
    ['1800', 1800],
    ['90s', 90],
    ['30m', 1800],
    ['12h', 43200],
  ])('%j is %i seconds', (value, seconds) => expect(durationSeconds(value)).toBe(seconds));

  it.each(['', '1d', '1.5h', '-5m', '30 m', '12345678h'])('refuses %j', (value) => expect(() => durationSeconds(value)).toThrow('is not a duration'));
});
