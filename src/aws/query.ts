export type QueryParameters = Record<string, string | string[]>;

/**
 * Decodes a raw query string the way SigV4 canonicalisation needs: percent-decoding only
 * (a `+` stays a `+`, unlike URLSearchParams), a key without `=` has the value '', repeats become arrays.
 */
export function parseRawQuery(rawQuery: string): QueryParameters {
  // No prototype: parameters named `constructor` or `__proto__` are just parameters.
  const query = Object.create(null) as QueryParameters;
  if (!rawQuery) return query;
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = percentDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : percentDecode(pair.slice(eq + 1));
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

/** First value of a parameter. */
export function firstValue(query: QueryParameters, name: string): string | undefined {
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  return Array.isArray(value) ? value[0] : value;
}

/** Percent-decoding that leaves malformed input (a stray `%`) as it is instead of throwing. */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits a request target into its raw path and raw query (no decoding). */
export function splitTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  return q === -1 ? { rawPath: target, rawQuery: '' } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/** The raw query without the named parameters, every other pair kept byte for byte. */
export function withoutParameters(rawQuery: string, names: readonly string[]): string {
  return rawQuery
    .split('&')
    .filter((pair) => pair && !names.includes(percentDecode(pair.split('=', 1)[0]!)))
    .join('&');
}
