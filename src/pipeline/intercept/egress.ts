import { isIP } from 'node:net';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../log/action-log.js';

/**
 * Egress policy for non-AWS traffic (AWS API hosts always go to the pipeline). Pure: the caller
 * resolves the host once, asks `decideEgress` about every address, and connects to a checked one.
 *
 * - `allow-all` (the default): any host, loopback and private ranges included, but never a cloud
 *   metadata address or any link-local or reserved address.
 * - `deny`: no non-AWS host at all.
 * - `allowlist`: only hosts the allowlist names. A host must resolve to public addresses only,
 *   unless an exact entry (a host name or IP address, not a `*.` pattern) names it: then loopback,
 *   private, link-local and reserved addresses are admitted for it too. Cloud metadata never.
 */
export type EgressMode = 'allow-all' | 'deny' | 'allowlist';

export const EGRESS_MODES: readonly EgressMode[] = ['allow-all', 'deny', 'allowlist'];

/** One allowlist line: `host`, `*.suffix` or an IP address (`[v6]` with a port), then optionally `:port`. */
export interface EgressRule {
  /** Lower case, no trailing dot; an IP address in canonical form; for a wildcard, the suffix without `*.`. */
  host: string;
  wildcard: boolean;
  /** Undefined: any port. */
  port: number | undefined;
  /** The line it came from, for messages. */
  line: number;
}

export interface EgressPolicy {
  mode: EgressMode;
  rules: EgressRule[];
}

export const ALLOW_ALL: EgressPolicy = { mode: 'allow-all', rules: [] };

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

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

/** A malformed allowlist; the message names the line and says what is expected. */
export class EgressAllowlistError extends Error {}

const NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const FORMAT = 'expected a host (example.com), a pattern (*.example.com) or an IP address (10.0.0.5, [fd00::5]), optionally followed by :port';

/**
 * One entry a line: `host`, `*.suffix`, `a.b.c.d` or `[v6]` (a bare v6 address without a port
 * also works), then optionally `:port` (1-65535; without it, any port). `#` starts a comment;
 * blank lines are skipped. `*.example.com` matches every name under example.com, not
 * example.com itself. Metadata endpoints are refused in any case and may not be listed.
 */
export function parseEgressAllowlist(text: string): EgressRule[] {
  const rules: EgressRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const entry = raw.replace(/#.*/, '').trim();
    if (!entry) return;
    const fail = (why: string): never => {
      throw new EgressAllowlistError(`line ${line}: "${entry}": ${why}`);
    };
    if (/\s/.test(entry)) fail(`one entry a line; ${FORMAT}`);
    if (entry.includes('/')) fail(`a host, not a URL or path; ${FORMAT}`);
    let host = entry;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (bracketed) {
      if (isIP(bracketed[1]!) !== 6) fail(`[${bracketed[1]}] is not an IPv6 address`);
      host = bracketed[1]!;
      if (bracketed[2] !== undefined) port = portOf(bracketed[2], fail);
    } else if (isIP(entry) === 6) {
      host = entry;
    } else if (entry.includes(':')) {
      const colon = entry.lastIndexOf(':');
      host = entry.slice(0, colon);
      port = portOf(entry.slice(colon + 1), fail);
      if (host.includes(':')) fail('write an IPv6 address with a port as [address]:port');
    }
    let wildcard = false;
    if (host.startsWith('*.')) {
      wildcard = true;
      host = host.slice(2);
    }
    host = host.toLowerCase().replace(/\.$/, '');
    if (isIP(host) !== 0) {
      if (wildcard) fail('a wildcard cannot precede an IP address');
      host = normalizeHost(host);
    } else if (host.includes('*')) {
      fail(`only a leading "*." is allowed (*.example.com); for every host use PROXY_EGRESS=allow-all`);
    } else if (!NAME.test(host) || /^[0-9.]+$/.test(host)) {
      fail(FORMAT);
    }
    if (!wildcard && isMetadataHost(host)) {
      fail('cloud metadata endpoints are always refused and cannot be allowed; remove this line');
    }
    rules.push({ host, wildcard, port, line });
  });
  return rules;
}

function portOf(text: string, fail: (why: string) => never): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) fail(`"${text}" is not a port (1-65535)`);
  return port;
}

/** The first rule matching host and port; exact entries first, so they can admit private addresses. */
export function matchRule(rules: readonly EgressRule[], host: string, port: number): EgressRule | undefined {
  const name = normalizeHost(host);
  const portOk = (rule: EgressRule) => rule.port === undefined || rule.port === port;
  return rules.find((rule) => !rule.wildcard && rule.host === name && portOk(rule)) ?? rules.find((rule) => rule.wildcard && name.endsWith(`.${rule.host}`) && portOk(rule));
}

// --- decision --------------------------------------------------------------------------------

const ALLOWED: EgressDecision = { allowed: true };
const refuse = (reason: string): EgressDecision => ({ allowed: false, reason });

/**
 * Whether a non-AWS connection to host:port may be made. Call it with `addresses` undefined
 * before resolving (refuses on the name alone: metadata names, deny mode, unlisted hosts), then
 * with every address the single lookup returned: one refused address refuses the connection.
 */
export function decideEgress(policy: EgressPolicy, host: string, port: number, addresses?: readonly string[]): EgressDecision {
  const name = normalizeHost(host);
  if (isMetadataHost(name)) return refuse(`${name} is a cloud metadata endpoint`);
  if (policy.mode === 'deny') return refuse('non-AWS egress is denied (PROXY_EGRESS=deny)');
  const rule = policy.mode === 'allowlist' ? matchRule(policy.rules, name, port) : undefined;
  if (policy.mode === 'allowlist' && !rule) return refuse('not in the egress allowlist');
  if (addresses === undefined) return ALLOWED;
  if (addresses.length === 0) return refuse(`${name} resolves to no address`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    const shown = address === name ? address : `${name} resolves to ${address}`;
    if (kind === 'public') continue;
    if (kind === 'metadata') return refuse(`${shown}, a cloud metadata endpoint`);
    if (policy.mode === 'allow-all') {
      if (kind === 'loopback' || kind === 'private') continue;
      return refuse(`${shown}, a ${kind} address (refused even with PROXY_EGRESS=allow-all)`);
    }
    if (!rule!.wildcard) continue; // an exact entry names this very host: its own network is meant
    return refuse(`${shown}, a ${kind} address; only an exact allowlist entry (line ${rule!.line} is a wildcard) admits it`);
  }
  return ALLOWED;
}

/** What a refused connection was, for the log. */
export interface EgressRefusal {
  /** `CONNECT`, or the method of a plain-HTTP request. */
  method: string;
  host: string;
  port: number;
  /** The client's address:port (a non-AWS request carries no signature naming an agent). */
  client: string | undefined;
  reason: string;
  latencyMs: number;
}

/** The actions.log record of a refusal: service `egress`, decision `refused`, no IAM action (`policy` ignores it). */
export function egressRecord(refusal: EgressRefusal, now: Date): ActionRecord {
  const host = refusal.host.includes(':') ? `[${refusal.host}]` : refusal.host;
  return {
    v: ACTION_RECORD_VERSION,
    time: now.toISOString(),
    accessKeyId: undefined,
    agent: undefined,
    client: refusal.client,
    host: `${host}:${refusal.port}`,
    service: EGRESS_SERVICE,
    region: undefined,
    protocol: undefined,
    operation: refusal.method,
    authorizations: [],
    context: undefined,
    decision: 'refused',
    error: refusal.reason,
    upstreamStatus: undefined,
    latencyMs: refusal.latencyMs,
  };
}

/** The `service` of egress records in actions.log. */
export const EGRESS_SERVICE = 'egress';

/** One line for the banner. */
export function describeEgress(policy: EgressPolicy): string {
  if (policy.mode === 'allow-all') return 'allow-all (any host but cloud metadata, link-local and reserved addresses; PROXY_EGRESS=deny or allowlist to restrict)';
  if (policy.mode === 'deny') return 'deny (AWS API hosts only)';
  return `allowlist (AWS API hosts and ${policy.rules.length} allowlist entr${policy.rules.length === 1 ? 'y' : 'ies'})`;
}
