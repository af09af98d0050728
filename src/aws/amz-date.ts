/** A Date as SigV4 writes it: `yyyyMMddTHHmmssZ`. */
export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
