import { describe, expect, it } from 'vitest';
import { agentTag, decodeKeyId, encodeKeyId, secretFor } from '../../src/keys/key-id.js';
import { MASTER, T0 } from './fixture.js';

const fields = { kind: 'agent' as const, issuedAt: T0 + 123, lifetimeSeconds: 43_200, agentTag: 0xdeadbeef };

describe('key ids', () => {
  it('round-trip issue time (ms), lifetime, agent tag and kind', () => {
    const id = encodeKeyId(MASTER, fields, Buffer.from([1, 2, 3, 4]));
    expect(id).toMatch(/^AKIAPROXY[A-Z2-7]{32}$/);
    expect(decodeKeyId(MASTER, id)).toStrictEqual({ ...fields, expiresAt: T0 + 123 + 43_200_000 });
    const session = encodeKeyId(MASTER, { ...fields, kind: 'session', lifetimeSeconds: 0, agentTag: 0 });
    expect(session).toMatch(/^ASIAPROXY[A-Z2-7]{32}$/);
    expect(decodeKeyId(MASTER, session)).toMatchObject({ kind: 'session', lifetimeSeconds: 0, agentTag: 0 });
  });

  it('differ in their random part even when everything else is the same', () => {
    expect(encodeKeyId(MASTER, fields)).not.toBe(encodeKeyId(MASTER, fields));
  });

  it('are refused when changed, made up, made with another master key or of another length', () => {
    const id = encodeKeyId(MASTER, fields);
    for (let i = 9; i < id.length; i++) {
      const changed = id.slice(0, i) + (id[i] === 'A' ? 'B' : 'A') + id.slice(i + 1);
      expect(decodeKeyId(MASTER, changed), `position ${i}`).toBeUndefined();
    }
    expect(decodeKeyId(MASTER, id.replace('AKIA', 'ASIA'))).toBeUndefined();
    expect(decodeKeyId(Buffer.alloc(32, 1), id)).toBeUndefined();
    expect(decodeKeyId(MASTER, id.toLowerCase())).toBeUndefined();
    expect(decodeKeyId(MASTER, `${id}A`)).toBeUndefined();
    expect(decodeKeyId(MASTER, 'AKIAPROXYAAAAAAAAAAA')).toBeUndefined();
    expect(decodeKeyId(MASTER, `AKIAPROXY${'1'.repeat(32)}`)).toBeUndefined();
  });

  it('refuse a lifetime a key id cannot hold', () => {
    expect(() => encodeKeyId(MASTER, { ...fields, lifetimeSeconds: 65_536 })).toThrow(RangeError);
  });
});

describe('secrets and tags', () => {
  it('a secret is 40 characters, fixed by master key and id', () => {
    const id = encodeKeyId(MASTER, fields);
    expect(secretFor(MASTER, id)).toHaveLength(40);
    expect(secretFor(MASTER, id)).toBe(secretFor(Buffer.from(MASTER), id));
    expect(secretFor(Buffer.alloc(32, 1), id)).not.toBe(secretFor(MASTER, id));
    expect(secretFor(MASTER, encodeKeyId(MASTER, fields))).not.toBe(secretFor(MASTER, id));
  });

  it('an agent tag is 32 bits fixed by master key and name', () => {
    expect(agentTag(MASTER, 'ci')).toBe(agentTag(MASTER, 'ci'));
    expect(agentTag(MASTER, 'ci')).not.toBe(agentTag(MASTER, 'cj'));
    expect(agentTag(Buffer.alloc(32, 1), 'ci')).not.toBe(agentTag(MASTER, 'ci'));
    expect(agentTag(MASTER, 'ci')).toBeLessThanOrEqual(0xffffffff);
  });
});
