/** A Date as SigV4 writes it: `yyyyMMddTHHmmssZ`. */
export function toAmzDate(date: Date): string {
  // Every request formats its time at least twice: the last second's string is kept.
  const second = Math.floor(date.getTime() / 1000);
  if (second !== last.second) last = { second, text: date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') };
  return last.text;
}

let last = { second: Number.NaN, text: '' };
