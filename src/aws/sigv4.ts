import { createHash, createHmac } from 'node:crypto';

/**
 * SigV4's last two steps over a canonical request built by src/aws/canonical-request.ts: the string
 * to sign and the HMAC with the derived signing key. Both verification (of the agent's signature) and
 * re-signing (with the real key) run these once per request, so they are kept lean: node:crypto
 * directly, and the signing key, four chained HMACs, derived once per (secret, day, region, service).
 * (@smithy/signature-v4 caches the key too, but computes an HMAC per call to name its cache entry, and
 * builds a signer, providers and a request copy around it.)
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** `yyyyMMdd/region/service/aws4_request`. */
export function credentialScope(shortDate: string, region: string, service: string): string {
  return `${shortDate}/${region}/${service}/aws4_request`;
}

/** Derived signing keys, least recently used out first once `max` are held. */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(readonly max = 256) {}

  /**
   * The signing key of `secretAccessKey` for one day, region and service. Whether the key may be used
   * at all is the caller's to have checked (the key store's lookup, per request): this only saves the
   * derivation, and a key that was never derived here costs four HMACs, not a refusal.
   */
  get(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
    const name = entryName(secretAccessKey, shortDate, region, service);
    const cached = this.keys.get(name);
    if (cached) {
      this.keys.delete(name); // most recently used last
      this.keys.set(name, cached);
      return cached;
    }
    const key = deriveSigningKey(secretAccessKey, shortDate, region, service);
    if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(name, key);
    return key;
  }

  /** Whether the key is held (no derivation, no change of order). */
  has(secretAccessKey: string, shortDate: string, region: string, service: string): boolean {
    return this.keys.has(entryName(secretAccessKey, shortDate, region, service));
  }

  get size(): number {
    return this.keys.size;
  }

  clear(): void {
    this.keys.clear();
  }
}

/** Newlines cannot be in a date, a region or a service name: the parts cannot run into each other. */
const entryName = (secretAccessKey: string, shortDate: string, region: string, service: string): string => `${shortDate}\n${region}\n${service}\n${secretAccessKey}`;

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

/** The signing keys of every signature the proxy checks or makes; a few per agent key and real key a day. */
export const signingKeys = new SigningKeyCache();

/** The string to sign for `canonicalRequest` signed at `longDate` (`yyyyMMddTHHmmssZ`) in `scope`. */
export function stringToSign(longDate: string, scope: string, canonicalRequest: string): string {
  return `${SIGV4_ALGORITHM}\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
}

/** The hex SigV4 signature of `canonicalRequest`, signed at `longDate` for `region` and `service`. */
export function sigv4Signature(canonicalRequest: string, longDate: string, secretAccessKey: string, region: string, service: string, keys: SigningKeyCache = signingKeys): string {
  const shortDate = longDate.slice(0, 8);
  const key = keys.get(secretAccessKey, shortDate, region, service);
  return createHmac('sha256', key).update(stringToSign(longDate, credentialScope(shortDate, region, service), canonicalRequest)).digest('hex');
}
