import { GrantError, type Grant, type GrantDecisions } from '../../../src/grants/types.js';

/** A grant as the store would hand it to the page; `overrides` set what a test is about. */
export function sampleGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: 'g-0123456789abcdef',
    agent: 'default',
    request: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'], durationSeconds: 900, reason: 'read the quarterly report', ticket: 'OPS-42' },
    status: 'pending',
    requestedAt: '2026-01-02T10:00:00.000Z',
    risk: { score: 3, factors: [{ factor: 'access-level', points: 1, detail: 'Read' }, { factor: 'wildcard-resource', points: 2, detail: 'arn:aws:s3:::reports/*' }] },
    newAccess: { actions: ['s3:GetObject'], pairs: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::reports/*', accessLevel: 'Read' }] },
    signals: [],
    ...overrides,
  };
}

export interface FakeDecisions extends GrantDecisions {
  /** Every decision taken, in order, with the options it was given. */
  calls: Array<{ op: 'approve' | 'deny' | 'revoke'; id: string; options: object }>;
}

/** GrantDecisions over an in-memory list, with the store's refusals: unknown id, wrong status. */
export function fakeDecisions(grants: Grant[]): FakeDecisions {
  const held = new Map(grants.map((grant) => [grant.id, { ...grant }]));
  const calls: FakeDecisions['calls'] = [];
  const decide = (id: string, from: Grant['status'], change: Partial<Grant>): Grant => {
    const grant = held.get(id);
    if (grant === undefined) throw new GrantError(`no grant ${id}`);
    if (grant.status !== from) throw new GrantError(`${id} is ${grant.status}, not ${from}`);
    Object.assign(grant, change);
    return { ...grant };
  };
  return {
    calls,
    list: (filter) => [...held.values()].filter((grant) => !filter?.statuses || filter.statuses.includes(grant.status)).map((grant) => ({ ...grant })),
    approve(id, options) {
      calls.push({ op: 'approve', id, options });
      const ttl = options.ttlSeconds ?? held.get(id)?.request.durationSeconds ?? 0;
      return decide(id, 'pending', { status: 'active', decidedBy: options.by, decidedAt: '2026-01-02T10:05:00.000Z', expiresAt: new Date(Date.parse('2026-01-02T10:05:00.000Z') + ttl * 1000).toISOString() });
    },
    deny(id, options) {
      calls.push({ op: 'deny', id, options });
      return decide(id, 'pending', { status: 'denied', decidedBy: options.by, denyReason: options.reason });
    },
    revoke(id, options) {
      calls.push({ op: 'revoke', id, options });
      return decide(id, 'active', { status: 'revoked', decidedBy: options.by });
    },
  };
}
