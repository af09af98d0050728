import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGrants, saveGrants } from '../../src/grants/grant-file.js';
import type { Grant } from '../../src/grants/types.js';
import { StateFileError } from '../../src/state/files.js';

const NOW = Date.parse('2026-12-02T09:00:00Z');
const grant = (id: string, status: Grant['status'], endedAt?: string): Grant => ({
  id,
  agent: 'claude',
  request: { actions: ['s3:GetObject'], resources: ['*'], durationSeconds: 300, reason: 'r' },
  status,
  requestedAt: '2026-11-20T09:00:00.000Z',
  ...(endedAt ? { endedAt } : {}),
  risk: { score: 1, factors: [] },
  newAccess: { actions: [], pairs: [] },
  signals: [],
});

describe('grants.json', () => {
  it('round-trips live grants and a week of ended ones, 0600', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-grants-file-')), 'grants.json');
    expect(loadGrants(path)).toEqual([]);
    const live = grant('g-00000000000000a1', 'active');
    const recent = grant('g-00000000000000a2', 'released', '2026-12-01T09:00:00.000Z');
    const old = grant('g-00000000000000a3', 'expired', '2026-11-24T08:59:59.000Z');
    saveGrants(path, [old, recent, live], NOW);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadGrants(path).map((g) => g.id)).toEqual([recent.id, live.id]);
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['another version', JSON.stringify({ version: 2, grants: [] }), 'is not a grants file of version 1'],
    ['no list', JSON.stringify({ version: 1 }), 'is not a grants file of version 1'],
  ])('%s: a StateFileError saying what to do', (_, text, said) => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-grants-file-')), 'grants.json');
    writeFileSync(path, text);
    expect(() => loadGrants(path)).toThrow(StateFileError);
    expect(() => loadGrants(path)).toThrow(said);
    expect(() => loadGrants(path)).toThrow('move it aside');
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('skips entries that are not grants rather than trusting them', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-grants-file-')), 'grants.json');
    writeFileSync(path, JSON.stringify({ version: 1, grants: [grant('g-00000000000000a1', 'active'), { id: 5 }, null] }));
    expect(loadGrants(path).map((g) => g.id)).toEqual(['g-00000000000000a1']);
  });
});
