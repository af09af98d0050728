import { join } from 'node:path';
import { readJsonState, StateFileError, writeFileAtomic } from '../state/files.js';
import { AgentRegistry, type DeclaredAgent } from './agent-registry.js';
import type { RefetchLimit } from './issuance-rate.js';
import { KeyStore } from './key-store.js';
import type { Lifetimes } from './lifetimes.js';
import { loadOrCreateMasterKey } from './master-key.js';
import { parseRevocations, Revocations, serializeRevocations } from './revocations.js';

export interface KeyStoreSettings {
  stateDir: string;
  agents: DeclaredAgent[];
  lifetimes: Lifetimes;
  refetchLimit: RefetchLimit;
  warn: (message: string) => void;
}

/**
 * The key store with its state from the state dir: master.key, the revocations and the names of
 * agents record mode created (never a secret). Each change is written at once (0600, atomically).
 * The master key comes back too, for what else derives from it (the container-credential tokens).
 */
export function openKeyStore(settings: KeyStoreSettings): { keys: KeyStore; agents: AgentRegistry; master: Buffer } {
  const master = loadOrCreateMasterKey(settings.stateDir);
  const revocationsPath = join(settings.stateDir, 'revocations.json');
  const agentsPath = join(settings.stateDir, 'recorded-agents.json');
  const revocations = new Revocations(readRevocations(revocationsPath), (rules) => writeFileAtomic(revocationsPath, serializeRevocations(rules), 0o600));
  const agents = new AgentRegistry(master, settings.agents, readRecordedAgents(agentsPath), (names) =>
    writeFileAtomic(agentsPath, `${JSON.stringify({ v: 1, agents: names }, null, 1)}\n`, 0o600),
  );
  const keys = new KeyStore({ master, agents, lifetimes: settings.lifetimes, revocations, refetchLimit: settings.refetchLimit, warn: settings.warn });
  return { keys, agents, master };
}

// Losing revocations silently would let revoked keys work again: a damaged file stops the start.
function readRevocations(path: string): ReturnType<typeof parseRevocations> {
  const fix = `repair it, or delete it to forget every revocation (revoked keys would work again until they expire)`;
  const value = readJsonState(path, fix);
  if (value === undefined) return [];
  try {
    return parseRevocations(value);
  } catch (error) {
    throw new StateFileError(`${path}: ${(error as Error).message}: ${fix}`);
  }
}

function readRecordedAgents(path: string): string[] {
  const fix = 'repair it, or delete it (keys of agents record mode created would stop working)';
  const value = readJsonState(path, fix) as { v?: unknown; agents?: unknown } | undefined;
  if (value === undefined) return [];
  if (value?.v !== 1 || !Array.isArray(value.agents) || !value.agents.every((name) => typeof name === 'string')) {
    throw new StateFileError(`${path}: expected {"v":1,"agents":["name",...]}: ${fix}`);
  }
  return value.agents as string[];
}
