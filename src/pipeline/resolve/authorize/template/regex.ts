import { UNRESOLVED, type Expansion } from './expansion.js';

/**
 * Some map regexes backtrack cubically on hostile input (`(?:.*\/)?([^:]+)(?:\:[^:]+)?$` takes
 * ~10 ms on 256 crafted characters, seconds on 2,048). Each render may spend Σ length³ ≤ 16 × 256³
 * on regex subjects (one 645-character subject, or ~100 ordinary ARNs); past it, unresolved.
 */
export const REGEX_BUDGET = 16 * 256 ** 3;

/** What is left of one render's REGEX_BUDGET, shared by every `%%regex` in it. */
export interface RegexBudget {
  left: number;
}

/**
 * The first capture group of the first match, per subject value. A regex that ends its template
 * yields the name itself: a value it cannot capture is unusable, an absent subject is absent. One
 * followed by more of the template yields an optional prefix (the IAM path in
 * `%%regex%${Path}%/^\/(.+)$/g%%${RoleName}`): there, capturing nothing or an absent subject gives ''.
 */
export function captureRegex(pattern: RegExp, subject: Expansion, budget: RegexBudget, prefix: boolean): Expansion {
  if (subject.values.length === 0) return prefix ? { values: [''], absent: false, unresolved: subject.unresolved } : subject;
  const values = new Set<string>();
  let uncaptured = false;
  for (const value of subject.values) {
    budget.left -= value.length ** 3;
    if (budget.left < 0) return UNRESOLVED;
    const captured = pattern.exec(value)?.[1];
    if (captured || prefix) values.add(captured ?? '');
    else uncaptured = true;
  }
  return { values: [...values], absent: false, unresolved: subject.unresolved || uncaptured };
}
