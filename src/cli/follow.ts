import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 200;

/**
 * Calls onLine for each line appended to the file, polling (inotify misses renames on some
 * filesystems). Rotation renames the file away: what is left in the old one is read to its end,
 * then the new file from its start. fromStart: its current lines first, else only new ones.
 */
export async function followFile(path: string, fromStart: boolean, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  let current: { fd: number; ino: number; offset: number } | undefined;
  let partial = '';
  // A character split across two reads is held back, not mangled.
  let decoder = new StringDecoder('utf8');
  let first = true;
  const buffer = Buffer.alloc(64 * 1024);
  const drain = () => {
    if (!current) return;
    for (let read; (read = readSync(current.fd, buffer, 0, buffer.length, current.offset)) > 0; ) {
      current.offset += read;
      const lines = (partial + decoder.write(buffer.subarray(0, read))).split('\n');
      partial = lines.pop()!;
      lines.forEach(onLine);
    }
  };
  try {
    while (!signal?.aborted) {
      drain();
      let ino: number | undefined;
      try {
        ino = statSync(path).ino;
      } catch {
        // Between the rename and the new file (or not made yet): the next poll finds it, all new.
        first = false;
      }
      if (ino !== undefined && ino !== current?.ino) {
        // Renamed away before the stat: nothing more is written to it, so this reads it to the end.
        drain();
        if (current) closeSync(current.fd);
        partial = '';
        decoder = new StringDecoder('utf8');
        const fd = openSync(path, 'r');
        const stat = fstatSync(fd);
        current = { fd, ino: stat.ino, offset: first && !fromStart ? stat.size : 0 };
        first = false;
        continue;
      }
      await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    if (current) closeSync(current.fd);
  }
}
