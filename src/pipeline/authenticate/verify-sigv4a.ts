import { createECDH, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { KEY_TYPE_IDENTIFIER } from '@smithy/signature-v4';
import { toAmzDate } from '../../aws/amz-date.js';
import { canonicalRequest } from '../../aws/canonical-request.js';
import type { AwsError } from '../../aws/errors.js';
import { sha256Hex } from '../../aws/node-sha256.js';
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
  // The canonical request is SigV4's; a presigned request's other auth parameters are signed.
  const canonical = canonicalRequest(request, auth.service, auth.signedHeaders, payloadHash, 'X-Amz-Signature');
  if (canonical === undefined) return false;
  const amzDate = toAmzDate(signingDate);
  const stringToSign = [SIGV4A, amzDate, `${amzDate.slice(0, 8)}/${auth.service}/${KEY_TYPE_IDENTIFIER}`, sha256Hex(Buffer.from(canonical))].join('\n');
  const publicKey = sigv4aPublicKey(auth.accessKeyId, secretAccessKey);
  try {
    return verify('sha256', Buffer.from(stringToSign), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(auth.signature, 'hex'));
  } catch {
    // A signature that is not DER at all.
    return false;
  }
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
