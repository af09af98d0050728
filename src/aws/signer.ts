import { SignatureV4, type SignatureV4CryptoInit, type SignatureV4Init } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { defaultCatalog } from '../services/catalog.js';
import { NodeSha256 } from './node-sha256.js';

/** Smithy reads the payload hash from this header when it is present. */
export const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
/** Makes the payload-hash header count for the canonical request without being signed as a header. */
export const PAYLOAD_HASH_UNSIGNED = new Set([PAYLOAD_HASH_HEADER]);
/** The x-amz-content-sha256 literals of uploads whose chunks carry their own signatures (src/pipeline/resign/signed-chunks.ts). */
export const SIGNED_CHUNK_PAYLOADS = new Set(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER']);

let singleEncoding: Set<string> | undefined;

/**
 * Signing names whose endpoints encode the path once, unnormalised (S3 and its relatives:
 * `disableDoubleEncoding` in their endpoint rules); every other service normalises the path and
 * encodes it twice.
 */
export function encodesPathOnce(signingName: string): boolean {
  singleEncoding ??= new Set(defaultCatalog().index.endpoints.filter((e) => e.disableDoubleEncoding).map((e) => e.signingName));
  return singleEncoding.has(signingName);
}

/** How the proxy configures a smithy signer for one credential scope (SigV4a re-signing; the reference in tests). */
export function signerOptions(credentials: AwsCredentialIdentity, region: string, service: string): SignatureV4Init & SignatureV4CryptoInit {
  return { credentials, region, service, sha256: NodeSha256, uriEscapePath: !encodesPathOnce(service), applyChecksum: false };
}

/** The SDKs' own SigV4 signer for one credential scope: the reference src/aws/sigv4.ts is tested against. */
export function createSigner(credentials: AwsCredentialIdentity, region: string, service: string): SignatureV4 {
  return new SignatureV4(signerOptions(credentials, region, service));
}
