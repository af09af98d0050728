import { cbor, tag } from '@smithy/core/cbor';
import { parseCbor } from '../../aws/wire/cbor.js';
import { parseJson } from '../../aws/wire/json.js';
import type { Parsed } from '../../aws/wire/parsed.js';
import { parseXml } from '../../aws/wire/xml.js';
import type { CredentialLocation, Protocol } from '../../services/model.js';
import { findCredentialSites } from './credential-sites.js';

/** Real credentials found in a response. */
export interface FoundCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  /** Milliseconds since the epoch, when the response says. */
  expiresAt: number | undefined;
}

/** What the agent gets instead: a proxy-issued key, and a token exactly when the real credentials had one. */
export interface StandInCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type Rewritten = { ok: true; body: Buffer; replaced: number } | { ok: false; reason: string };

/** Member names that hold a secret anywhere in a response: any left with a value the proxy did not issue fails the rewrite. */
const SECRET_MEMBER = /^(secret(access)?key|sessiontoken)$/i;

/**
 * The response body with every credentials structure the model places in it swapped for
 * stand-ins, in the body's own format (JSON and CBOR re-encoded, XML edited in place). Fails
 * closed: an unreadable body, a structure missing its key id, or any real value (or any
 * secret-like member the proxy did not fill) still present afterwards is a failure, never a pass.
 */
export function rewriteCredentials(
  body: Buffer,
  protocol: Protocol,
  operation: string,
  locations: CredentialLocation[],
  standIn: (found: FoundCredentials) => StandInCredentials,
): Rewritten {
  const document = parseBody(body, protocol);
  if (!document.ok) return { ok: false, reason: `the response is unreadable: ${document.error}` };
  const replacements = new Map<string, string>();
  const issued = new Set<string>();
  for (const site of findCredentialSites(document.value, protocol, operation, locations)) {
    if (!site.secretAccessKey) continue; // e.g. a listed key whose secret AWS no longer shows
    if (!site.accessKeyId) return { ok: false, reason: 'a secret access key without its access key id' };
    const real = { accessKeyId: site.accessKeyId, secretAccessKey: site.secretAccessKey, sessionToken: site.sessionToken, expiresAt: epochMillis(site.expiration) };
    const stand = standIn(real);
    site.set(stand);
    replacements.set(real.accessKeyId, stand.accessKeyId).set(real.secretAccessKey, stand.secretAccessKey);
    if (real.sessionToken !== undefined) replacements.set(real.sessionToken, stand.sessionToken ?? '');
    for (const value of [stand.secretAccessKey, stand.sessionToken]) if (value) issued.add(value);
  }
  const encoded = encode(document.value, body, protocol, replacements);
  if (!encoded.ok) return encoded;
  const leak = leftBehind(encoded.body, protocol, replacements, issued);
  return leak ? { ok: false, reason: leak } : { ok: true, body: encoded.body, replaced: replacements.size };
}

function parseBody(body: Buffer, protocol: Protocol): Parsed<unknown> {
  if (protocol === 'rpcv2Cbor') return parseCbor(body);
  const text = body.toString('utf8');
  if (protocol === 'awsJson1_0' || protocol === 'awsJson1_1' || protocol === 'restJson1') return text.trim() === '' ? { ok: true, value: {} } : parseJson(text);
  return parseXml(text);
}

function encode(document: unknown, body: Buffer, protocol: Protocol, replacements: Map<string, string>): { ok: true; body: Buffer } | { ok: false; reason: string } {
  if (protocol === 'rpcv2Cbor') return { ok: true, body: Buffer.from(cbor.serialize(withTimestampTags(document))) };
  if (protocol === 'awsJson1_0' || protocol === 'awsJson1_1' || protocol === 'restJson1') return { ok: true, body: Buffer.from(JSON.stringify(document)) };
  // XML is edited as text, so everything but the swapped values stays byte for byte: real
  // values are base64 and need no escaping, and one that did would be left behind and caught.
  let text = body.toString('utf8');
  for (const [real, stand] of replacements) {
    if (!text.includes(real)) return { ok: false, reason: 'a credential is escaped in a way the proxy does not rewrite' };
    text = text.split(real).join(stand);
  }
  return { ok: true, body: Buffer.from(text) };
}

/** The codec decodes tag-1 timestamps to Dates but does not encode Dates back: give them their tag again. */
function withTimestampTags(node: unknown): unknown {
  if (node instanceof Date) return tag({ tag: 1, value: node.getTime() / 1000 });
  if (Array.isArray(node)) return node.map(withTimestampTags);
  if (typeof node !== 'object' || node === null || ![Object.prototype, null].includes(Object.getPrototypeOf(node))) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = withTimestampTags(value);
  return out;
}

/** Why the rewritten body is still unsafe, if it is. */
function leftBehind(body: Buffer, protocol: Protocol, replacements: Map<string, string>, issued: Set<string>): string | undefined {
  for (const real of replacements.keys()) if (body.includes(real)) return 'a real credential value is still in the response';
  const again = parseBody(body, protocol);
  if (!again.ok) return 'the rewritten response is unreadable';
  let problem: string | undefined;
  visitStrings(again.value, (name, value) => {
    for (const real of replacements.keys()) if (value.includes(real)) problem ??= 'a real credential value is still in the response (escaped)';
    if (name !== undefined && SECRET_MEMBER.test(name) && value !== '' && !issued.has(value)) problem ??= `the response carries a ${name} the model does not place where the proxy looked`;
  });
  return problem;
}

function visitStrings(node: unknown, visit: (name: string | undefined, value: string) => void, name?: string): void {
  if (typeof node === 'string') return visit(name, node);
  if (Array.isArray(node)) return node.forEach((item) => visitStrings(item, visit, name));
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) visitStrings(value, visit, key === '#text' ? name : key.replace(/^@_/, ''));
}

/** An expiry as responses write it: ISO 8601, epoch seconds (JSON) or milliseconds (SSO), a CBOR tag-1 timestamp. */
export function epochMillis(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === 1) value = (value as { value: unknown }).value;
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value : value * 1000;
  if (typeof value === 'string' && value.trim() !== '') {
    const numeric = Number(value);
    if (Number.isFinite(numeric)) return epochMillis(numeric);
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
