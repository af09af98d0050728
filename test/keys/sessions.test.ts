import { describe, expect, it } from 'vitest';
import { fixture, sessionRequest, T0, TTL } from './fixture.js';

describe('KeyStore.issueSession', () => {
  it('returns an ASIAPROXY key holding the real credentials, with a fresh proxy-issued token', () => {
    const { store, keyFor } = fixture();
    const parent = keyFor('a');
    const request = sessionRequest(parent, { tokenHeader: 'x-amz-s3session-token' });
    const key = store.issueSession(request);
    expect(key.accessKeyId).toMatch(/^ASIAPROXY[A-Z2-7]{32}$/);
    expect(key.secretAccessKey).toHaveLength(40);
    expect(key).toMatchObject({ agent: 'a', issuedAt: T0, expiresAt: T0 + TTL });
    expect(key.session).toStrictEqual({
      sessionToken: expect.stringMatching(/^IAP[A-Za-z0-9+/]{128}$/),
      tokenHeader: 'x-amz-s3session-token',
      credentials: request.credentials,
      assumedRole: request.assumedRole,
      accountId: '111122223333',
      parentKeyId: parent.accessKeyId,
    });
    expect(key.session!.sessionToken).not.toBe(request.credentials.sessionToken);
    expect(store.lookup(key.accessKeyId)).toStrictEqual({ status: 'valid', key });
    const again = store.issueSession(request);
    expect(again.accessKeyId).not.toBe(key.accessKeyId);
    expect(again.session!.sessionToken).not.toBe(key.session!.sessionToken);
  });

  it('leaves accountId out when the response did not say', () => {
    const { store, keyFor } = fixture();
    const key = store.issueSession(sessionRequest(keyFor('a'), { accountId: undefined }));
    expect(key.session).not.toHaveProperty('accountId');
  });

  it('expires with the real credentials, clamped to the lifetime ceiling (the ceiling when they carry none)', () => {
    const { store, keyFor, clock } = fixture({ lifetimes: { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 7200 } });
    const parent = keyFor('a');
    expect(store.issueSession(sessionRequest(parent, { expiresAt: T0 + 10 * TTL })).expiresAt).toBe(T0 + 7_200_000);
    expect(store.issueSession(sessionRequest(parent, { expiresAt: undefined })).expiresAt).toBe(T0 + 7_200_000);
    const short = store.issueSession(sessionRequest(parent, { expiresAt: T0 + 1000 }));
    expect(short.expiresAt).toBe(T0 + 1000);
    clock.now = T0 + 1000;
    expect(store.lookup(short.accessKeyId)).toStrictEqual({ status: 'expired' });
  });

  it('is revoked with its own id, any ancestor, its agent, or all; other agents are untouched', () => {
    for (const revoke of ['self', 'parent', 'grandparent', 'agent', 'all'] as const) {
      const { store, keyFor } = fixture();
      const root = keyFor('a');
      const child = store.issueSession(sessionRequest(root));
      const grandchild = store.issueSession(sessionRequest(child));
      const other = store.issueSession(sessionRequest(keyFor('b')));
      const selector = {
        self: { accessKeyId: grandchild.accessKeyId },
        parent: { accessKeyId: child.accessKeyId },
        grandparent: { accessKeyId: root.accessKeyId },
        agent: { agent: 'a' },
        all: { all: true as const },
      }[revoke];
      const ended = store.revoke(selector).map((key) => key.accessKeyId);
      expect(ended, revoke).toContain(grandchild.accessKeyId);
      expect(store.lookup(grandchild.accessKeyId), revoke).toStrictEqual({ status: 'revoked' });
      expect(store.lookup(other.accessKeyId).status, revoke).toBe(revoke === 'all' ? 'revoked' : 'valid');
    }
  });

  it('stays revoked after the rule that ended it is dropped', () => {
    const { store, keyFor, clock, saved } = fixture();
    const parent = keyFor('a');
    const session = store.issueSession(sessionRequest(parent, { expiresAt: T0 + 12 * TTL }));
    keyFor('b');
    store.revoke({ accessKeyId: parent.accessKeyId });
    clock.now = parent.expiresAt + 1;
    store.revoke({ agent: 'b' }); // any later revocation prunes the first rule
    expect(saved.rules.some((rule) => rule.kind === 'key')).toBe(false);
    expect(store.lookup(session.accessKeyId)).toStrictEqual({ status: 'revoked' });
  });

  it('a session opened by a call in flight when its parent was revoked is born revoked', () => {
    const { store, keyFor } = fixture();
    const parent = keyFor('a');
    store.revoke({ agent: 'a' });
    const late = store.issueSession(sessionRequest(parent));
    expect(store.lookup(late.accessKeyId)).toStrictEqual({ status: 'revoked' });
  });

  it('revoked takes precedence over expired', () => {
    const { store, keyFor, clock } = fixture();
    const session = store.issueSession(sessionRequest(keyFor('a')));
    store.revoke({ accessKeyId: session.accessKeyId });
    clock.now = session.expiresAt + 1;
    expect(store.lookup(session.accessKeyId)).toStrictEqual({ status: 'revoked' });
  });

  it('liveKeys lists sessions beside agent keys', () => {
    const { store, keyFor, clock } = fixture();
    const parent = keyFor('a');
    clock.now = T0 + 1;
    const session = store.issueSession(sessionRequest(parent));
    expect(store.liveKeys()).toStrictEqual([parent, session]);
  });

  it('a session opened after its agent was revoked, from a key issued after that, is valid (same millisecond)', () => {
    const { store, keyFor } = fixture();
    keyFor('a');
    store.revoke({ agent: 'a' });
    const fresh = keyFor('a');
    const session = store.issueSession(sessionRequest(fresh));
    expect(store.lookup(session.accessKeyId).status).toBe('valid');
  });

  it("an unsigned caller's session (no key of ours behind it) is held like any, and revoked by its own id or all", () => {
    const { store, keyFor } = fixture();
    keyFor('a');
    store.revoke({ all: true }); // earlier revocations do not reach back to a placeholder parent
    const nobody = { accessKeyId: 'UNAUTHENTICATED', secretAccessKey: '', agent: '(unauthenticated)', issuedAt: 0, expiresAt: 0 };
    const session = store.issueSession(sessionRequest(nobody));
    expect(session).toMatchObject({ agent: '(unauthenticated)', session: { parentKeyId: 'UNAUTHENTICATED' } });
    expect(store.lookup(session.accessKeyId)).toStrictEqual({ status: 'valid', key: session });
    const child = store.issueSession(sessionRequest(session));
    expect(() => store.revoke({ accessKeyId: 'UNAUTHENTICATED' })).toThrow('UNAUTHENTICATED is not a key this proxy issued');
    store.revoke({ accessKeyId: session.accessKeyId });
    expect(store.lookup(child.accessKeyId)).toStrictEqual({ status: 'revoked' });
    const other = store.issueSession(sessionRequest(nobody));
    store.revoke({ all: true });
    expect(store.lookup(other.accessKeyId)).toStrictEqual({ status: 'revoked' });
  });
});
