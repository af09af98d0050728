import { defaultCatalog } from '../services/catalog.js';

/** Host name without port, lowercased, IPv6 brackets kept. */
export function hostWithoutPort(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

let suffixes: string[] | undefined;

/** Whether a host is under the DNS suffix of an AWS partition the proxy covers (amazonaws.com, api.aws, …). */
export function isAwsApiHost(hostname: string): boolean {
  suffixes ??= defaultCatalog().hostSuffixes().map((suffix) => `.${suffix}`);
  const host = hostname.toLowerCase();
  return suffixes.some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
}
