import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Rotated logs are `actions.log.1`, `actions.log.2`, ...: numbered in the order they were rotated
 * out, oldest lowest, never renamed again (unlike logrotate's .1-is-newest), so a file's name stays
 * put while `log --follow` or a backup reads it.
 */
export function rotatedFiles(path: string): string[] {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^[1-9]\d{0,8}$/.test(name.slice(prefix.length)))
    .map((name) => ({ name, n: Number(name.slice(prefix.length)) }))
    .sort((a, b) => a.n - b.n)
    .map(({ name }) => join(dirname(path), name));
}

/** The next free number after the highest rotated file. */
export function nextRotatedPath(path: string): string {
  const last = rotatedFiles(path).at(-1);
  return `${path}.${last === undefined ? 1 : Number(last.slice(path.length + 1)) + 1}`;
}

/** The files of the log, oldest first: the rotated ones, then the live one (if there is one). */
export function logFileSet(path: string): string[] {
  const live = readableFile(path) ? [path] : [];
  return [...rotatedFiles(path), ...live];
}

function readableFile(path: string): boolean {
  try {
    closeSync(openSync(path, 'r'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The log's last line and whether it ends in a newline; undefined for an empty or absent file. */
export function lastLine(path: string): { text: string; complete: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    // Read back in growing chunks: a record naming 1,000 objects is far longer than one chunk.
    let tail = Buffer.alloc(0);
    for (let chunk = 64 * 1024; ; chunk *= 4) {
      const start = Math.max(0, size - chunk);
      tail = Buffer.alloc(size - start);
      readSync(fd, tail, 0, tail.length, start);
      const complete = tail[tail.length - 1] === 0x0a;
      const body = complete ? tail.subarray(0, -1) : tail;
      const newline = body.lastIndexOf(0x0a);
      if (newline >= 0 || start === 0) return { text: body.subarray(newline + 1).toString('utf8'), complete };
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole file; a missing or unreadable one is an error naming the path and the code. */
export function readLogFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
