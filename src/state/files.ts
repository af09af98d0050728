import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A directory only the user can enter (the state dir holds the CA key and the socket). */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Writes via a temp file and rename, so a crash never leaves a half-written file. */
export function writeFileAtomic(path: string, data: string | Buffer, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(temp, data, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

/** A state file the proxy cannot use: the message names it and says what to do. */
export class StateFileError extends Error {}

/** The parsed JSON of a state file, or undefined when there is none. */
export function readJsonState(path: string, fix: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`cannot read ${path} (${(error as Error).message}): ${fix}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StateFileError(`${path} is not valid JSON (${(error as Error).message}): ${fix}`);
  }
}
