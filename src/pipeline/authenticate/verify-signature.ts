import { timingSafeEqual } from 'node:crypto';
import { ALGORITHM_IDENTIFIER, createScope, SignatureV4 } from '@smithy/signature-v4';
import { canonicalRequest, type CanonicalInput } from '../../aws/canonical-request.js';
import { signerOptions } from '../../aws/signer.js';
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
  const verifier = new Verifier(signerOptions({ accessKeyId: auth.accessKeyId, secretAccessKey }, auth.region, auth.service));
  const expected = await verifier.signatureOver(canonical, signingDate);
  return expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

/** The signer's own string-to-sign and key derivation, over a canonical request built here. */
class Verifier extends SignatureV4 {
  async signatureOver(canonicalRequest: string, signingDate: Date): Promise<string> {
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, await this.regionProvider(), this.service);
    return this.sign(await this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER), { signingDate });
  }
}
