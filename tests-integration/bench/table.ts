/** Number formats and the plain-text table every section prints. */

const fixed = (digits: number) => (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(digits));
export const f1 = fixed(1);
export const f2 = fixed(2);
export const f3 = fixed(3);
export const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');

/** First column left-aligned (labels), the others right-aligned (figures). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}
