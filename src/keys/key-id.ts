import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Key ids carry everything needed to check a key, so nothing secret is stored: the secret is
 * HMAC(master, id), and the id says who the key is for and when it expires.
 *
 * After the prefix, 32 base32 characters of 20 bytes:
 *   issued-at ms (6) | lifetime s (2) | agent tag (4) | random (4) | check (4)
 * The agent tag is HMAC(master, "agent:" + name); the check, HMAC(master, "check:" + prefix + the
 * first 16 bytes), tells an id this proxy made from one made up (or made by another proxy).
 */
export const AGENT_KEY_PREFIX = 'AKIAPROXY';
/** Session keys stand in for credentials an AWS response carried; like AWS's ASIA keys, they come with a token. */
export const SESSION_KEY_PREFIX = 'ASIAPROXY';

export type KeyKind = 'agent' | 'session';

export interface KeyIdFields {
  kind: KeyKind;
  issuedAt: number;
  lifetimeSeconds: number;
  agentTag: number;
}

export interface DecodedKeyId extends KeyIdFields {
  expiresAt: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BYTES = 20;
const SIGNED_BYTES = 16;
const ID_LENGTH = AGENT_KEY_PREFIX.length + (BYTES * 8) / 5;
const MAX_LIFETIME = 0xffff;

export function encodeKeyId(master: Buffer, fields: KeyIdFields, random: Buffer = randomBytes(4)): string {
  if (!Number.isInteger(fields.lifetimeSeconds) || fields.lifetimeSeconds < 0 || fields.lifetimeSeconds > MAX_LIFETIME) {
    throw new RangeError(`key lifetime ${fields.lifetimeSeconds} s does not fit a key id`);
  }
  const prefix = prefixOf(fields.kind);
  const bytes = Buffer.alloc(BYTES);
  bytes.writeUIntBE(fields.issuedAt, 0, 6);
  bytes.writeUInt16BE(fields.lifetimeSeconds, 6);
  bytes.writeUInt32BE(fields.agentTag >>> 0, 8);
  random.copy(bytes, 12, 0, 4);
  checkOf(master, prefix, bytes.subarray(0, SIGNED_BYTES)).copy(bytes, SIGNED_BYTES);
  return prefix + toBase32(bytes);
}

/** The id's fields, or undefined when this proxy (this master key) did not make it. */
export function decodeKeyId(master: Buffer, id: string): DecodedKeyId | undefined {
  if (id.length !== ID_LENGTH) return undefined;
  const kind: KeyKind | undefined = id.startsWith(AGENT_KEY_PREFIX) ? 'agent' : id.startsWith(SESSION_KEY_PREFIX) ? 'session' : undefined;
  if (!kind) return undefined;
  const bytes = fromBase32(id.slice(AGENT_KEY_PREFIX.length));
  if (!bytes) return undefined;
  const check = checkOf(master, prefixOf(kind), bytes.subarray(0, SIGNED_BYTES));
  if (!timingSafeEqual(check, bytes.subarray(SIGNED_BYTES))) return undefined;
  const issuedAt = bytes.readUIntBE(0, 6);
  const lifetimeSeconds = bytes.readUInt16BE(6);
  return { kind, issuedAt, lifetimeSeconds, agentTag: bytes.readUInt32BE(8), expiresAt: issuedAt + lifetimeSeconds * 1000 };
}

/** 40 characters, like an AWS secret access key. */
export function secretFor(master: Buffer, accessKeyId: string): string {
  return createHmac('sha256', master).update(accessKeyId).digest().subarray(0, 30).toString('base64');
}

export function agentTag(master: Buffer, agent: string): number {
  return createHmac('sha256', master).update(`agent:${agent}`).digest().readUInt32BE(0);
}

const prefixOf = (kind: KeyKind): string => (kind === 'agent' ? AGENT_KEY_PREFIX : SESSION_KEY_PREFIX);

function checkOf(master: Buffer, prefix: string, signed: Buffer): Buffer {
  return createHmac('sha256', master).update(`check:${prefix}`).update(signed).digest().subarray(0, BYTES - SIGNED_BYTES);
}

function toBase32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function fromBase32(text: string): Buffer | undefined {
  const out = Buffer.alloc((text.length * 5) >> 3);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) return undefined;
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
