/**
 * The hostile-input suite's cases, generated from a seed (mulberry32), so a failure names its seed
 * and case index and the same seed makes the same cases again (only signing times differ).
 * Each family lives in hostile-families-*.ts, what they share in hostile-wire.ts.
 */
import { connectLineCases, distinctHostCases, nonTlsCases, sniCases } from './hostile-families-front.js';
import { chunkedCases, headerCases, slowlorisCases, smugglingCases } from './hostile-families-http.js';
import { agentCases, authorizationCases, flipCases } from './hostile-families-auth.js';
import { DEFAULT_TIMEOUT_MS, Rng, type CaseDraft, type GenerationContext, type HostileCase } from './hostile-wire.js';

export type { HostileCase, Keys } from './hostile-wire.js';

type Family = { family: string; count: number; make: (ctx: GenerationContext, i: number) => CaseDraft };

/** The families and how many cases each gets (the suite's ≥10,000). */
export const FAMILIES: Family[] = [
  { family: 'connect-line', count: 1500, make: connectLineCases },
  { family: 'non-tls', count: 800, make: nonTlsCases },
  { family: 'sni', count: 700, make: sniCases },
  { family: 'headers', count: 1200, make: headerCases },
  { family: 'smuggling', count: 1500, make: smugglingCases },
  { family: 'chunked', count: 1000, make: chunkedCases },
  { family: 'slowloris', count: 8, make: slowlorisCases },
  { family: 'authorization', count: 1500, make: authorizationCases },
  { family: 'byte-flip', count: 2000, make: flipCases },
  { family: 'distinct-hosts', count: 1500, make: distinctHostCases },
  { family: 'agents', count: 600, make: agentCases },
];

/** Every case of one family, indexes counted across the whole list so (seed, index) names one case. */
export function generateCases(seed: number, ctx: Omit<GenerationContext, 'rng'>, only?: string): HostileCase[] {
  const cases: HostileCase[] = [];
  let index = 0;
  for (const { family, count, make } of FAMILIES) {
    // Each family has its own stream, so changing one family leaves the others' cases as they were.
    const rng = new Rng(seed ^ hash(family));
    for (let i = 0; i < count; i++, index++) {
      if (only !== undefined && only !== family) continue;
      const draft = make({ ...ctx, rng }, i);
      cases.push({ ...draft, family, index, timeoutMs: draft.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    }
  }
  return cases;
}

function hash(text: string): number {
  let h = 2166136261;
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619);
  return h >>> 0;
}
