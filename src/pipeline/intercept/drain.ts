import type { ServerResponse } from 'node:http';

/**
 * Counts the requests under way, so that a stop can let them finish: once draining, answers close
 * their connections (no new request on them), and `start` resolves when none is left or the time
 * is up, whichever comes first.
 */
export class Drain {
  inFlight = 0;
  draining = false;
  private idle: (() => void) | undefined;

  /** Counts `res` until it closes, and runs the handler. */
  track<T>(res: ServerResponse, handle: () => T): T {
    this.inFlight++;
    if (this.draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    });
    return handle();
  }

  start(limitMs: number): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(done, limitMs);
      this.idle = () => {
        clearTimeout(timer);
        done();
      };
    });
  }
}
