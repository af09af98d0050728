/**
 * The global condition keys the proxy gives every evaluation a value (or knows to be absent):
 * from the request (region, tags), the connection (transport, source address), the clock, and
 * the real identity the proxy signs as. Any other `aws:` key (aws:ResourceTag/…, aws:PrincipalTag/…,
 * aws:SourceVpc, aws:MultiFactorAuthPresent…) is one it cannot supply.
 */
export const SUPPLIED_GLOBAL_KEYS = [
  'aws:RequestedRegion',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:SecureTransport',
  'aws:SourceIp',
  'aws:PrincipalArn',
  'aws:userid',
  'aws:PrincipalAccount',
  'aws:username',
  'aws:TagKeys',
] as const;

/** Keys with a variable part the proxy fills for every tag the request applies. */
export const SUPPLIED_GLOBAL_PREFIXES = ['aws:RequestTag/'] as const;

const supplied = new Set<string>(SUPPLIED_GLOBAL_KEYS.map((key) => key.toLowerCase()));

/** Whether the proxy supplies this global key (case-insensitive, as IAM compares key names). */
export function isSuppliedGlobalKey(key: string): boolean {
  const lower = key.toLowerCase();
  return supplied.has(lower) || SUPPLIED_GLOBAL_PREFIXES.some((prefix) => lower.startsWith(prefix.toLowerCase()) && lower.length > prefix.length);
}
