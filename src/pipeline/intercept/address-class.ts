import { isIP } from 'node:net';

/**
 * What kind of destination a host or address is, for the egress policy (egress.ts): cloud metadata
 * endpoints by name and address, and v4 and v6 ranges, v4-in-v6 forms judged by their v4 address.
 */

/** What kind of destination an address is. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved' | 'metadata';

/** Cloud metadata and host-platform endpoints: refused in every mode, whatever the allowlist says. */
export const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS EC2 IMDS, GCP, Azure IMDS, OpenStack, DigitalOcean, Oracle, Huawei…
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS Pod Identity agent
  '169.254.0.23', // Tencent Cloud
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (classic)
  '168.63.129.16', // Azure WireServer / host platform
  'fd00:ec2::254', // AWS EC2 IMDS over IPv6 (Nitro)
  'fd00:ec2::23', // AWS EKS Pod Identity agent over IPv6
]);

/** Names of metadata services, refused before any lookup. */
export const METADATA_NAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Normalises a host name or IP literal for matching: lower case, no brackets, no trailing dot, canonical IPv6. */
export function normalizeHost(host: string): string {
  let value = host.trim().toLowerCase();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  if (value.endsWith('.') && isIP(value) === 0) value = value.slice(0, -1);
  if (isIP(value) === 6) value = canonicalV6(value);
  return value;
}

function canonicalV6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function isMetadataHost(host: string): boolean {
  const name = normalizeHost(host);
  return METADATA_NAMES.has(name) || METADATA_ADDRESSES.has(name) || (isIP(name) !== 0 && classifyAddress(name) === 'metadata');
}

// --- address classes -------------------------------------------------------------------------

type V4Range = [base: number, prefix: number, kind: AddressClass];
const V4_RANGES: V4Range[] = [
  [ip4('0.0.0.0'), 8, 'loopback'], // "this host": connecting to 0.0.0.0 reaches the local machine
  [ip4('10.0.0.0'), 8, 'private'],
  [ip4('100.64.0.0'), 10, 'private'], // carrier-grade NAT, shared address space
  [ip4('127.0.0.0'), 8, 'loopback'],
  [ip4('169.254.0.0'), 16, 'link-local'],
  [ip4('172.16.0.0'), 12, 'private'],
  [ip4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [ip4('192.0.2.0'), 24, 'reserved'], // TEST-NET-1
  [ip4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast
  [ip4('192.168.0.0'), 16, 'private'],
  [ip4('198.18.0.0'), 15, 'private'], // benchmarking
  [ip4('198.51.100.0'), 24, 'reserved'], // TEST-NET-2
  [ip4('203.0.113.0'), 24, 'reserved'], // TEST-NET-3
  [ip4('224.0.0.0'), 4, 'reserved'], // multicast
  [ip4('240.0.0.0'), 4, 'reserved'], // reserved, broadcast
];

function ip4(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function classifyV4(value: number, text: string): AddressClass {
  if (METADATA_ADDRESSES.has(text)) return 'metadata';
  for (const [base, prefix, kind] of V4_RANGES) {
    if (Math.floor(value / 2 ** (32 - prefix)) === Math.floor(base / 2 ** (32 - prefix))) return kind;
  }
  return 'public';
}

function v4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored); undefined if it is not one. */
function groupsV6(address: string): number[] | undefined {
  const text = address.split('%')[0]!;
  if (isIP(text) !== 6) return undefined;
  let [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const parse = (part: string): number[] => {
    if (!part) return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (const piece of pieces) {
      if (piece.includes('.')) {
        const v = ip4(piece);
        out.push(Math.floor(v / 65536), v % 65536);
      } else out.push(parseInt(piece, 16));
    }
    return out;
  };
  const first = parse(head);
  if (tail === undefined) return first;
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}

/** Classifies an IP address (v4, v6, IPv4-mapped and other v4-embedding v6 forms by their v4 address). */
export function classifyAddress(address: string): AddressClass {
  const kind = isIP(address.split('%')[0]!);
  if (kind === 4) return classifyV4(ip4(address), address);
  const g = groupsV6(address);
  if (!g) return 'reserved';
  const canonical = canonicalV6(address.split('%')[0]!);
  if (METADATA_ADDRESSES.has(canonical)) return 'metadata';
  const v4At = (i: number): AddressClass => {
    const value = g[i]! * 65536 + g[i + 1]!;
    return classifyV4(value, v4Text(value));
  };
  const zeroes = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeroes(0, 8)) return 'loopback'; // ::, the unspecified address, reaches this host
  if (zeroes(0, 7) && g[7] === 1) return 'loopback'; // ::1
  if (zeroes(0, 5) && g[5] === 0xffff) return v4At(6); // ::ffff:a.b.c.d, IPv4-mapped
  if (zeroes(0, 4) && g[4] === 0xffff && g[5] === 0) return v4At(6); // ::ffff:0:a.b.c.d, IPv4-translated
  if (zeroes(0, 6)) return v4At(6); // ::a.b.c.d, IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeroes(2, 6)) return v4At(6); // 64:ff9b::/96, NAT64
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // 64:ff9b:1::/48, local NAT64
  if (g[0] === 0x2002) return v4At(1); // 2002::/16, 6to4
  if (g[0] === 0x2001 && g[1] === 0) return 'reserved'; // Teredo: the v4 address is obfuscated
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'reserved'; // documentation
  if (g[0]! >> 9 === 0xfc >> 1) return 'private'; // fc00::/7, unique local
  if (g[0]! >> 6 === 0xfe80 >> 6) return 'link-local'; // fe80::/10
  if (g[0]! >> 6 === 0xfec0 >> 6) return 'private'; // fec0::/10, site-local (deprecated)
  if (g[0]! >> 13 === 1) return 'public'; // 2000::/3, global unicast
  return 'reserved'; // multicast ff00::/8, 100::/64 discard and everything unassigned
}

// --- allowlist -------------------------------------------------------------------------------
