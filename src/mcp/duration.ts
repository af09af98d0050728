/** `900`, `"900"`, `"900s"`, `"30m"` or `"2h"`: few enough digits that the seconds stay a safe integer. */
export const DURATION_TEXT = /^(\d{1,7})([smh]?)$/;

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/**
 * The seconds a duration names. The proxy holds its own floor and ceiling and says so when a request
 * falls outside them, so no bound is repeated here.
 */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = DURATION_TEXT.exec(value);
  if (!match) throw new Error(`"${value}" is not a duration: give seconds, or a number with s, m or h ("30m", "1h")`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
