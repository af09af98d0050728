import { describe, expect, it } from 'vitest';
import { KeypairStore } from '../../src/keys/keypair-store.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const TTL = 3600_000;

function storeWithClock(): { store: KeypairStore; clock: { now: number } } {
  const clock = { now: T0 };
  return { store: new KeypairStore(TTL, () => clock.now), clock };
}

describe('KeypairStore', () => {
  it('issues AKIAPROXY + 11 base32 characters (20 in all) and a 40-character secret', () => {
    const { store } = storeWithClock();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const key = store.keypairFor(`agent-${i}`);
      expect(key.accessKeyId).toMatch(/^AKIAPROXY[A-Z2-7]{11}$/);
      expect(key.accessKeyId).toHaveLength(20);
      expect(key.secretAccessKey).toHaveLength(40);
      expect(key.issuedAt).toBe(T0);
      expect(key.expiresAt).toBe(T0 + TTL);
      ids.add(key.accessKeyId);
    }
    expect(ids.size).toBe(50);
  });

  it('hands the same key out again until half its lifetime has passed', () => {
    const { store, clock } = storeWithClock();
    const first = store.keypairFor('a');
    clock.now = T0 + TTL / 2 - 1;
    expect(store.keypairFor('a')).toBe(first);
  });

  it('issues a new key after half the TTL; both stay valid (overlap) until each one expires', () => {
    const { store, clock } = storeWithClock();
    const first = store.keypairFor('a');
    clock.now = T0 + TTL / 2;
    const second = store.keypairFor('a');
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.expiresAt).toBe(T0 + TTL / 2 + TTL);
    expect(store.lookup(first.accessKeyId).status).toBe('valid');
    expect(store.lookup(second.accessKeyId).status).toBe('valid');
    expect(store.keypairFor('a')).toBe(second);

    clock.now = T0 + TTL - 1;
    expect(store.lookup(first.accessKeyId).status).toBe('valid');
    clock.now = T0 + TTL;
    expect(store.lookup(first.accessKeyId).status).toBe('expired');
    expect(store.lookup(second.accessKeyId).status).toBe('valid');
  });

  it('never accepts a key at or after its expiry', () => {
    const { store, clock } = storeWithClock();
    const key = store.keypairFor('a');
    clock.now = T0 + TTL;
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'expired' });
    clock.now = T0 + TTL + 5000;
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'expired' });
  });

  it('never hands out an expired key: the agent gets a fresh one', () => {
    const { store, clock } = storeWithClock();
    const first = store.keypairFor('a');
    clock.now = T0 + 2 * TTL;
    const next = store.keypairFor('a');
    expect(next.accessKeyId).not.toBe(first.accessKeyId);
    expect(next.expiresAt).toBe(clock.now + TTL);
    expect(store.lookup(first.accessKeyId).status).toBe('expired');
  });

  it('lookup returns the key itself when valid, and unknown for ids it never issued', () => {
    const { store } = storeWithClock();
    const key = store.keypairFor('a');
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'valid', key });
    expect(store.lookup('AKIAPROXYAAAAAAAAAAA')).toStrictEqual({ status: 'unknown' });
  });

  it('gives separate agents separate keys', () => {
    const { store } = storeWithClock();
    const a = store.keypairFor('a');
    const b = store.keypairFor('b');
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    expect([a.agent, b.agent]).toStrictEqual(['a', 'b']);
    expect(store.keypairFor('a')).toBe(a);
  });

  it('revokes one key by id and then issues the agent a new one', () => {
    const { store } = storeWithClock();
    const a = store.keypairFor('a');
    const b = store.keypairFor('b');
    expect(store.revoke({ accessKeyId: a.accessKeyId })).toStrictEqual([a]);
    expect(store.lookup(a.accessKeyId)).toStrictEqual({ status: 'revoked' });
    expect(store.lookup(b.accessKeyId).status).toBe('valid');
    const replacement = store.keypairFor('a');
    expect(replacement.accessKeyId).not.toBe(a.accessKeyId);
    expect(store.lookup(replacement.accessKeyId).status).toBe('valid');
  });

  it('revokes every key of one agent, including the older overlapping one', () => {
    const { store, clock } = storeWithClock();
    const old = store.keypairFor('a');
    clock.now = T0 + TTL / 2;
    const newer = store.keypairFor('a');
    const other = store.keypairFor('b');
    const revoked = store.revoke({ agent: 'a' });
    expect(revoked.map((k) => k.accessKeyId).sort()).toStrictEqual([old.accessKeyId, newer.accessKeyId].sort());
    expect(store.lookup(old.accessKeyId).status).toBe('revoked');
    expect(store.lookup(newer.accessKeyId).status).toBe('revoked');
    expect(store.lookup(other.accessKeyId).status).toBe('valid');
  });

  it('revokes all keys with an empty selector', () => {
    const { store } = storeWithClock();
    const keys = [store.keypairFor('a'), store.keypairFor('b'), store.keypairFor('c')];
    expect(store.revoke({})).toHaveLength(3);
    for (const key of keys) expect(store.lookup(key.accessKeyId).status).toBe('revoked');
    expect(store.liveKeys()).toStrictEqual([]);
  });

  it('revoking with a selector that matches nothing revokes nothing', () => {
    const { store } = storeWithClock();
    const a = store.keypairFor('a');
    expect(store.revoke({ agent: 'nobody' })).toStrictEqual([]);
    expect(store.revoke({ accessKeyId: a.accessKeyId, agent: 'b' })).toStrictEqual([]);
    expect(store.lookup(a.accessKeyId).status).toBe('valid');
  });

  it('a revoked key stays revoked, not expired, after its expiry time', () => {
    const { store, clock } = storeWithClock();
    const a = store.keypairFor('a');
    store.revoke({ accessKeyId: a.accessKeyId });
    clock.now = T0 + TTL + 1;
    expect(store.lookup(a.accessKeyId).status).toBe('revoked');
  });

  it('liveKeys lists the accepted keys oldest first and drops expired and revoked ones', () => {
    const { store, clock } = storeWithClock();
    const a = store.keypairFor('a');
    clock.now = T0 + 1000;
    const b = store.keypairFor('b');
    const c = store.keypairFor('c');
    expect(store.liveKeys()).toStrictEqual([a, b, c]);
    store.revoke({ agent: 'b' });
    expect(store.liveKeys()).toStrictEqual([a, c]);
    clock.now = T0 + TTL;
    expect(store.liveKeys()).toStrictEqual([c]);
    clock.now = T0 + 1000 + TTL;
    expect(store.liveKeys()).toStrictEqual([]);
  });
});
