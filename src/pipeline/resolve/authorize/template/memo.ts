/** The bound shared by the memos of compiled templates, ARN matchers, ARN slots and condition paths. */

const CACHE_LIMIT = 4_096; // the whole map has ~2,300 distinct templates

/** Adds to a bounded memo, forgetting the oldest entry when full. */
export function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= CACHE_LIMIT) {
    for (const oldest of cache.keys()) {
      cache.delete(oldest);
      break;
    }
  }
  cache.set(key, value);
}
