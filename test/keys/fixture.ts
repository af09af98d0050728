import { AgentRegistry, type DeclaredAgent } from '../../src/keys/agent-registry.js';
import type { IssuedKey, SessionRequest } from '../../src/keys/issued-key.js';
import { KeyStore, type KeyStoreOptions } from '../../src/keys/key-store.js';
import { Revocations, type RevocationRule } from '../../src/keys/revocations.js';

export const T0 = Date.parse('2024-05-01T10:00:00Z');
export const TTL = 3600_000;
export const MASTER = Buffer.alloc(32, 7);

export interface Fixture {
  store: KeyStore;
  agents: AgentRegistry;
  clock: { now: number };
  /** What was persisted, as the files would hold it. */
  saved: { rules: RevocationRule[]; recorded: string[] };
  warnings: string[];
  /** The key `agent` should use now, creating the agent first (as record mode does). */
  keyFor(agent: string, ttlSeconds?: number): IssuedKey;
  /** A new store on the same master key and saved state: the proxy after a restart. */
  restart(options?: Partial<KeyStoreOptions> & { declared?: DeclaredAgent[] }): Fixture;
}

export function fixture(options: Partial<KeyStoreOptions> & { declared?: DeclaredAgent[] } = {}, previous?: Fixture): Fixture {
  const clock = previous?.clock ?? { now: T0 };
  const saved = previous?.saved ?? { rules: [], recorded: [] };
  const warnings: string[] = [];
  const master = options.master ?? MASTER;
  const agents = new AgentRegistry(master, options.declared ?? [], saved.recorded, (names) => (saved.recorded = names));
  const revocations = new Revocations(saved.rules, (rules) => (saved.rules = rules));
  const store = new KeyStore({ master, agents, revocations, now: () => clock.now, warn: (line) => warnings.push(line), ...options });
  const self: Fixture = {
    store,
    agents,
    clock,
    saved,
    warnings,
    keyFor(agent, ttlSeconds) {
      agents.record(agent);
      return store.keyFor(agent, ttlSeconds);
    },
    restart: (next = {}) => fixture({ ...options, ...next }, self),
  };
  return self;
}

export function sessionRequest(parent: IssuedKey, overrides: Partial<SessionRequest> = {}): SessionRequest {
  return {
    parent,
    credentials: { accessKeyId: 'ASIAREALSESSION00001', secretAccessKey: 'real-session-secret', sessionToken: 'real-token' },
    expiresAt: T0 + TTL,
    assumedRole: 'arn:aws:sts::111122223333:assumed-role/dev/agent',
    accountId: '111122223333',
    tokenHeader: 'x-amz-security-token',
    ...overrides,
  };
}
