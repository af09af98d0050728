import { readJsonState, StateFileError, writeFileAtomic } from '../state/files.js';
import type { Grant } from './types.js';

const FILE_VERSION = 1;
/** Ended grants are history for `grants --all`; a week of it is kept (the store bounds their number). */
const ENDED_KEPT_MS = 7 * 24 * 3600_000;

/** grants.json: every grant, so active ones survive a restart. Read once at start. */
export function loadGrants(path: string): Grant[] {
  const fix = `move it aside to start with no grants (active grants in it are then lost)`;
  const data = readJsonState(path, fix) as { version?: unknown; grants?: unknown } | undefined;
  if (data === undefined) return [];
  if (typeof data !== 'object' || data === null || data.version !== FILE_VERSION || !Array.isArray(data.grants)) {
    throw new StateFileError(`${path} is not a grants file of version ${FILE_VERSION}: ${fix}`);
  }
  return data.grants.filter(isGrant);
}

/** Written whole on every change (grants are few); 0600: it names what agents asked for and why. */
export function saveGrants(path: string, grants: Iterable<Grant>, now: number): void {
  const live: Grant[] = [];
  const ended: Grant[] = [];
  for (const grant of grants) (grant.status === 'active' || grant.status === 'pending' ? live : ended).push(grant);
  const kept = ended.filter((grant) => now - Date.parse(grant.endedAt ?? grant.decidedAt ?? grant.requestedAt) < ENDED_KEPT_MS);
  writeFileAtomic(path, `${JSON.stringify({ version: FILE_VERSION, grants: [...kept, ...live] }, null, 1)}\n`, 0o600);
}

function isGrant(value: unknown): value is Grant {
  const grant = value as Partial<Grant> | null;
  return typeof grant === 'object' && grant !== null && typeof grant.id === 'string' && typeof grant.agent === 'string' && typeof grant.status === 'string' && typeof grant.request === 'object';
}
