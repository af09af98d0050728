import { randomBytes } from 'node:crypto';
import { GrantError, type AccessLevel, type AccessRequest, type Grant, type GrantDecisions, type GrantSettings, type GrantStatus, type NewAccess, type RiskScore } from './types.js';

/** What a request adds and how risky it is (access-service.ts, from iam-expand, iam-data and iam-simulate). */
export interface Assessment {
  expanded: string[];
  accessLevels: Array<AccessLevel | undefined>;
  newAccess: NewAccess;
  risk: RiskScore;
}

export type GrantEvent = 'requested' | 'approved' | 'denied' | 'released' | 'revoked' | 'expired';

export interface GrantStoreOptions {
  settings: GrantSettings;
  /** The grants a previous run left (grants.json); ended ones are history. */
  saved: Grant[];
  save(grants: Iterable<Grant>): void;
  assess(agent: string, request: AccessRequest): Promise<Assessment>;
  /** Warnings for the approver, from the agent's recent requests and denials (signals.ts). */
  signals(input: { request: AccessRequest; expanded: string[]; recentRequests: number[]; recentDenials: Array<{ action: string; at: number }> }): string[];
  /** The auto-approve rule the request matches, if any (auto-approve.ts). */
  autoApproval(agent: string, request: AccessRequest, assessment: Assessment): string | undefined;
  /** Every change, for the action log and the console. */
  onEvent(event: GrantEvent, grant: Grant): void;
  /** A request no rule approved: a person must decide. */
  onPending(grant: Grant): void;
  now?: () => number;
}

/** How far back requests and denials count for the detection signals. */
const HISTORY_MS = 10 * 60_000;
/** Per agent, the most requests and denials remembered: a flood of denied calls must not grow memory. */
const HISTORY_LIMIT = 200;
/** Per agent: more undecided requests than this is flooding the approver; more live grants, bloating its policy. */
export const MAX_PENDING_PER_AGENT = 20;
export const MAX_LIVE_PER_AGENT = 50;
/** Ended grants kept in memory and in grants.json, newest first: history for `grants --all`. */
const MAX_ENDED_KEPT = 200;
/** A request nobody decided on within a day is stale: a late approval would surprise the agent. */
const PENDING_LIFETIME_MS = 24 * 3600_000;

/**
 * Every grant, its lifecycle and its persistence. A grant applies from approval until its expiry
 * instant, checked on each request (`activeFor`), so expiry takes effect on the first request after
 * it; release and revoke take effect on the next. Grants belong to one agent: an agent's channel can
 * only see and release its own (an id of another agent's reads as unknown).
 */
export class GrantStore implements GrantDecisions {
  private readonly grants = new Map<string, Grant>();
  /** Active grants by agent: read on every request, so never a scan of all grants. */
  private readonly active = new Map<string, Set<Grant>>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly requests = new Map<string, number[]>();
  private readonly denials = new Map<string, Array<{ action: string; at: number }>>();
  private readonly now: () => number;

  constructor(private readonly options: GrantStoreOptions) {
    this.now = options.now ?? Date.now;
    for (const grant of options.saved) {
      this.grants.set(grant.id, grant);
      if (grant.status === 'active') this.activeSet(grant.agent).add(grant);
    }
    this.expireDue();
  }

  get settings(): GrantSettings {
    return this.options.settings;
  }

  /** An agent asks; a rule may approve it at once, else it waits for a person. */
  async request(agent: string, request: AccessRequest, options: { heldCall?: boolean } = {}): Promise<Grant> {
    this.checkDuration(request.durationSeconds);
    this.checkRoomFor(agent, false);
    const assessment = await this.options.assess(agent, request);
    const now = this.now();
    const recentRequests = recent(this.requests, agent, now, (at) => at);
    const recentDenials = recent(this.denials, agent, now, (denial) => denial.at);
    const grant: Grant = {
      id: `g-${randomBytes(8).toString('hex')}`,
      agent,
      request,
      status: 'pending',
      requestedAt: new Date(now).toISOString(),
      risk: assessment.risk,
      newAccess: assessment.newAccess,
      signals: this.options.signals({ request, expanded: assessment.expanded, recentRequests, recentDenials }),
      ...(options.heldCall ? { heldCall: true } : {}),
    };
    recentRequests.push(now);
    const rule = this.options.autoApproval(agent, request, assessment);
    this.checkRoomFor(agent, rule === undefined); // again: others may have been added while this one was assessed
    this.grants.set(grant.id, grant);
    this.changed('requested', grant);
    if (rule !== undefined) this.activate(grant, request.durationSeconds, `rule:${rule}`);
    else this.options.onPending(grant);
    return grant;
  }

  /** Remembered for the signal "a request that follows a denial of the same action". */
  noteDenial(agent: string, actions: string[]): void {
    const now = this.now();
    const list = recent(this.denials, agent, now, (denial) => denial.at);
    for (const action of actions) list.push({ action, at: now });
  }

  /** The agent's grants in force now, in the order they were approved: read on every request. */
  activeFor(agent: string): Grant[] {
    const set = this.active.get(agent);
    if (!set?.size) return [];
    const now = this.now();
    for (const grant of set) if (Date.parse(grant.expiresAt!) <= now) this.end(grant, 'expired', 'expired');
    return [...set];
  }

  /** One of the agent's own grants. */
  statusFor(agent: string, id: string): Grant {
    this.expireDue();
    return this.ownGrant(agent, id);
  }

  release(agent: string, id: string): Grant {
    const grant = this.statusFor(agent, id);
    if (grant.status !== 'active' && grant.status !== 'pending') throw new GrantError(`grant ${id} is ${grant.status}: there is nothing to release`);
    return this.end(grant, 'released', 'released');
  }

  /** Resolves once the grant is no longer pending, or after timeoutMs (still pending then). */
  waitForDecision(id: string, timeoutMs: number): Promise<Grant> {
    const grant = this.grants.get(id);
    if (!grant || grant.status !== 'pending') return Promise.resolve(grant!);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.grants.get(id)!);
      };
      const timer = setTimeout(() => {
        this.waiters.set(id, (this.waiters.get(id) ?? []).filter((waiter) => waiter !== done));
        resolve(this.grants.get(id)!);
      }, timeoutMs);
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), done]);
    });
  }

  list(filter: { statuses?: GrantStatus[]; agent?: string } = {}): Grant[] {
    this.expireDue();
    return [...this.grants.values()].filter((grant) => (!filter.statuses || filter.statuses.includes(grant.status)) && (filter.agent === undefined || grant.agent === filter.agent));
  }

  approve(id: string, options: { ttlSeconds?: number; by: 'cli' | 'web' }): Grant {
    const grant = this.pending(id);
    const seconds = options.ttlSeconds ?? grant.request.durationSeconds;
    this.checkDuration(seconds);
    return this.activate(grant, seconds, options.by);
  }

  deny(id: string, options: { reason: string; by: 'cli' | 'web' | 'timeout' }): Grant {
    const grant = this.pending(id);
    grant.status = 'denied';
    grant.decidedAt = new Date(this.now()).toISOString();
    grant.decidedBy = options.by;
    grant.denyReason = options.reason;
    return this.changed('denied', grant);
  }

  revoke(id: string, options: { by: 'cli' | 'web' }): Grant {
    this.expireDue();
    const grant = this.known(id);
    if (grant.status !== 'active' && grant.status !== 'pending') throw new GrantError(`grant ${id} is ${grant.status}: only an active or pending grant can be revoked`);
    grant.endedBy = options.by;
    return this.end(grant, 'revoked', 'revoked');
  }

  private activate(grant: Grant, seconds: number, by: string): Grant {
    const now = this.now();
    grant.status = 'active';
    grant.decidedAt = new Date(now).toISOString();
    grant.decidedBy = by;
    grant.expiresAt = new Date(now + seconds * 1000).toISOString();
    this.activeSet(grant.agent).add(grant);
    return this.changed('approved', grant);
  }

  private end(grant: Grant, status: 'expired' | 'released' | 'revoked', event: GrantEvent): Grant {
    grant.status = status;
    grant.endedAt = new Date(this.now()).toISOString();
    this.active.get(grant.agent)?.delete(grant);
    return this.changed(event, grant);
  }

  private changed(event: GrantEvent, grant: Grant): Grant {
    this.forgetOldest();
    this.options.save(this.grants.values());
    this.options.onEvent(event, grant);
    if (grant.status !== 'pending') for (const wake of this.waiters.get(grant.id)?.splice(0) ?? []) wake();
    return grant;
  }

  private expireDue(): void {
    const now = this.now();
    for (const grant of this.grants.values()) {
      if (grant.status === 'active' && Date.parse(grant.expiresAt!) <= now) this.end(grant, 'expired', 'expired');
      else if (grant.status === 'pending' && now - Date.parse(grant.requestedAt) >= PENDING_LIFETIME_MS) this.end(grant, 'expired', 'expired');
    }
  }

  private activeSet(agent: string): Set<Grant> {
    let set = this.active.get(agent);
    if (!set) this.active.set(agent, (set = new Set()));
    return set;
  }

  private checkRoomFor(agent: string, willWait: boolean): void {
    this.expireDue();
    let pending = 0;
    let live = 0;
    for (const grant of this.grants.values()) {
      if (grant.agent !== agent) continue;
      if (grant.status === 'pending') pending++;
      if (grant.status === 'pending' || grant.status === 'active') live++;
    }
    if (willWait && pending >= MAX_PENDING_PER_AGENT) throw new GrantError(`agent ${agent} already has ${pending} requests waiting for a decision: wait, or release some (release_access)`);
    if (live >= MAX_LIVE_PER_AGENT) throw new GrantError(`agent ${agent} already has ${live} grants active or pending: release the ones it no longer needs (release_access)`);
  }

  /** Ended grants beyond the history kept, oldest first (the map keeps insertion order). */
  private forgetOldest(): void {
    let ended = 0;
    for (const grant of this.grants.values()) if (grant.status !== 'pending' && grant.status !== 'active') ended++;
    for (const [id, grant] of this.grants) {
      if (ended <= MAX_ENDED_KEPT) break;
      if (grant.status === 'pending' || grant.status === 'active') continue;
      this.grants.delete(id);
      ended--;
    }
  }

  private checkDuration(seconds: number): void {
    const { minDurationSeconds: min, maxDurationSeconds: max } = this.options.settings;
    if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) throw new GrantError(`a grant lasts from ${min} to ${max} seconds (PROXY_GRANT_RULES), not ${seconds}`);
  }

  private known(id: string): Grant {
    const grant = this.grants.get(id);
    if (!grant) throw new GrantError(`no grant ${id}`);
    return grant;
  }

  private ownGrant(agent: string, id: string): Grant {
    const grant = this.grants.get(id);
    // Another agent's grant reads as unknown: its existence is not this agent's business.
    if (!grant || grant.agent !== agent) throw new GrantError(`no grant ${id} for agent ${agent}`);
    return grant;
  }

  private pending(id: string): Grant {
    this.expireDue();
    const grant = this.known(id);
    if (grant.status !== 'pending') throw new GrantError(`grant ${id} is ${grant.status}, not pending`);
    return grant;
  }
}

/** The agent's entries within the history window (older ones dropped), as a list to add to. */
function recent<T>(history: Map<string, T[]>, agent: string, now: number, at: (entry: T) => number): T[] {
  const kept = (history.get(agent) ?? []).filter((entry) => now - at(entry) < HISTORY_MS).slice(-HISTORY_LIMIT);
  history.set(agent, kept);
  return kept;
}
