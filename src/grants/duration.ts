import { GrantError } from './types.js';

/** A grant is an elevation window: anything longer than a week is a standing permission, which belongs in the policy. */
export const LONGEST_DURATION_SECONDS = 7 * 24 * 3600;

const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const FORMS = 'whole seconds, or like "90s", "15m", "1h", "2h30m"';

/** Whole seconds from `300`, `"300"`, `"90s"`, `"15m"`, `"2h30m"`: at least 1 s, at most a week. */
export function parseDuration(value: unknown, what: string): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? secondsOf(value) : undefined;
  if (seconds === undefined || !Number.isInteger(seconds)) throw new GrantError(`${what}: ${shown(value)} is not a duration (${FORMS})`);
  if (seconds < 1) throw new GrantError(`${what}: ${shown(value)} is not a positive duration`);
  if (seconds > LONGEST_DURATION_SECONDS) throw new GrantError(`${what}: ${shown(value)} is longer than ${formatDuration(LONGEST_DURATION_SECONDS)}`);
  return seconds;
}

/** `2h30m`, `45s`, `1h5s`: the form parseDuration reads. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const parts = [
    [Math.floor(whole / 3600), 'h'],
    [Math.floor((whole % 3600) / 60), 'm'],
    [whole % 60, 's'],
  ] as const;
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('') || '0s';
}

function secondsOf(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const match = UNITS.exec(text);
  if (!match || text === '') return undefined;
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'number' ? String(value) : `a value of type ${value === null ? 'null' : typeof value}`;
}
