import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFETCH_LIMIT } from '../../src/keys/issuance-rate.js';
import { DEFAULT_LIFETIMES } from '../../src/keys/lifetimes.js';
import { openKeyStore } from '../../src/keys/open-key-store.js';

const settings = (stateDir: string, agents = [{ name: 'ci' }]) => ({ stateDir, agents, lifetimes: DEFAULT_LIFETIMES, refetchLimit: DEFAULT_REFETCH_LIMIT, warn: () => {} });

describe('openKeyStore', () => {
  it('after a restart: cached keys verify, revoked ones stay revoked, record-mode agents are still known; every file 0600, no secret in any', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-state-'));
    const first = openKeyStore(settings(dir));
    const ci = first.keys.keyFor('ci');
    first.agents.record('made-here');
    const recorded = first.keys.keyFor('made-here');
    const revoked = first.keys.keyFor('default');
    first.keys.revoke({ accessKeyId: revoked.accessKeyId });

    const second = openKeyStore(settings(dir));
    expect(second.keys.lookup(ci.accessKeyId)).toStrictEqual({ status: 'valid', key: ci });
    expect(second.keys.lookup(recorded.accessKeyId)).toStrictEqual({ status: 'valid', key: recorded });
    expect(second.keys.lookup(revoked.accessKeyId)).toStrictEqual({ status: 'revoked' });

    expect(readdirSync(dir).sort()).toStrictEqual(['master.key', 'recorded-agents.json', 'revocations.json']);
    for (const name of readdirSync(dir)) {
      expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
      const text = readFileSync(join(dir, name), 'latin1');
      for (const key of [ci, recorded, revoked]) expect(text, name).not.toContain(key.secretAccessKey);
    }
    expect(JSON.parse(readFileSync(join(dir, 'recorded-agents.json'), 'utf8'))).toStrictEqual({ v: 1, agents: ['made-here'] });
  });

  it.each([
    ['revocations.json', '{"v":1,"rules":[{"kind":"nonsense"}]}', /revocations\.json: unknown rule .*: repair it, or delete it to forget every revocation/],
    ['revocations.json', 'not json', /revocations\.json is not valid JSON .*: repair it, or delete it/],
    ['recorded-agents.json', '{"v":1,"agents":[1]}', /recorded-agents\.json: expected \{"v":1,"agents":\["name",\.\.\.\]\}: repair it, or delete it/],
  ])('refuses a damaged %s rather than lose what it held', (name, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-state-'));
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    expect(() => openKeyStore(settings(dir))).toThrow(message);
  });
});
