import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installProfile, ProfileConflictError, uninstallProfile } from '../../src/state/aws-config-file.js';

const settings = { credentialProcess: '/opt/proxy/bin/proxy-creds', caBundle: '/home/u/.iam-agent-proxy/ca.pem' };
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aws-config-file-'));
  path = join(dir, '.aws', 'config');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('installProfile / uninstallProfile', () => {
  it('restores every byte of an existing file, including invalid UTF-8, and keeps its mode', () => {
    // CRLF, valid UTF-8 (café) and bytes that are not UTF-8 at all, no final newline
    const original = Buffer.concat([Buffer.from('[default]\r\nregion = us-east-1\r\n# café ', 'utf8'), Buffer.from([0xff, 0xfe, 0x80])]);
    const file = join(dir, 'config');
    writeFileSync(file, original);
    chmodSync(file, 0o640);
    const remove = installProfile(file, settings);
    expect(readFileSync(file, 'utf8')).toContain('[profile iam-agent-proxy]');
    expect(readFileSync(file, 'utf8')).toContain('[profile iam-agent-proxy-no-ca-bundle]');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    remove();
    expect(readFileSync(file).equals(original)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('creates a missing file (and directory) 0600 and deletes it again', () => {
    const remove = installProfile(path, settings);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toContain(`credential_process = ${settings.credentialProcess}`);
    remove();
    expect(existsSync(path)).toBe(false);
  });

  it('writes a non-ASCII path as UTF-8', () => {
    const remove = installProfile(path, { ...settings, caBundle: '/home/jürgen/ca ✓.pem' });
    expect(readFileSync(path, 'utf8')).toContain('ca_bundle = /home/jürgen/ca ✓.pem\n');
    remove();
  });

  it('repairs a stale block left by a killed proxy instead of adding a second one', () => {
    const file = join(dir, 'config');
    writeFileSync(file, '[default]\nregion = x');
    installProfile(file, { ...settings, credentialProcess: '/old/proxy-creds' }); // never removed
    const remove = installProfile(file, settings);
    const text = readFileSync(file, 'utf8');
    expect(text.match(/\[profile iam-agent-proxy\]/g)).toHaveLength(1);
    expect(text.match(/\[profile iam-agent-proxy-no-ca-bundle\]/g)).toHaveLength(1);
    expect(text).not.toContain('/old/');
    remove();
    expect(readFileSync(file, 'utf8')).toBe('[default]\nregion = x');
  });

  it('refuses to touch a file with the user’s own [profile iam-agent-proxy]', () => {
    const file = join(dir, 'config');
    const original = '[profile iam-agent-proxy]\nregion = x\n';
    writeFileSync(file, original);
    expect(() => installProfile(file, settings)).toThrow(ProfileConflictError);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('refuses a file with the user’s own [profile iam-agent-proxy-no-ca-bundle] too, naming it', () => {
    const file = join(dir, 'config');
    const original = '[default]\n[profile iam-agent-proxy-no-ca-bundle]\nregion = x\n';
    writeFileSync(file, original);
    expect(() => installProfile(file, settings)).toThrow(/already has its own \[profile iam-agent-proxy-no-ca-bundle\]/);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('uninstall without a block or without a file does nothing', () => {
    const file = join(dir, 'config');
    writeFileSync(file, '[default]\n');
    uninstallProfile(file);
    expect(readFileSync(file, 'utf8')).toBe('[default]\n');
    expect(() => uninstallProfile(join(dir, 'absent'))).not.toThrow();
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });
});
