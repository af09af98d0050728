import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { NodeSha256 } from './node-sha256.js';

/** Smithy reads the payload hash from this header when it is present. */
export const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
/** Makes the payload-hash header count for the canonical request without being signed as a header. */
export const PAYLOAD_HASH_UNSIGNED = new Set([PAYLOAD_HASH_HEADER]);

/** The SigV4 signer for one credential scope, as both verification and re-signing need it. */
export function createSigner(credentials: AwsCredentialIdentity, region: string, service: string): SignatureV4 {
  return new SignatureV4({
    credentials,
    region,
    service,
    sha256: NodeSha256,
    // S3 signs the path as sent; every other service normalises and double-encodes it.
    uriEscapePath: service !== 's3',
    applyChecksum: false,
  });
}
