import { createECDH, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { KEY_TYPE_IDENTIFIER, SignatureV4Base } from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest } from '@smithy/types';
import type { AwsError } from '../../aws/errors.js';
import { parseRawQuery } from '../../aws/query.js';
import { signerOptions } from '../../aws/signer.js';
import { SIGV4A, type SigV4Authorization } from './authorization-header.js';
import type { SignedRequest } from './verify-signature.js';

/**
 * What a SigV4a header signature needs beyond SigV4's checks: its region set signed (else it could
 * be changed in transit), and no signed chunks (their ECDSA chain is not implemented).
 */
export function sigv4aClaimError(request: SignedRequest, auth: SigV4Authorization): AwsError | undefined {
  if (auth.algorithm !== SIGV4A) return undefined;
  if (!auth.signedHeaders.includes('x-amz-region-set')) return { status: 403, code: 'SignatureDoesNotMatch', message: 'SigV4a requires the x-amz-region-set header to be signed.' };
  const payload = String(request.headers['x-amz-content-sha256'] ?? '');
  if (payload.startsWith('STREAMING-AWS4-')) return { status: 501, code: 'NotImplemented', message: `${payload} uploads signed with SigV4a are not supported by iam-agent-proxy; use UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER.` };
  return undefined;
}

/**
 * Verifies a SigV4a (`AWS4-ECDSA-P256-SHA256`) signature, header or presigned: the ECDSA P-256
 * public key derived from `secretAccessKey` must verify the signature over the string to sign
 * built from exactly the headers the client listed as signed (x-amz-region-set among them).
 * `payloadHash` is the value the canonical request must end with (already checked against the body).
 */
export async function sigv4aSignatureMatches(
  request: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  payloadHash: string,
  signingDate: Date,
): Promise<boolean> {
  const canonicalHeaders: HeaderBag = {};
  for (const name of auth.signedHeaders) canonicalHeaders[name] = canonicalHeaderValue(request.headers[name]);
  // The canonical query leaves X-Amz-Signature out itself; a presigned request's other auth parameters are signed.
  const httpRequest = { method: request.method, protocol: 'https:', hostname: '', path: request.rawPath, query: parseRawQuery(request.rawQuery), headers: {} } as HttpRequest;
  const stringToSign = await new StringToSign(auth, secretAccessKey).over(httpRequest, canonicalHeaders, payloadHash, signingDate);
  const publicKey = sigv4aPublicKey(auth.accessKeyId, secretAccessKey);
  try {
    return verify('sha256', Buffer.from(stringToSign), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(auth.signature, 'hex'));
  } catch {
    // A signature that is not DER at all.
    return false;
  }
}

/** The signer's own canonical request and string to sign, with SigV4a's algorithm and region-less scope. */
class StringToSign extends SignatureV4Base {
  constructor(auth: SigV4Authorization, secretAccessKey: string) {
    super(signerOptions({ accessKeyId: auth.accessKeyId, secretAccessKey }, auth.region, auth.service));
  }

  async over(request: HttpRequest, canonicalHeaders: HeaderBag, payloadHash: string, signingDate: Date): Promise<string> {
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = `${shortDate}/${this.service}/${KEY_TYPE_IDENTIFIER}`;
    return this.createStringToSign(longDate, scope, this.createCanonicalRequest(request, canonicalHeaders, payloadHash), SIGV4A);
  }
}

/** Trimmed, inner runs of spaces made one, repeats as Node merged them: as verify-signature.ts reads SigV4's. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  const text = value === undefined ? '' : Array.isArray(value) ? value.join(',') : value;
  return text.trim().replace(/\s+/g, ' ');
}

/** P-256's order n, less 2: a candidate above it is rejected, so the private key (candidate + 1) lies in [1, n-1]. */
const N_MINUS_2 = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254fn;
/** AWS's limit on attempts; each is rejected with probability about 2^-32. */
const MAX_COUNTER = 254;

/**
 * The SigV4a private key of a credential pair: NIST SP 800-108 HMAC-SHA256 counter-mode KDF keyed
 * with "AWS4A" + secret, over 0x00000001 || "AWS4-ECDSA-P256-SHA256" || 0x00 || access key id ||
 * counter byte || 0x00000100 (256 bits), retried with the next counter while the output exceeds n-2.
 */
export function sigv4aPrivateKey(accessKeyId: string, secretAccessKey: string): Buffer {
  const hmacKey = Buffer.from(`AWS4A${secretAccessKey}`);
  for (let counter = 1; counter <= MAX_COUNTER; counter++) {
    const fixedInput = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from(SIGV4A), Buffer.from([0]), Buffer.from(accessKeyId), Buffer.from([counter, 0, 0, 1, 0])]);
    const candidate = BigInt(`0x${createHmac('sha256', hmacKey).update(fixedInput).digest('hex')}`);
    if (candidate <= N_MINUS_2) return Buffer.from((candidate + 1n).toString(16).padStart(64, '0'), 'hex');
  }
  throw new Error('SigV4a key derivation found no key below n-2');
}

const MAX_CACHED_KEYS = 10_000;
const publicKeys = new Map<string, { secretAccessKey: string; key: KeyObject }>();

/** The public key of a credential pair, cached per access key id: derivation costs an HMAC loop and a point multiplication. */
export function sigv4aPublicKey(accessKeyId: string, secretAccessKey: string): KeyObject {
  const cached = publicKeys.get(accessKeyId);
  if (cached?.secretAccessKey === secretAccessKey) return cached.key;
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(sigv4aPrivateKey(accessKeyId, secretAccessKey));
  const point = ecdh.getPublicKey(); // 0x04 || X || Y
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(accessKeyId, { secretAccessKey, key });
  return key;
}
