import { watch, type FSWatcher } from 'node:fs';
import type { PolicyStore } from './policy-store.js';

export interface ReloadOptions {
  notice(line: string): void;
  /** Editors write a file in several steps; one reload after they settle. */
  debounceMs?: number;
}

/**
 * Reloads the store on SIGHUP and after a change in the directories holding its files. The
 * directories, not the files: an editor that saves by renaming a new file over the old one
 * leaves a watch on the old file watching nothing. Returns the undoing of it.
 */
export function reloadOnSignalAndChange(store: PolicyStore, { notice, debounceMs = 200 }: ReloadOptions): () => void {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const arm = () => {
    const wanted = new Set(store.directories);
    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) unwatch(dir, watcher);
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, schedule);
        watcher.on('error', (error) => {
          notice(`warning: stopped watching ${dir} for policy changes (${error.message}); SIGHUP still reloads`);
          unwatch(dir, watcher);
        });
        watchers.set(dir, watcher);
      } catch (error) {
        notice(`warning: cannot watch ${dir} for policy changes (${(error as Error).message}); SIGHUP still reloads`);
      }
    }
  };
  const unwatch = (dir: string, watcher: FSWatcher) => {
    watcher.close();
    watchers.delete(dir);
  };
  // A reload may bring files in other directories: watch those from then on.
  const reload = (trigger: 'signal' | 'change') => void store.reload(trigger).finally(() => closed || arm());
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => reload('change'), debounceMs);
  };
  const onSignal = () => reload('signal');
  process.on('SIGHUP', onSignal);
  arm();
  return () => {
    closed = true;
    process.off('SIGHUP', onSignal);
    clearTimeout(timer);
    for (const [dir, watcher] of watchers) unwatch(dir, watcher);
  };
}
