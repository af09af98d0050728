import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateMasterKey, MasterKeyError } from '../../src/keys/master-key.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'iap-master-'));

describe('loadOrCreateMasterKey', () => {
  it('makes 32 random bytes, 0600, on first start and reads the same ones after', () => {
    const dir = stateDir();
    const key = loadOrCreateMasterKey(dir);
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'master.key'))).toStrictEqual(key);
    expect(loadOrCreateMasterKey(dir)).toStrictEqual(key);
    expect(loadOrCreateMasterKey(stateDir())).not.toStrictEqual(key);
  });

  it('accepts 0400', () => {
    const dir = stateDir();
    const key = loadOrCreateMasterKey(dir);
    chmodSync(join(dir, 'master.key'), 0o400);
    expect(loadOrCreateMasterKey(dir)).toStrictEqual(key);
  });

  it.each([0o640, 0o604, 0o620, 0o644])('refuses mode %o with the chmod that fixes it', (mode) => {
    const dir = stateDir();
    loadOrCreateMasterKey(dir);
    const path = join(dir, 'master.key');
    chmodSync(path, mode);
    expect(() => loadOrCreateMasterKey(dir)).toThrow(MasterKeyError);
    expect(() => loadOrCreateMasterKey(dir)).toThrow(`${path} is mode 0${mode.toString(8)}, readable or writable by others: run chmod 600 ${path}`);
  });

  it('refuses a file of the wrong size, naming the size and how to make a new one', () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'master.key'), Buffer.alloc(31), { mode: 0o600 });
    expect(() => loadOrCreateMasterKey(dir)).toThrow(/master\.key holds 31 bytes, not 32: delete .*master\.key to make a new one \(every agent key issued so far then stops working\)/);
  });

  it('refuses a directory or a symlink', () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'master.key'));
    expect(() => loadOrCreateMasterKey(dir)).toThrow(/is not a regular file/);
    const other = stateDir();
    writeFileSync(join(other, 'elsewhere'), Buffer.alloc(32), { mode: 0o600 });
    symlinkSync(join(other, 'elsewhere'), join(other, 'master.key'));
    expect(() => loadOrCreateMasterKey(other)).toThrow(/is not a regular file/);
  });

  it.runIf(process.getuid?.() !== 0)('refuses a file it cannot read', () => {
    const dir = stateDir();
    loadOrCreateMasterKey(dir);
    chmodSync(join(dir, 'master.key'), 0o000);
    expect(() => loadOrCreateMasterKey(dir)).toThrow(/cannot read .*master\.key .*make it readable by this user/);
  });
});
