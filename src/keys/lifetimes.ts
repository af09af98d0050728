/** STS's longest session: no key the proxy issues lives longer, whatever the configuration. */
export const MAX_LIFETIME_SECONDS = 43_200;

/** Key lifetimes in seconds: the default, and the floor and ceiling every requested lifetime must keep to. */
export interface Lifetimes {
  defaultSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

export const DEFAULT_LIFETIMES: Lifetimes = { defaultSeconds: 3600, minSeconds: 60, maxSeconds: MAX_LIFETIME_SECONDS };

/** Why `seconds` is not an acceptable lifetime, naming the bound it breaks; undefined when it is fine. */
export function lifetimeProblem(seconds: number, bounds: Lifetimes): string | undefined {
  if (!Number.isSafeInteger(seconds)) return `must be a whole number of seconds, not ${seconds}`;
  if (seconds < bounds.minSeconds) return `${seconds} s is below the floor of ${bounds.minSeconds} s (PROXY_KEY_TTL_MIN)`;
  if (seconds > bounds.maxSeconds) return `${seconds} s is above the ceiling of ${bounds.maxSeconds} s (PROXY_KEY_TTL_MAX)`;
  return undefined;
}
