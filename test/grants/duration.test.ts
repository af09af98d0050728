import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/grants/duration.js';
import { GrantError } from '../../src/grants/types.js';

describe('parseDuration', () => {
  it.each([
    [300, 300],
    ['300', 300],
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['2h30m', 9000],
    ['1h0m5s', 3605],
    ['90m', 5400],
    ['007m', 420],
    [7 * 24 * 3600, 604_800],
  ])('reads %j as %i s', (value, seconds) => expect(parseDuration(value, 'duration')).toBe(seconds));

  it.each([
    ['15x', 'ttl: "15x" is not a duration (whole seconds, or like "90s", "15m", "1h", "2h30m")'],
    ['', 'ttl: "" is not a duration'],
    ['1e9', 'ttl: "1e9" is not a duration'],
    ['-5m', 'ttl: "-5m" is not a duration'],
    ['1.5h', 'ttl: "1.5h" is not a duration'],
    ['30m1h', 'ttl: "30m1h" is not a duration'],
    ['1h 30m', 'ttl: "1h 30m" is not a duration'],
    [' 300', 'ttl: " 300" is not a duration'],
    ['1d', 'ttl: "1d" is not a duration'],
    ['1H', 'ttl: "1H" is not a duration'],
    [1.5, 'ttl: 1.5 is not a duration'],
    [Number.NaN, 'ttl: NaN is not a duration'],
    [Number.POSITIVE_INFINITY, 'ttl: Infinity is not a duration'],
    [null, 'ttl: a value of type null is not a duration'],
    [['1h'], 'ttl: a value of type object is not a duration'],
    [true, 'ttl: a value of type boolean is not a duration'],
    ['0', 'ttl: "0" is not a positive duration'],
    ['0h0m0s', 'ttl: "0h0m0s" is not a positive duration'],
    [0, 'ttl: 0 is not a positive duration'],
    [-300, 'ttl: -300 is not a positive duration'],
    [1e9, 'ttl: 1000000000 is longer than 168h'],
    ['169h', 'ttl: "169h" is longer than 168h'],
    ['99999999999999999999999h', 'ttl: "99999999999999999999999h" is longer than 168h'],
  ])('refuses %j', (value, message) => {
    expect(() => parseDuration(value, 'ttl')).toThrow(GrantError);
    expect(() => parseDuration(value, 'ttl')).toThrow(message);
  });

  it('shortens a long string in its message', () => {
    expect(() => parseDuration('9'.repeat(100) + 'x', 'ttl')).toThrow(`ttl: "${'9'.repeat(40)}…" is not a duration`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [900, '15m'],
    [3605, '1h5s'],
    [9000, '2h30m'],
    [43_200, '12h'],
  ])('writes %i s as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    if (seconds > 0) expect(parseDuration(text, 'round trip')).toBe(seconds);
  });
});
