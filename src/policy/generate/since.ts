const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: a duration back from now (`90s`, `30m`, `2h`, `7d`, `2w`) or an ISO 8601 time
 * (`2026-11-23`, `2026-11-23T14:00:00Z`). Undefined when it is neither.
 */
export function parseSince(value: string, now: Date): Date | undefined {
  const duration = /^(\d{1,9})([smhdw])$/.exec(value);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNITS[duration[2]!]!);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}
