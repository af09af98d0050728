import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_KEYS } from '../../src/keys/key-store.js';
import { fixture, T0, TTL } from './fixture.js';

describe('KeyStore: agent keys', () => {
  it('issues AKIAPROXY + 32 base32 characters and a 40-character secret, each agent its own', () => {
    const { keyFor } = fixture();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const key = keyFor(`agent-${i}`);
      expect(key.accessKeyId).toMatch(/^AKIAPROXY[A-Z2-7]{32}$/);
      expect(key.secretAccessKey).toHaveLength(40);
      expect(key).toMatchObject({ agent: `agent-${i}`, issuedAt: T0, expiresAt: T0 + TTL });
      expect(key.session).toBeUndefined();
      ids.add(key.accessKeyId);
    }
    expect(ids.size).toBe(50);
  });

  it('hands the same key out again until half its lifetime has passed', () => {
    const { keyFor, clock } = fixture();
    const first = keyFor('a');
    clock.now = T0 + TTL / 2 - 1;
    expect(keyFor('a')).toBe(first);
  });

  it('an agent asking for fresh keys without end cannot grow memory without bound; a key pushed out still verifies', () => {
    const { store, keyFor } = fixture();
    keyFor('a'); // the agent, created on first use
    const first = store.keyFor('a', undefined, { fresh: true });
    for (let i = 0; i < MAX_REMEMBERED_KEYS + 50; i++) store.keyFor('a', undefined, { fresh: true });
    expect(store.liveKeys().length).toBeLessThanOrEqual(MAX_REMEMBERED_KEYS);
    expect(store.liveKeys().some((key) => key.accessKeyId === first.accessKeyId)).toBe(false);
    expect(store.lookup(first.accessKeyId)).toMatchObject({ status: 'valid', key: { secretAccessKey: first.secretAccessKey, agent: 'a' } });
    store.revoke({ accessKeyId: first.accessKeyId });
    expect(store.lookup(first.accessKeyId).status).toBe('revoked');
  });

  it('fresh: a new key each time, handed to nobody else, and revocable alone', () => {
    const { store, keyFor } = fixture();
    const shared = keyFor('a');
    const one = store.keyFor('a', undefined, { fresh: true });
    const two = store.keyFor('a', undefined, { fresh: true });
    expect(new Set([shared.accessKeyId, one.accessKeyId, two.accessKeyId]).size).toBe(3);
    expect(keyFor('a')).toBe(shared); // the shared key is still the one handed out
    store.revoke({ accessKeyId: one.accessKeyId });
    expect(store.lookup(one.accessKeyId).status).toBe('revoked');
    expect(store.lookup(two.accessKeyId).status).toBe('valid');
    expect(store.lookup(shared.accessKeyId).status).toBe('valid');
  });

  it('issues a new key after half the lifetime; both stay valid (overlap) until each one expires', () => {
    const { store, keyFor, clock } = fixture();
    const first = keyFor('a');
    clock.now = T0 + TTL / 2;
    const second = keyFor('a');
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.expiresAt).toBe(T0 + TTL / 2 + TTL);
    expect(store.lookup(first.accessKeyId).status).toBe('valid');
    expect(keyFor('a')).toBe(second);
    clock.now = T0 + TTL - 1;
    expect(store.lookup(first.accessKeyId).status).toBe('valid');
    clock.now = T0 + TTL;
    expect(store.lookup(first.accessKeyId)).toStrictEqual({ status: 'expired' });
    expect(store.lookup(second.accessKeyId).status).toBe('valid');
  });

  it('never hands out an expired key: the agent gets a fresh one', () => {
    const { store, keyFor, clock } = fixture();
    const first = keyFor('a');
    clock.now = T0 + 2 * TTL;
    const next = keyFor('a');
    expect(next.accessKeyId).not.toBe(first.accessKeyId);
    expect(next.expiresAt).toBe(clock.now + TTL);
    expect(store.lookup(first.accessKeyId).status).toBe('expired');
  });

  it('lookup returns the key itself when valid, and unknown for ids it never issued', () => {
    const { store, keyFor } = fixture();
    const key = keyFor('a');
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'valid', key });
    expect(store.lookup('AKIAPROXYAAAAAAAAAAA')).toStrictEqual({ status: 'unknown' });
    const flipped = key.accessKeyId.slice(0, -1) + (key.accessKeyId.endsWith('A') ? 'B' : 'A');
    expect(store.lookup(flipped)).toStrictEqual({ status: 'unknown' });
    expect(store.lookup(key.accessKeyId.replace('AKIA', 'ASIA'))).toStrictEqual({ status: 'unknown' });
  });

  it("another master key's ids are unknown", () => {
    const other = fixture({ master: Buffer.alloc(32, 9) });
    const key = other.keyFor('a');
    const { store } = fixture();
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'unknown' });
  });

  it('refuses agents it does not know', () => {
    const { store } = fixture();
    expect(() => store.keyFor('stranger')).toThrow('unknown agent "stranger"');
  });
});

describe('KeyStore: after a restart (a new store on the same master key and state)', () => {
  it('verifies the keys issued before, with the same secret, agent and expiry', () => {
    const before = fixture({ declared: [{ name: 'ci' }] });
    const declared = before.store.keyFor('ci');
    const recorded = before.keyFor('made-on-first-use');
    const after = before.restart();
    expect(after.store.lookup(declared.accessKeyId)).toStrictEqual({ status: 'valid', key: declared });
    expect(after.store.lookup(recorded.accessKeyId)).toStrictEqual({ status: 'valid', key: recorded });
    expect(before.saved.recorded).toStrictEqual(['made-on-first-use']);
  });

  it('lists a key from before the restart once it is used', () => {
    const before = fixture();
    const key = before.keyFor('a');
    const after = before.restart();
    expect(after.store.liveKeys()).toStrictEqual([]);
    after.store.lookup(key.accessKeyId);
    expect(after.store.liveKeys()).toStrictEqual([key]);
  });

  it('keeps revoked keys revoked, and expired ones expired', () => {
    const before = fixture();
    const revoked = before.keyFor('a');
    const kept = before.keyFor('b');
    before.store.revoke({ agent: 'a' });
    const after = before.restart();
    expect(after.store.lookup(revoked.accessKeyId)).toStrictEqual({ status: 'revoked' });
    expect(after.store.lookup(kept.accessKeyId).status).toBe('valid');
    after.clock.now = T0 + TTL;
    expect(after.store.lookup(kept.accessKeyId)).toStrictEqual({ status: 'expired' });
  });

  it('an agent no longer declared: its keys are unknown', () => {
    const before = fixture({ declared: [{ name: 'ci' }] });
    const key = before.store.keyFor('ci');
    expect(before.restart({ declared: [] }).store.lookup(key.accessKeyId)).toStrictEqual({ status: 'unknown' });
  });

  it('forgets sessions: their real credentials were never written anywhere', () => {
    const before = fixture();
    const session = before.store.issueSession({
      parent: before.keyFor('a'),
      credentials: { accessKeyId: 'ASIAREAL', secretAccessKey: 's' },
      expiresAt: T0 + TTL,
      assumedRole: 'r',
      tokenHeader: 'x-amz-security-token',
    });
    expect(JSON.stringify(before.saved)).not.toContain('ASIAREAL');
    expect(before.restart().store.lookup(session.accessKeyId)).toStrictEqual({ status: 'unknown' });
  });
});

describe('KeyStore: lifetimes', () => {
  it('a declared agent gets its own lifetime; a request may ask for another within the bounds', () => {
    const { store, clock } = fixture({ declared: [{ name: 'ci', ttlSeconds: 900 }] });
    expect(store.keyFor('ci').expiresAt).toBe(T0 + 900_000);
    const short = store.keyFor('ci', 60);
    expect(short.expiresAt).toBe(T0 + 60_000);
    expect(store.keyFor('ci', 60)).toBe(short);
    clock.now = T0 + 30_000;
    expect(store.keyFor('ci', 60)).not.toBe(short);
    expect(store.keyFor('ci', 43_200).expiresAt).toBe(clock.now + 43_200_000);
  });

  it('refuses a ttl outside the floor and ceiling, naming the bound', () => {
    const { store } = fixture({ lifetimes: { defaultSeconds: 3600, minSeconds: 120, maxSeconds: 7200 } });
    expect(() => store.keyFor('default', 119)).toThrow('ttl 119 s is below the floor of 120 s (PROXY_KEY_TTL_MIN)');
    expect(() => store.keyFor('default', 7201)).toThrow('ttl 7201 s is above the ceiling of 7200 s (PROXY_KEY_TTL_MAX)');
    expect(() => store.keyFor('default', 1.5)).toThrow('ttl must be a whole number of seconds');
    expect(store.liveKeys()).toStrictEqual([]);
  });
});

describe('KeyStore: revocation', () => {
  it('by key id: that key only, and the agent then gets a new one', () => {
    const { store, keyFor } = fixture();
    const a = keyFor('a');
    const b = keyFor('b');
    expect(store.revoke({ accessKeyId: a.accessKeyId })).toStrictEqual([a]);
    expect(store.lookup(a.accessKeyId)).toStrictEqual({ status: 'revoked' });
    expect(store.lookup(b.accessKeyId).status).toBe('valid');
    const replacement = keyFor('a');
    expect(replacement.accessKeyId).not.toBe(a.accessKeyId);
    expect(store.lookup(replacement.accessKeyId).status).toBe('valid');
  });

  it('by agent: every key issued to it so far, the older overlapping one too; a key issued in the same millisecond after it is not', () => {
    const { store, keyFor, clock } = fixture();
    const old = keyFor('a');
    clock.now = T0 + TTL / 2;
    const newer = keyFor('a');
    const other = keyFor('b');
    const revoked = store.revoke({ agent: 'a' });
    expect(revoked.map((k) => k.accessKeyId).sort()).toStrictEqual([old.accessKeyId, newer.accessKeyId].sort());
    expect(store.lookup(old.accessKeyId).status).toBe('revoked');
    expect(store.lookup(newer.accessKeyId).status).toBe('revoked');
    expect(store.lookup(other.accessKeyId).status).toBe('valid');
    const fresh = keyFor('a'); // same clock reading as the revocation
    expect(fresh.issuedAt).toBeGreaterThan(clock.now);
    expect(store.lookup(fresh.accessKeyId).status).toBe('valid');
  });

  it('covers keys issued "later" when the clock has stepped back, and keys issued just after an earlier revocation', () => {
    const { store, keyFor, clock } = fixture();
    clock.now = T0 + 60_000;
    const ahead = keyFor('a');
    clock.now = T0;
    store.revoke({ agent: 'a' });
    expect(store.lookup(ahead.accessKeyId).status).toBe('revoked');
    const next = keyFor('a'); // issued no earlier than the revocation reaches
    expect(store.lookup(next.accessKeyId).status).toBe('valid');
    store.revoke({ all: true }); // same clock reading
    expect(store.lookup(next.accessKeyId).status).toBe('revoked');
  });

  it('all: every key of every agent, and new keys are fine', () => {
    const { store, keyFor } = fixture();
    const keys = [keyFor('a'), keyFor('b'), keyFor('c')];
    expect(store.revoke({ all: true })).toHaveLength(3);
    for (const key of keys) expect(store.lookup(key.accessKeyId).status).toBe('revoked');
    expect(store.liveKeys()).toStrictEqual([]);
    expect(store.lookup(keyFor('a').accessKeyId).status).toBe('valid');
  });

  it('refuses ids it never issued and agents it does not know, revoking nothing', () => {
    const { store, keyFor, saved } = fixture();
    const a = keyFor('a');
    expect(() => store.revoke({ accessKeyId: 'AKIAPROXYNOTISSUED00' })).toThrow('AKIAPROXYNOTISSUED00 is not a key this proxy issued');
    expect(() => store.revoke({ agent: 'nobody' })).toThrow('no agent is named "nobody"');
    expect(store.lookup(a.accessKeyId).status).toBe('valid');
    expect(saved.rules).toStrictEqual([]);
  });

  it('a revoked key stays revoked, not expired, after its expiry', () => {
    const { store, keyFor, clock } = fixture();
    const a = keyFor('a');
    store.revoke({ accessKeyId: a.accessKeyId });
    clock.now = T0 + TTL + 1;
    expect(store.lookup(a.accessKeyId)).toStrictEqual({ status: 'revoked' });
  });

  it('persists each rule and drops it once nothing it covers could still be valid', () => {
    const { store, keyFor, clock, saved } = fixture();
    const a = keyFor('a');
    keyFor('b');
    store.revoke({ accessKeyId: a.accessKeyId });
    store.revoke({ agent: 'b' });
    expect(saved.rules).toStrictEqual([
      { kind: 'key', accessKeyId: a.accessKeyId, until: a.expiresAt },
      { kind: 'agent', agent: 'b', before: T0 + 1, until: T0 + 1 + 43_200_000 },
    ]);
    clock.now = a.expiresAt;
    store.revoke({ all: true });
    expect(saved.rules.map((rule) => rule.kind)).toStrictEqual(['agent', 'all']);
    clock.now = T0 + 1 + 43_200_000;
    store.revoke({ all: true });
    expect(saved.rules).toStrictEqual([
      { kind: 'all', before: a.expiresAt + 1, until: a.expiresAt + 1 + 43_200_000 },
      { kind: 'all', before: clock.now + 1, until: clock.now + 1 + 43_200_000 },
    ]);
  });
});

describe('KeyStore: liveKeys', () => {
  it('lists the accepted keys oldest first and drops expired and revoked ones', () => {
    const { store, keyFor, clock } = fixture();
    const a = keyFor('a');
    clock.now = T0 + 1000;
    const b = keyFor('b');
    const c = keyFor('c');
    expect(store.liveKeys()).toStrictEqual([a, b, c]);
    store.revoke({ agent: 'b' });
    expect(store.liveKeys()).toStrictEqual([a, c]);
    clock.now = T0 + TTL;
    expect(store.liveKeys()).toStrictEqual([c]);
    clock.now = T0 + 1000 + TTL;
    expect(store.liveKeys()).toStrictEqual([]);
  });
});

describe('KeyStore: re-elevation signal', () => {
  it('warns once when an agent gets more than 10 keys in 5 minutes, and flags it until the window passes', () => {
    const { store, keyFor, clock, warnings } = fixture({ refetchLimit: { count: 10, windowSeconds: 300 } });
    for (let i = 0; i < 10; i++) {
      clock.now = T0 + i * 1000;
      keyFor('busy', 60 + i); // a new lifetime each time: a new key each time
    }
    keyFor('calm');
    expect(warnings).toStrictEqual([]);
    expect(store.refetchWarnings()).toStrictEqual([]);
    keyFor('busy', 100);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^agent busy was issued 11 keys in the last 300 s \(more than 10\)/);
    keyFor('busy', 101);
    expect(warnings).toHaveLength(1); // said once per window
    expect(store.refetchWarnings().map(({ agent, count }) => ({ agent, count }))).toStrictEqual([{ agent: 'busy', count: 12 }]);
    clock.now = T0 + 10_000 + 300_000;
    expect(store.refetchWarnings()).toStrictEqual([]);
  });

  it('counts issuances, not requests: the cached key handed out again does not count', () => {
    const { store, keyFor, warnings } = fixture({ refetchLimit: { count: 2, windowSeconds: 300 } });
    for (let i = 0; i < 100; i++) keyFor('cli');
    expect(warnings).toStrictEqual([]);
    expect(store.refetchWarnings()).toStrictEqual([]);
  });

  it('counts sessions too', () => {
    const { store, keyFor, warnings } = fixture({ refetchLimit: { count: 2, windowSeconds: 300 } });
    const parent = keyFor('a');
    for (let i = 0; i < 2; i++) store.issueSession({ parent, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, expiresAt: undefined, assumedRole: 'r', tokenHeader: 'x-amz-security-token' });
    expect(warnings).toHaveLength(1);
  });
});

