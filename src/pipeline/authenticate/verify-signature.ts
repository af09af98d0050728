import { timingSafeEqual } from 'node:crypto';
import { toAmzDate } from '../../aws/amz-date.js';
import { canonicalRequest, type CanonicalInput } from '../../aws/canonical-request.js';
import { sigv4Signature } from '../../aws/sigv4.js';
import type { PresignedAuthorization, SigV4Authorization } from './authorization-header.js';

/** A request as its signature covers it (src/aws/canonical-request.ts). */
export type SignedRequest = CanonicalInput;

/**
 * Recomputes the signature the holder of `secretAccessKey` would have produced over the request as
 * AWS canonicalises it, exactly the headers the client listed as signed, and compares it in
 * constant time. `payloadHash` is the value the canonical request must end with (already checked
 * against the body).
 */
export function signatureMatches(request: SignedRequest, auth: SigV4Authorization, secretAccessKey: string, payloadHash: string, signingDate: Date): Promise<boolean> {
  return matches(canonicalRequest(request, auth.service, auth.signedHeaders, payloadHash), auth, secretAccessKey, signingDate);
}

/**
 * The same for a presigned (query-string) request: the signature covers every query parameter but
 * X-Amz-Signature, and the headers X-Amz-SignedHeaders names.
 */
export function presignedSignatureMatches(request: SignedRequest, auth: PresignedAuthorization, secretAccessKey: string, payloadHash: string, signingDate: Date): Promise<boolean> {
  return matches(canonicalRequest(request, auth.service, auth.signedHeaders, payloadHash, 'X-Amz-Signature'), auth, secretAccessKey, signingDate);
}

async function matches(canonical: string | undefined, auth: SigV4Authorization, secretAccessKey: string, signingDate: Date): Promise<boolean> {
  if (canonical === undefined) return false;
  const expected = sigv4Signature(canonical, toAmzDate(signingDate), secretAccessKey, auth.region, auth.service);
  return expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}
