import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The approvals page's secret for one start of the proxy: whoever holds it may approve grants. */
export function createPageToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; digests first because timingSafeEqual needs equal lengths. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(presented));
}
