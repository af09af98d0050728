/**
 * SigV4a (`AWS4-ECDSA-P256-SHA256`) as the fake AWS checks it, written apart from the proxy (no
 * src/ import, no @smithy/signature-v4a): the key derivation of AWS's published specification with
 * node:crypto, and node:crypto's ECDSA verification. The caller builds the canonical request (the
 * fake uses aws4's, as for SigV4).
 */
import { createECDH, createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface Sigv4aAuthorization {
  accessKeyId: string;
  date: string;
  /** The region set, as sent in x-amz-region-set. */
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  sigv4a: true;
}

const AUTHORIZATION = /^AWS4-ECDSA-P256-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([^\s,]+), ?Signature=([0-9a-f]+)$/;
/** The order of P-256's base point. */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** A SigV4a Authorization header, or undefined when the header is some other scheme. */
export function parseSigv4aAuthorization(header: string, regionSet: string | undefined): Sigv4aAuthorization | undefined {
  const match = AUTHORIZATION.exec(header);
  if (!match) return undefined;
  const [, accessKeyId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;
  return { accessKeyId, date, region: regionSet ?? '', service, signedHeaders: signedHeaders.split(';'), signature, sigv4a: true };
}

/** Whether `auth.signature` (hex DER) is the credentials' ECDSA signature of the SigV4a string to sign over `canonicalRequest`. */
export function sigv4aSignatureValid(canonicalRequest: string, amzDate: string, auth: { service: string; signature: string }, credentials: { accessKeyId: string; secretAccessKey: string }): boolean {
  const scope = `${amzDate.slice(0, 8)}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-ECDSA-P256-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  try {
    return verify('sha256', Buffer.from(stringToSign), { key: publicKeyOf(credentials), dsaEncoding: 'der' }, Buffer.from(auth.signature, 'hex'));
  } catch {
    return false;
  }
}

/**
 * The derived key pair's public half. Private key = k0 + 1, k0 the first of
 * HMAC-SHA256("AWS4A" + secret, 00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || access key id || counter || 00000100)
 * for counter = 1, 2, … that is at most n - 2.
 */
export function publicKeyOf(credentials: { accessKeyId: string; secretAccessKey: string }): KeyObject {
  let privateKey: bigint | undefined;
  for (let counter = 1; privateKey === undefined && counter < 255; counter++) {
    const input = Buffer.concat([
      Buffer.from('00000001', 'hex'),
      Buffer.from('AWS4-ECDSA-P256-SHA256\0', 'latin1'),
      Buffer.from(credentials.accessKeyId, 'latin1'),
      Buffer.from([counter]),
      Buffer.from('00000100', 'hex'),
    ]);
    const k0 = BigInt(`0x${createHmac('sha256', `AWS4A${credentials.secretAccessKey}`).update(input).digest('hex')}`);
    if (k0 <= N - 2n) privateKey = k0 + 1n;
  }
  if (privateKey === undefined) throw new Error('no SigV4a key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey.toString(16).padStart(64, '0'), 'hex'));
  return createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, ecdh.getPublicKey()]), format: 'der', type: 'spki' });
}

/** SubjectPublicKeyInfo header for an uncompressed P-256 point (id-ecPublicKey, prime256v1). */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
