import { describe, expect, it } from 'vitest';
import { parseRevocations, Revocations, serializeRevocations, type RevocationRule } from '../../src/keys/revocations.js';
import { T0 } from './fixture.js';

const key = (agent: string, issuedAt: number, accessKeyId = `K-${agent}-${issuedAt}`) => ({ accessKeyId, agent, issuedAt });

describe('Revocations', () => {
  it('a key rule covers that id; an agent rule that agent before the time; an all rule everyone before the time', () => {
    const rules = new Revocations([
      { kind: 'key', accessKeyId: 'K1', until: T0 + 10 },
      { kind: 'agent', agent: 'a', before: T0, until: T0 + 10 },
    ]);
    expect(rules.covers(key('z', T0 + 5, 'K1'))).toBe(true);
    expect(rules.covers(key('a', T0 - 1))).toBe(true);
    expect(rules.covers(key('a', T0))).toBe(false);
    expect(rules.covers(key('b', T0 - 1))).toBe(false);
    rules.add({ kind: 'all', before: T0 - 5, until: T0 + 10 }, T0);
    expect(rules.covers(key('b', T0 - 6))).toBe(true);
    expect(rules.covers(key('b', T0 - 5))).toBe(false);
  });

  it('notBefore: the latest rule time for the agent; latestBefore: for any', () => {
    const rules = new Revocations([
      { kind: 'agent', agent: 'a', before: T0 + 5, until: T0 + 10 },
      { kind: 'all', before: T0 + 3, until: T0 + 10 },
    ]);
    expect(rules.notBefore('a')).toBe(T0 + 5);
    expect(rules.notBefore('b')).toBe(T0 + 3);
    expect(rules.latestBefore()).toBe(T0 + 5);
    expect(new Revocations().notBefore('a')).toBe(0);
    expect(new Revocations().latestBefore()).toBe(0);
  });

  it('saves on every add and on a prune that dropped something, never otherwise', () => {
    const saves: RevocationRule[][] = [];
    const rules = new Revocations([{ kind: 'key', accessKeyId: 'K1', until: T0 + 10 }], (saved) => saves.push(saved));
    rules.prune(T0);
    expect(saves).toStrictEqual([]);
    rules.prune(T0 + 10);
    expect(saves).toStrictEqual([[]]);
    rules.add({ kind: 'key', accessKeyId: 'K2', until: T0 + 20 }, T0 + 10);
    expect(saves.at(-1)).toStrictEqual([{ kind: 'key', accessKeyId: 'K2', until: T0 + 20 }]);
  });
});

describe('revocations.json', () => {
  const rules: RevocationRule[] = [
    { kind: 'key', accessKeyId: 'AKIAPROXYX', until: T0 + 1 },
    { kind: 'agent', agent: 'ci', before: T0 + 2, until: T0 + 3 },
    { kind: 'all', before: T0 + 4, until: T0 + 5 },
  ];

  it('round-trips, with readable ISO times', () => {
    const text = serializeRevocations(rules);
    expect(text).toContain('"until": "2024-05-01T10:00:00.001Z"');
    expect(parseRevocations(JSON.parse(text))).toStrictEqual(rules);
  });

  it.each([
    [{}, /expected \{"v":1/],
    [{ v: 2, rules: [] }, /expected \{"v":1/],
    [{ v: 1, rules: [{ kind: 'agent', before: '2024-01-01T00:00:00Z', until: '2024-01-01T00:00:00Z' }] }, /unknown rule/],
    [{ v: 1, rules: [{ kind: 'all', before: 'yesterday', until: '2024-01-01T00:00:00Z' }] }, /no valid "before" time/],
    [{ v: 1, rules: [{ kind: 'key', accessKeyId: 'K' }] }, /no valid "until" time/],
  ])('refuses %j', (value, message) => {
    expect(() => parseRevocations(value)).toThrow(message);
  });
});
