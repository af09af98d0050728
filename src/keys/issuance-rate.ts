export interface RefetchLimit {
  /** More keys than this in the window is unusual. */
  count: number;
  windowSeconds: number;
}

export const DEFAULT_REFETCH_LIMIT: RefetchLimit = { count: 10, windowSeconds: 300 };

/** Kept per agent: enough to count past any sensible limit without growing with a runaway agent. */
const MAX_TIMES = 1000;

/**
 * Counts the keys issued to each agent in a sliding window: the re-elevation signal. It counts
 * issuances, not socket requests, because the AWS CLI runs credential_process on every command
 * and gets the cached key back: requests measure how busy an agent is, while each new key (a
 * rotation, another ttl, a key after a revocation, a session opened) is fresh authority.
 */
export class IssuanceRate {
  private readonly times = new Map<string, number[]>();
  private readonly warned = new Map<string, number>();

  constructor(private readonly limit: RefetchLimit) {}

  /** Records one key for `agent`; true when it takes the agent over the limit (said once per window). */
  record(agent: string, now: number): boolean {
    const times = this.recent(agent, now);
    times.push(now);
    if (times.length > MAX_TIMES) times.shift();
    this.times.set(agent, times);
    const warnedAt = this.warned.get(agent);
    if (times.length <= this.limit.count || (warnedAt !== undefined && now - warnedAt < this.windowMs)) return false;
    this.warned.set(agent, now);
    return true;
  }

  /** Agents over the limit now, with how many keys they got in the window. */
  over(now: number): Array<{ agent: string; count: number }> {
    const over: Array<{ agent: string; count: number }> = [];
    for (const agent of [...this.times.keys()]) {
      const count = this.recent(agent, now).length;
      if (count === 0) this.times.delete(agent);
      else if (count > this.limit.count) over.push({ agent, count });
    }
    return over;
  }

  describe(agent: string, count: number): string {
    return `agent ${agent} was issued ${count} keys in the last ${this.limit.windowSeconds} s (more than ${this.limit.count}): is it re-fetching credentials to regain access? (PROXY_REFETCH_WARN)`;
  }

  private get windowMs(): number {
    return this.limit.windowSeconds * 1000;
  }

  private recent(agent: string, now: number): number[] {
    const times = this.times.get(agent) ?? [];
    const from = times.findIndex((at) => now - at < this.windowMs);
    const recent = from < 0 ? [] : times.slice(from);
    this.times.set(agent, recent);
    return recent;
  }
}
