import { randomBytes } from 'node:crypto';
import { AgentError, type AgentRegistry } from './agent-registry.js';
import { IssuanceRate, DEFAULT_REFETCH_LIMIT, type RefetchLimit } from './issuance-rate.js';
import type { IssuedKey, KeyLookup, SessionRequest } from './issued-key.js';
import { agentTag, decodeKeyId, encodeKeyId, secretFor } from './key-id.js';
import { DEFAULT_LIFETIMES, lifetimeProblem, type Lifetimes } from './lifetimes.js';
import { coveredUntil, Revocations } from './revocations.js';

export type RevokeSelector = { accessKeyId: string } | { agent: string } | { all: true };

export interface KeyStoreOptions {
  master: Buffer;
  agents: AgentRegistry;
  lifetimes?: Lifetimes;
  revocations?: Revocations;
  refetchLimit?: RefetchLimit;
  now?: () => number;
  /** Where the re-elevation warning goes (stderr in the proxy). */
  warn?: (message: string) => void;
}

/** A session key and the keys it descends from, oldest first: revoking any of them ends it. */
interface SessionEntry {
  key: IssuedKey;
  lineage: Array<{ accessKeyId: string; issuedAt: number }>;
  revoked: boolean;
}

/** A request for a key comes back to the agent with a reason to fix. */
export class KeyRequestError extends Error {}

/**
 * Agent keys remembered for `keys` and as a lookup memo: an agent can ask for fresh keys (or a new
 * lifetime) as fast as its socket answers, so the memo is bounded, oldest out first. A key pushed out
 * still verifies (its secret is derived again from its id); only `keys` no longer lists it.
 */
export const MAX_REMEMBERED_KEYS = 10_000;

/** Session entries stay a while after expiry: a response may still open a child session from one. */
const SESSION_GRACE_MS = 3600_000;

/**
 * Issues, checks and revokes the keys agents sign with. Agent keys are derived from the master
 * key (see key-id.ts), so they verify after a restart; sessions hold real credentials and live in
 * memory only. A new agent key is issued once the newest has used half its lifetime, so every key
 * handed out has at least half a lifetime left, while the older one stays valid until its own
 * expiry: in-flight requests pass.
 */
export class KeyStore {
  private readonly master: Buffer;
  private readonly agents: AgentRegistry;
  private readonly lifetimes: Lifetimes;
  private readonly revocations: Revocations;
  private readonly rate: IssuanceRate;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly newest = new Map<string, IssuedKey>();
  /** Agent keys issued or used in this run: what `keys` lists, and a memo for lookups. */
  private readonly known = new Map<string, IssuedKey>();
  private readonly sessions = new Map<string, SessionEntry>();
  /** The latest issue time of any key issued or used in this run: a revocation covers it even if the clock stepped back. */
  private latestIssue = 0;

  constructor(options: KeyStoreOptions) {
    this.master = options.master;
    this.agents = options.agents;
    this.lifetimes = options.lifetimes ?? DEFAULT_LIFETIMES;
    this.revocations = options.revocations ?? new Revocations();
    this.rate = new IssuanceRate(options.refetchLimit ?? DEFAULT_REFETCH_LIMIT);
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? (() => {});
    this.revocations.prune(this.now());
  }

  /**
   * The key an agent should use now, issuing one if needed; `ttlSeconds` asks for another lifetime.
   * `fresh`: a new key that is handed to nobody else, so it can be revoked alone (`run`'s command key).
   */
  keyFor(agent: string, ttlSeconds?: number, { fresh = false }: { fresh?: boolean } = {}): IssuedKey {
    const lifetime = ttlSeconds ?? this.agents.ttlOf(agent) ?? this.lifetimes.defaultSeconds;
    const problem = lifetimeProblem(lifetime, this.lifetimes);
    if (problem) throw new KeyRequestError(`ttl ${problem}`);
    const tag = this.agents.tagOf(agent);
    if (tag === undefined) throw new AgentError(`unknown agent "${agent}"`);
    const now = this.now();
    const newest = this.newest.get(agent);
    if (!fresh && newest && newest.expiresAt - newest.issuedAt === lifetime * 1000 && newest.expiresAt - now > (lifetime * 1000) / 2 && !this.revocations.covers(newest)) {
      return newest;
    }
    this.forgetExpired(now);
    const issuedAt = Math.max(now, this.revocations.notBefore(agent));
    const accessKeyId = encodeKeyId(this.master, { kind: 'agent', issuedAt, lifetimeSeconds: lifetime, agentTag: tag });
    const key: IssuedKey = { accessKeyId, secretAccessKey: secretFor(this.master, accessKeyId), agent, issuedAt, expiresAt: issuedAt + lifetime * 1000 };
    this.remember(key);
    if (!fresh) this.newest.set(agent, key);
    this.latestIssue = Math.max(this.latestIssue, issuedAt);
    this.counted(agent, now);
    return key;
  }

  /** A key standing in for real credentials an AWS response carried; they never leave memory. */
  issueSession(request: SessionRequest): IssuedKey {
    const now = this.now();
    const { parent } = request;
    const issuedAt = Math.max(now, this.revocations.notBefore(parent.agent));
    const ceiling = issuedAt + this.lifetimes.maxSeconds * 1000;
    const expiresAt = Math.min(request.expiresAt ?? ceiling, ceiling);
    const lifetimeSeconds = Math.max(0, Math.ceil((expiresAt - issuedAt) / 1000));
    const accessKeyId = encodeKeyId(this.master, { kind: 'session', issuedAt, lifetimeSeconds, agentTag: agentTag(this.master, parent.agent) });
    const key: IssuedKey = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      agent: parent.agent,
      issuedAt,
      expiresAt,
      session: {
        sessionToken: `IAP${randomBytes(96).toString('base64')}`,
        tokenHeader: request.tokenHeader,
        credentials: request.credentials,
        assumedRole: request.assumedRole,
        ...(request.accountId === undefined ? {} : { accountId: request.accountId }),
        parentKeyId: parent.accessKeyId,
      },
    };
    const parentEntry = this.sessions.get(parent.accessKeyId);
    // An unsigned call (the SSO portal, web-identity federation) has no key of ours behind it: no lineage.
    const ours = parentEntry !== undefined || decodeKeyId(this.master, parent.accessKeyId) !== undefined;
    const lineage = ours ? [...(parentEntry?.lineage ?? []), { accessKeyId: parent.accessKeyId, issuedAt: parent.issuedAt }] : [];
    const entry: SessionEntry = { key, lineage, revoked: parentEntry?.revoked ?? false };
    // The parent may have been revoked while its call was in flight: then this session is born revoked.
    entry.revoked ||= this.sessionCovered(entry);
    this.forgetExpired(now);
    this.sessions.set(accessKeyId, entry);
    this.latestIssue = Math.max(this.latestIssue, issuedAt);
    this.counted(parent.agent, now);
    return key;
  }

  lookup(accessKeyId: string): KeyLookup {
    const now = this.now();
    const session = this.sessions.get(accessKeyId);
    if (session) {
      if (session.revoked) return { status: 'revoked' };
      return now < session.key.expiresAt ? { status: 'valid', key: session.key } : { status: 'expired' };
    }
    const key = this.known.get(accessKeyId) ?? this.derive(accessKeyId);
    if (!key) return { status: 'unknown' };
    if (this.revocations.covers(key)) return { status: 'revoked' }; // before expiry: a revoked key stays revoked
    if (now >= key.expiresAt) return { status: 'expired' };
    if (!this.known.has(accessKeyId)) {
      this.remember(key); // a key from before a restart, in use: listed from now on
      this.latestIssue = Math.max(this.latestIssue, key.issuedAt);
    }
    return { status: 'valid', key };
  }

  /** Revokes, persistently, what the selector names; returns the live keys that it ended. */
  revoke(selector: RevokeSelector): IssuedKey[] {
    const now = this.now();
    const live = this.liveKeys();
    if ('accessKeyId' in selector) {
      const decoded = decodeKeyId(this.master, selector.accessKeyId);
      if (!decoded) throw new KeyRequestError(`${selector.accessKeyId} is not a key this proxy issued`);
      this.revocations.add({ kind: 'key', accessKeyId: selector.accessKeyId, until: decoded.expiresAt }, now);
    } else {
      // Every key issued so far is covered, those of this very millisecond too (+1); new keys are
      // issued no earlier than `before` (see notBefore), so they are not.
      const before = Math.max(now, this.latestIssue, this.revocations.latestBefore()) + 1;
      const until = coveredUntil(before);
      if ('all' in selector) this.revocations.add({ kind: 'all', before, until }, now);
      else if (this.agents.tagOf(selector.agent) === undefined) throw new KeyRequestError(`no agent is named "${selector.agent}"`);
      else this.revocations.add({ kind: 'agent', agent: selector.agent, before, until }, now);
    }
    // Sessions are marked, not just matched: they may outlive the rule that ended them.
    for (const entry of this.sessions.values()) entry.revoked ||= this.sessionCovered(entry);
    return live.filter((key) => this.lookup(key.accessKeyId).status === 'revoked');
  }

  /** Keys accepted now (agent keys issued or used in this run, and sessions), oldest first. */
  liveKeys(): IssuedKey[] {
    const now = this.now();
    this.forgetExpired(now);
    const agentKeys = [...this.known.values()].filter((key) => !this.revocations.covers(key));
    const sessions = [...this.sessions.values()].filter((entry) => !entry.revoked && now < entry.key.expiresAt).map((entry) => entry.key);
    return [...agentKeys, ...sessions].sort((a, b) => a.issuedAt - b.issuedAt);
  }

  /** Agents that got more keys than the re-elevation limit allows, with a line saying so. */
  refetchWarnings(): Array<{ agent: string; count: number; message: string }> {
    return this.rate.over(this.now()).map(({ agent, count }) => ({ agent, count, message: this.rate.describe(agent, count) }));
  }

  private remember(key: IssuedKey): void {
    this.known.set(key.accessKeyId, key);
    if (this.known.size > MAX_REMEMBERED_KEYS) this.known.delete(this.known.keys().next().value!);
  }

  private derive(accessKeyId: string): IssuedKey | undefined {
    const decoded = decodeKeyId(this.master, accessKeyId);
    if (!decoded || decoded.kind !== 'agent') return undefined;
    const agent = this.agents.nameOf(decoded.agentTag);
    if (agent === undefined) return undefined;
    return { accessKeyId, secretAccessKey: secretFor(this.master, accessKeyId), agent, issuedAt: decoded.issuedAt, expiresAt: decoded.expiresAt };
  }

  private sessionCovered(entry: SessionEntry): boolean {
    const agent = entry.key.agent;
    return [...entry.lineage, entry.key].some(({ accessKeyId, issuedAt }) => this.revocations.covers({ accessKeyId, agent, issuedAt }));
  }

  private counted(agent: string, now: number): void {
    if (this.rate.record(agent, now)) this.warn(this.rate.describe(agent, this.rate.over(now).find((o) => o.agent === agent)?.count ?? 0));
  }

  private forgetExpired(now: number): void {
    for (const [id, key] of this.known) if (now >= key.expiresAt) this.known.delete(id);
    for (const [agent, key] of this.newest) if (now >= key.expiresAt) this.newest.delete(agent);
    for (const [id, entry] of this.sessions) if (now >= entry.key.expiresAt + SESSION_GRACE_MS) this.sessions.delete(id);
  }
}
