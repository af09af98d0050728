import { describe, expect, it } from 'vitest';
import { GrantStore, type Assessment, type GrantEvent } from '../../src/grants/grant-store.js';
import { GrantError, type AccessRequest, type Grant, type GrantSettings } from '../../src/grants/types.js';

const SETTINGS: GrantSettings = { minDurationSeconds: 300, maxDurationSeconds: 43_200, autoApprove: [], askTimeoutMs: 50 };
const T0 = Date.parse('2026-12-02T09:00:00Z');
const READ: AccessRequest = { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'], durationSeconds: 900, reason: 'read the build logs' };
const WRITE: AccessRequest = { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'], durationSeconds: 900, reason: 'upload' };

const ASSESSMENT: Assessment = {
  expanded: ['s3:GetObject'],
  accessLevels: ['Read'],
  newAccess: { actions: ['s3:GetObject'], pairs: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/*', accessLevel: 'Read' }] },
  risk: { score: 2, factors: [{ factor: 'access-level', points: 1, detail: 'Read access: s3:GetObject' }] },
};

/** A store on a clock the test moves; reads auto-approved when `autoRead`; every save and event kept. */
function setup(options: { autoRead?: boolean; saved?: Grant[] } = {}) {
  let now = T0;
  const events: Array<[GrantEvent, string, string]> = [];
  const saves: Grant[][] = [];
  const pending: string[] = [];
  const signalInputs: Array<{ recentRequests: number[]; recentDenials: Array<{ action: string; at: number }> }> = [];
  const store = new GrantStore({
    settings: SETTINGS,
    saved: options.saved ?? [],
    save: (grants) => saves.push(structuredClone([...grants])),
    assess: async () => ASSESSMENT,
    signals: (input) => {
      signalInputs.push(structuredClone({ recentRequests: input.recentRequests, recentDenials: input.recentDenials }));
      return input.recentDenials.some((d) => input.expanded.includes(d.action)) ? ['follows a denial'] : [];
    },
    autoApproval: (_agent, request) => (options.autoRead && request.actions.every((a) => a.startsWith('s3:Get')) ? 'reads' : undefined),
    onEvent: (event, grant) => events.push([event, grant.id, grant.status]),
    onPending: (grant) => pending.push(grant.id),
    now: () => now,
  });
  return { store, events, saves, pending, signalInputs, advance: (ms: number) => (now += ms) };
}

describe('GrantStore', () => {
  it('a request no rule matches is pending and applies nothing until a person approves it', async () => {
    const { store, pending, events } = setup();
    const grant = await store.request('claude', WRITE);
    expect(grant).toMatchObject({ agent: 'claude', status: 'pending', request: WRITE, risk: ASSESSMENT.risk, newAccess: ASSESSMENT.newAccess });
    expect(grant.id).toMatch(/^g-[0-9a-f]{16}$/);
    expect(pending).toEqual([grant.id]);
    expect(store.activeFor('claude')).toEqual([]);
    store.approve(grant.id, { by: 'cli' });
    expect(store.activeFor('claude').map((g) => g.id)).toEqual([grant.id]);
    expect(grant).toMatchObject({ status: 'active', decidedBy: 'cli', expiresAt: new Date(T0 + 900_000).toISOString() });
    expect(events.map(([event]) => event)).toEqual(['requested', 'approved']);
  });

  it('a request a rule matches is active at once, decided by the rule', async () => {
    const { store, pending } = setup({ autoRead: true });
    const grant = await store.request('claude', READ);
    expect(grant).toMatchObject({ status: 'active', decidedBy: 'rule:reads' });
    expect(pending).toEqual([]);
  });

  it('stops applying at its expiry instant, on the first read after it, and says so once', async () => {
    const { store, advance, events } = setup({ autoRead: true });
    const grant = await store.request('claude', READ);
    advance(900_000 - 1);
    expect(store.activeFor('claude')).toHaveLength(1);
    advance(1);
    expect(store.activeFor('claude')).toEqual([]);
    expect(store.activeFor('claude')).toEqual([]);
    expect(grant.status).toBe('expired');
    expect(events.filter(([event]) => event === 'expired')).toHaveLength(1);
  });

  it("grants are the agent's own: another agent sees none, cannot read or release them", async () => {
    const { store } = setup({ autoRead: true });
    const grant = await store.request('claude', READ);
    expect(store.activeFor('other')).toEqual([]);
    expect(() => store.statusFor('other', grant.id)).toThrow(new GrantError(`no grant ${grant.id} for agent other`));
    expect(() => store.release('other', grant.id)).toThrow(GrantError);
    expect(grant.status).toBe('active');
  });

  it('release ends an active or pending grant; a second release is refused', async () => {
    const { store } = setup({ autoRead: true });
    const active = await store.request('claude', READ);
    const pendingOne = await store.request('claude', WRITE);
    expect(store.release('claude', active.id).status).toBe('released');
    expect(store.release('claude', pendingOne.id).status).toBe('released');
    expect(store.activeFor('claude')).toEqual([]);
    expect(() => store.release('claude', active.id)).toThrow(`grant ${active.id} is released: there is nothing to release`);
    expect(() => store.approve(pendingOne.id, { by: 'cli' })).toThrow(`grant ${pendingOne.id} is released, not pending`);
  });

  it('deny keeps the reason; revoke ends an active grant and records who', async () => {
    const { store } = setup({ autoRead: true });
    const write = await store.request('claude', WRITE);
    expect(store.deny(write.id, { reason: 'not today', by: 'web' })).toMatchObject({ status: 'denied', denyReason: 'not today', decidedBy: 'web' });
    const read = await store.request('claude', READ);
    expect(store.revoke(read.id, { by: 'cli' })).toMatchObject({ status: 'revoked', endedBy: 'cli', decidedBy: 'rule:reads' });
    expect(store.activeFor('claude')).toEqual([]);
    expect(() => store.revoke(read.id, { by: 'cli' })).toThrow(GrantError);
    expect(() => store.approve('g-0000000000000000', { by: 'cli' })).toThrow('no grant g-0000000000000000');
  });

  it.each([
    [299, 'below the floor'],
    [43_201, 'above the ceiling'],
    [1.5, 'not whole'],
  ])('a duration of %s s (%s) is refused, asked or approved', async (seconds) => {
    const { store } = setup();
    await expect(store.request('claude', { ...WRITE, durationSeconds: seconds })).rejects.toThrow('a grant lasts from 300 to 43200 seconds');
    const grant = await store.request('claude', WRITE);
    expect(() => store.approve(grant.id, { ttlSeconds: seconds, by: 'cli' })).toThrow(GrantError);
    expect(grant.status).toBe('pending');
  });

  it('an approver may shorten or lengthen the duration within the bounds', async () => {
    const { store } = setup();
    const grant = await store.request('claude', WRITE);
    store.approve(grant.id, { ttlSeconds: 3600, by: 'cli' });
    expect(grant.expiresAt).toBe(new Date(T0 + 3_600_000).toISOString());
  });

  it('a pending request nobody decided on within a day expires', async () => {
    const { store, advance } = setup();
    const grant = await store.request('claude', WRITE);
    advance(24 * 3600_000);
    expect(store.list({ statuses: ['pending'] })).toEqual([]);
    expect(grant.status).toBe('expired');
  });

  it('survives a restart: what was saved is what the next store starts with, expired ones ended', async () => {
    const first = setup({ autoRead: true });
    const kept = await first.store.request('claude', READ);
    const short = await first.store.request('claude', { ...READ, durationSeconds: 300 });
    const saved = first.saves.at(-1)!;
    const later = setup({ saved });
    expect(later.store.list({ statuses: ['active'] }).map((g) => g.id).sort()).toEqual([kept.id, short.id].sort());
    later.advance(300_000);
    expect(later.store.activeFor('claude').map((g) => g.id)).toEqual([kept.id]);
  });

  it('waitForDecision wakes on approval, and returns the grant still pending after the timeout', async () => {
    const { store } = setup();
    const grant = await store.request('claude', WRITE);
    const waiting = store.waitForDecision(grant.id, 5_000);
    store.approve(grant.id, { by: 'web' });
    expect((await waiting).status).toBe('active');
    const other = await store.request('claude', WRITE);
    expect((await store.waitForDecision(other.id, 20)).status).toBe('pending');
  });

  it('gives the signals the agent’s recent requests and denials, and only its own', async () => {
    const { store, signalInputs, advance } = setup();
    store.noteDenial('claude', ['s3:GetObject']);
    store.noteDenial('other', ['s3:PutObject']);
    advance(1000);
    const grant = await store.request('claude', READ);
    expect(grant.signals).toEqual(['follows a denial']);
    await store.request('claude', READ);
    expect(signalInputs[1]).toEqual({ recentRequests: [T0 + 1000], recentDenials: [{ action: 's3:GetObject', at: T0 }] });
    advance(10 * 60_000);
    await store.request('claude', READ);
    expect(signalInputs[2]).toEqual({ recentRequests: [], recentDenials: [] });
  });

  it('remembers at most 200 denials per agent, however many calls are denied', () => {
    const { store, signalInputs } = setup();
    for (let i = 0; i < 5000; i++) store.noteDenial('claude', [`s3:Action${i}`]);
    return store.request('claude', WRITE).then(() => expect(signalInputs[0]!.recentDenials).toHaveLength(200));
  });
});

describe('GrantStore: bounds an agent cannot flood past', () => {
  it('at most 20 requests waiting per agent, 50 live grants; other agents are unaffected', async () => {
    const { store } = setup({ autoRead: true });
    for (let i = 0; i < 20; i++) await store.request('claude', WRITE);
    await expect(store.request('claude', WRITE)).rejects.toThrow('agent claude already has 20 requests waiting for a decision');
    expect((await store.request('other', WRITE)).status).toBe('pending');
    // A rule's approval waits for nobody: only live grants bound it.
    for (let i = 0; i < 30; i++) expect((await store.request('claude', READ)).status).toBe('active');
    await expect(store.request('claude', READ)).rejects.toThrow('agent claude already has 50 grants active or pending');
    const one = store.list({ agent: 'claude', statuses: ['active'] })[0]!;
    store.release('claude', one.id);
    expect((await store.request('claude', READ)).status).toBe('active');
  });

  it('keeps the newest 200 ended grants, in memory and in what it saves', async () => {
    const { store, saves } = setup({ autoRead: true });
    const ids: string[] = [];
    for (let i = 0; i < 210; i++) ids.push(store.release('claude', (await store.request('claude', READ)).id).id);
    expect(store.list().map((g) => g.id)).toEqual(ids.slice(10));
    expect(saves.at(-1)).toHaveLength(200);
  });
});
