import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MASTER_KEY_BYTES = 32;

/** master.key cannot be used as it is; the message says how to fix it. */
export class MasterKeyError extends Error {}

/**
 * The key every agent key's secret is derived from: `<stateDir>/master.key`, 32 random bytes,
 * owner-only, made on first start. Anyone who reads it can make agent keys, so a file others could
 * read (or that someone else owns, or that is not a plain file) is refused, not used.
 */
export function loadOrCreateMasterKey(stateDir: string): Buffer {
  const path = join(stateDir, 'master.key');
  const remake = `delete ${path} to make a new one (every agent key issued so far then stops working)`;
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return create(path);
    throw new MasterKeyError(`cannot read ${path} (${(error as Error).message}): make it readable by this user, or ${remake}`);
  }
  if (!stat.isFile()) throw new MasterKeyError(`${path} is not a regular file: ${remake}`);
  if (process.getuid && stat.uid !== process.getuid()) throw new MasterKeyError(`${path} belongs to another user (uid ${stat.uid}): ${remake}`);
  if (stat.mode & 0o077) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new MasterKeyError(`${path} is mode ${mode}, readable or writable by others: run chmod 600 ${path}, or if anyone else may have read it, ${remake}`);
  }
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (error) {
    throw new MasterKeyError(`cannot read ${path} (${(error as Error).message}): make it readable by this user, or ${remake}`);
  }
  if (key.length !== MASTER_KEY_BYTES) throw new MasterKeyError(`${path} holds ${key.length} bytes, not ${MASTER_KEY_BYTES}: ${remake}`);
  return key;
}

/** Written beside, then linked into place: complete when it appears, and never over one another start made. */
function create(path: string): Buffer {
  const key = randomBytes(MASTER_KEY_BYTES);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, key, { mode: 0o600 });
  chmodSync(temp, 0o600);
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(dirname(path));
    throw error;
  } finally {
    unlinkSync(temp);
  }
  return key;
}
