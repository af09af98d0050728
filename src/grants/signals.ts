import { formatDuration } from './duration.js';
import type { AccessRequest } from './types.js';

export interface SignalInput {
  request: AccessRequest;
  now: number;
  /** Epoch ms of this agent's earlier grant requests. */
  recentRequests: number[];
  /** This agent's denied calls. */
  recentDenials: Array<{ action: string; at: number }>;
  expanded: string[];
  maxDurationSeconds: number;
}

/** An agent asking this often (this request included) in the window is probing, or stuck in a loop. */
const REPEAT_WINDOW_MS = 10 * 60_000;
const REPEAT_THRESHOLD = 5;
/** A request this close to the ceiling asks for as long as it can get. */
const NEAR_CEILING_SHARE = 0.8;
/** A request for an action denied this recently may be an agent working around the policy. */
const DENIAL_WINDOW_MS = 10 * 60_000;
/** Denials named one a line; the rest are counted in one more. */
const DENIALS_NAMED = 3;

/** Warnings for the approver and the log; none of them refuses anything. */
export function detectionSignals(input: SignalInput): string[] {
  return [...repeatedRequests(input), ...nearCeiling(input), ...followedDenials(input)];
}

function repeatedRequests({ now, recentRequests }: SignalInput): string[] {
  const count = 1 + recentRequests.filter((at) => now - at <= REPEAT_WINDOW_MS).length;
  return count >= REPEAT_THRESHOLD ? [`repeated requests: ${count} in the last ${REPEAT_WINDOW_MS / 60_000} min`] : [];
}

function nearCeiling({ request, maxDurationSeconds }: SignalInput): string[] {
  if (request.durationSeconds < NEAR_CEILING_SHARE * maxDurationSeconds) return [];
  return [`near the ceiling: ${formatDuration(request.durationSeconds)} of ${formatDuration(maxDurationSeconds)}`];
}

function followedDenials({ now, recentDenials, expanded }: SignalInput): string[] {
  const requested = new Set(expanded.map((action) => action.toLowerCase()));
  // The latest denial of each requested action; a timestamp ahead of `now` (a clock step) counts as now.
  const latest = new Map<string, { action: string; at: number }>();
  for (const denial of recentDenials) {
    const key = denial.action.toLowerCase();
    if (!requested.has(key) || now - denial.at > DENIAL_WINDOW_MS) continue;
    const seen = latest.get(key);
    if (!seen || seen.at < denial.at) latest.set(key, denial);
  }
  const denials = [...latest.values()].sort((a, b) => b.at - a.at);
  const lines = denials.slice(0, DENIALS_NAMED).map(({ action, at }) => `follows a denial of ${action} ${Math.round(Math.max(0, now - at) / 1000)} s ago`);
  const more = denials.length - DENIALS_NAMED;
  return more > 0 ? [...lines, `follows denials of ${more} more requested actions`] : lines;
}
