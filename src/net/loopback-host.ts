/** The only address the proxy's local HTTP listeners (credential endpoint, admin) bind. */
export const LOOPBACK_HOST = '127.0.0.1';

const LOOPBACK_NAMES = new Set([LOOPBACK_HOST, 'localhost']);

/**
 * Whether a Host header names this loopback listener (127.0.0.1 or localhost, this port): a page a
 * browser loaded from a DNS-rebound name sends its own name, and is refused.
 */
export function loopbackHost(host: string | string[] | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const match = /^([^:]+):(\d+)$/.exec(host.toLowerCase());
  return match !== null && LOOPBACK_NAMES.has(match[1]!) && Number(match[2]) === port;
}
