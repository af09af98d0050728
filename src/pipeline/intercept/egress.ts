import { isIP } from 'node:net';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../log/action-log.js';
import { classifyAddress, isMetadataHost, normalizeHost, type AddressClass } from './address-class.js';

/**
 * Egress policy for non-AWS traffic (AWS API hosts always go to the pipeline). Pure: the caller
 * resolves the host once, asks `decideEgress` about every address, and connects to a checked one.
 *
 * - `allow-all` (the default): any host that resolves to public addresses only. Loopback, private,
 *   link-local and reserved addresses only for hosts an exact allowlist entry names (below): an
 *   agent in `run --isolate` or a sandbox must not reach the machine's or the network's own services
 *   through the proxy.
 * - `deny`: no non-AWS host at all.
 * - `allowlist`: only hosts the allowlist names. A host must resolve to public addresses only,
 *   unless an exact entry (a host name or IP address, not a `*.` pattern) names it: then loopback,
 *   private, link-local and reserved addresses are admitted for it too.
 *
 * In every mode: never a cloud metadata endpoint, and never the proxy's own ports on this machine
 * (a tunnel back into the proxy, or to its credential endpoint).
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
  /** Read in `allowlist` mode (what is admitted) and in `allow-all` mode (which non-public hosts are). */
  rules: EgressRule[];
  /** The proxy's own listening ports and this machine's addresses: set when it starts. */
  own?: OwnEndpoints;
}

/** Where the proxy itself listens: its ports on loopback and on the machine's own addresses. */
export interface OwnEndpoints {
  ports: readonly number[];
  /** The machine's interface addresses, normalised (loopback is always included). */
  addresses: ReadonlySet<string>;
}

export const ALLOW_ALL: EgressPolicy = { mode: 'allow-all', rules: [] };

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

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
  const rule = matchRule(policy.rules, name, port);
  if (policy.mode === 'allowlist' && !rule) return refuse('not in the egress allowlist');
  if (addresses === undefined) return ALLOWED;
  if (addresses.length === 0) return refuse(`${name} resolves to no address`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    const shown = address === name ? address : `${name} resolves to ${address}`;
    if (isOwnEndpoint(policy.own, address, kind, port)) return refuse(`${shown} port ${port} is the proxy's own`);
    if (kind === 'public') continue;
    if (kind === 'metadata') return refuse(`${shown}, a cloud metadata endpoint`);
    if (rule && !rule.wildcard) continue; // an exact entry names this very host: its own network is meant
    if (policy.mode === 'allow-all') {
      return refuse(`${shown}, a ${kind} address (PROXY_EGRESS=allow-all admits public addresses; name the host in PROXY_EGRESS_ALLOWLIST to admit it)`);
    }
    return refuse(`${shown}, a ${kind} address; only an exact allowlist entry (line ${rule!.line} is a wildcard) admits it`);
  }
  return ALLOWED;
}

function isOwnEndpoint(own: OwnEndpoints | undefined, address: string, kind: AddressClass, port: number): boolean {
  if (!own?.ports.includes(port)) return false;
  return kind === 'loopback' || own.addresses.has(normalizeHost(address));
}

/** What a refused connection was, for the log. */
export interface EgressRefusal {
  /** `CONNECT`, or the method of a plain-HTTP request. */
  method: string;
  host: string;
  port: number;
  /** The client's address:port. */
  client: string | undefined;
  /** The agent its Proxy-Authorization proved (a non-AWS request carries no signature naming one). */
  agent: string | undefined;
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
    agent: refusal.agent,
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
  if (policy.mode === 'allow-all') {
    const named = policy.rules.length === 0 ? '' : ` and ${policy.rules.length} allowlist entr${policy.rules.length === 1 ? 'y' : 'ies'} for local hosts`;
    return `allow-all (any public host${named}; never cloud metadata or the proxy's own ports; PROXY_EGRESS=deny or allowlist to restrict)`;
  }
  if (policy.mode === 'deny') return 'deny (AWS API hosts only)';
  return `allowlist (AWS API hosts and ${policy.rules.length} allowlist entr${policy.rules.length === 1 ? 'y' : 'ies'})`;
}
