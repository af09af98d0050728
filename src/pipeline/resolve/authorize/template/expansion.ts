/** The values a part of a template expands to, and the bounded ways they combine. */

/** Past this many values a template (or an ARN's combinations) is unresolved, not enumerated. */
export const MAX_VALUES = 1_000;

/**
 * Values plus why some may be missing. `absent`: an input property the template needs is not
 * there (with no values); `unresolved`: anything else went wrong. No values and no flag: the
 * template does not apply. A value is '' only where an optional regex prefix captured nothing.
 */
export interface Expansion {
  values: string[];
  absent: boolean;
  unresolved: boolean;
}

export const NOTHING: Expansion = { values: [], absent: false, unresolved: false };
export const UNRESOLVED: Expansion = { values: [], absent: false, unresolved: true };

/** Every concatenation of one string from each list, deduplicated; undefined past `limit`. */
export function combine(lists: readonly (readonly string[])[], limit: number): string[] | undefined {
  let results: string[] = [''];
  for (const list of lists) {
    const [only] = list;
    // The common case, one value: appending it keeps distinct prefixes distinct.
    if (list.length === 1 && only !== undefined) {
      results = results.map((prefix) => prefix + only);
      continue;
    }
    const next = new Set<string>();
    for (const prefix of results) {
      for (const value of list) next.add(prefix + value);
      if (next.size > limit) return undefined;
    }
    results = [...next];
  }
  return results;
}

/**
 * The union of several expansions. `many` skips absent items: each item is one of several places
 * a value may be given, so one that is not there is simply not one of them.
 */
export function unite(parts: readonly Expansion[], { skipAbsent }: { skipAbsent: boolean }): Expansion {
  const [only] = parts;
  if (parts.length === 1 && only) return skipAbsent && only.absent ? NOTHING : only;
  const values = new Set<string>();
  let absent = false;
  let unresolved = false;
  for (const part of parts) {
    absent ||= part.absent && !skipAbsent;
    unresolved ||= part.unresolved;
    for (const value of part.values) values.add(value);
    if (values.size > MAX_VALUES) return UNRESOLVED;
  }
  return { values: [...values], absent: absent && values.size === 0, unresolved };
}

export function mapValues(expansion: Expansion, transform: (value: string) => string): Expansion {
  return { values: [...new Set(expansion.values.map(transform))], absent: expansion.absent, unresolved: expansion.unresolved };
}
