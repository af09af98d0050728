/** The samples of a Prometheus text exposition: `name{a="b",…}` → value (labels sorted by name). */
export function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    found.set(`${match[1]}${labels.length ? `{${labels.join(',')}}` : ''}`, Number(match[3]));
  }
  return found;
}

/** One sample's value; 0 when absent (a counter never incremented for those labels is not shown). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const key = Object.keys(labels).length ? `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}` : name;
  return samples(text).get(key) ?? 0;
}
