import { randomBytes, randomInt } from 'node:crypto';

/** A fake-but-valid AWS keypair handed to one agent. Worthless outside this proxy. */
export interface AgentKeypair {
  accessKeyId: string;
  secretAccessKey: string;
  agent: string;
  issuedAt: number;
  expiresAt: number;
}

export type KeyLookup =
  | { status: 'valid'; key: AgentKeypair }
  | { status: 'unknown' | 'expired' | 'revoked' };

export interface RevokeSelector {
  accessKeyId?: string;
  agent?: string;
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Forgotten ids are reported as unknown rather than expired/revoked after this long. */
const TOMBSTONE_MS = 24 * 3600_000;

/**
 * Issues, looks up and revokes agent keypairs. Each agent name has its own keys. A new key is
 * issued once the newest has used half its lifetime, so every key handed out has at least half a
 * lifetime left while the older one stays valid until its own expiry: in-flight requests pass.
 */
export class KeypairStore {
  private readonly live = new Map<string, AgentKeypair>();
  private readonly newestByAgent = new Map<string, AgentKeypair>();
  private readonly ended = new Map<string, { status: 'expired' | 'revoked'; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The keypair an agent should use now, issuing one if needed. */
  keypairFor(agent: string): AgentKeypair {
    const now = this.now();
    const newest = this.newestByAgent.get(agent);
    if (newest && this.live.has(newest.accessKeyId) && newest.expiresAt - now > this.ttlMs / 2) return newest;
    this.prune(now);
    const key: AgentKeypair = {
      accessKeyId: `AKIAPROXY${randomId(11)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      agent,
      issuedAt: now,
      expiresAt: now + this.ttlMs,
    };
    this.live.set(key.accessKeyId, key);
    this.newestByAgent.set(agent, key);
    return key;
  }

  lookup(accessKeyId: string): KeyLookup {
    const now = this.now();
    const key = this.live.get(accessKeyId);
    if (key && now < key.expiresAt) return { status: 'valid', key };
    if (key) this.end(key, 'expired', now);
    const ended = this.ended.get(accessKeyId);
    return ended ? { status: ended.status } : { status: 'unknown' };
  }

  /** Revokes the keys matching the selector (all keys when it is empty); returns how many. */
  revoke(selector: RevokeSelector): AgentKeypair[] {
    const now = this.now();
    const revoked = [...this.live.values()].filter(
      (key) =>
        (selector.accessKeyId === undefined || key.accessKeyId === selector.accessKeyId) &&
        (selector.agent === undefined || key.agent === selector.agent),
    );
    for (const key of revoked) this.end(key, 'revoked', now);
    return revoked;
  }

  /** Keys still accepted, oldest first. */
  liveKeys(): AgentKeypair[] {
    this.prune(this.now());
    return [...this.live.values()];
  }

  private end(key: AgentKeypair, status: 'expired' | 'revoked', now: number): void {
    this.live.delete(key.accessKeyId);
    if (this.newestByAgent.get(key.agent) === key) this.newestByAgent.delete(key.agent);
    this.ended.set(key.accessKeyId, { status, at: now });
  }

  private prune(now: number): void {
    for (const key of this.live.values()) if (now >= key.expiresAt) this.end(key, 'expired', now);
    for (const [id, ended] of this.ended) if (now - ended.at > TOMBSTONE_MS) this.ended.delete(id);
  }
}

function randomId(length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return id;
}
