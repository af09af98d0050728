import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { loadGrantSettings } from '../../src/grants/grant-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'iap-grant-settings-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('loadGrantSettings', () => {
  it('defaults without PROXY_GRANT_RULES: 5 min to 12 h, nothing auto-approved', () => {
    expect(loadGrantSettings(undefined, 45_000)).toEqual({ minDurationSeconds: 300, maxDurationSeconds: 43_200, autoApprove: [], askTimeoutMs: 45_000 });
  });

  it('reads the file', () => {
    const path = file('ok.json', JSON.stringify({ maxDuration: '2h', autoApprove: [{ name: 'reads', accessLevels: ['Read'] }] }));
    expect(loadGrantSettings(path, 1000)).toEqual({ minDurationSeconds: 300, maxDurationSeconds: 7200, autoApprove: [{ name: 'reads', accessLevels: ['Read'] }], askTimeoutMs: 1000 });
  });

  it.each([
    ['missing.json', undefined, 'ENOENT'],
    ['broken.json', '{"autoApprove": [', 'JSON'],
    ['typo.json', JSON.stringify({ autoAprove: [] }), 'autoAprove'],
  ])('a mistake in %s stops the proxy with a ConfigError naming the file', (name, text, said) => {
    const path = text === undefined ? join(dir, name) : file(name, text);
    expect(() => loadGrantSettings(path, 1000)).toThrow(ConfigError);
    expect(() => loadGrantSettings(path, 1000)).toThrow(new RegExp(`^PROXY_GRANT_RULES ${path}: .*${said}`));
  });
});
