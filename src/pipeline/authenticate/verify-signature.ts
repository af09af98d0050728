import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ALGORITHM_IDENTIFIER, createScope, SignatureV4 } from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest } from '@smithy/types';
import { parseRawQuery } from '../../aws/query.js';
import { createSigner, PAYLOAD_HASH_HEADER, PAYLOAD_HASH_UNSIGNED, signerOptions } from '../../aws/signer.js';
import { PRESIGN_PARAMS, type PresignedAuthorization, type SigV4Authorization } from './authorization-header.js';

export interface SignedRequest {
  method: string;
  /** Path exactly as it arrived on the wire (still percent-encoded). */
  rawPath: string;
  /** Query string exactly as it arrived, without the `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
}

/**
 * Recomputes the signature the holder of `secretAccessKey` would have produced over exactly the
 * headers the client listed as signed, and compares it in constant time.
 * `payloadHash` is the value the canonical request must end with (already checked against the body).
 */
export async function signatureMatches(
  request: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  payloadHash: string,
  signingDate: Date,
): Promise<boolean> {
  const canonicalHeaders: HeaderBag = {};
  for (const name of auth.signedHeaders) canonicalHeaders[name] = canonicalHeaderValue(request, name);
  const verifier = new Verifier(signerOptions({ accessKeyId: auth.accessKeyId, secretAccessKey }, auth.region, auth.service));
  const httpRequest = { method: request.method, protocol: 'https:', hostname: '', path: request.rawPath, query: parseRawQuery(request.rawQuery), headers: {} } as HttpRequest;
  const expected = await verifier.signatureOver(httpRequest, canonicalHeaders, payloadHash, signingDate);
  return sameSignature(expected, auth.signature);
}

/**
 * The signer's own canonical request and string to sign, over exactly the headers given. Its
 * `sign()` rebuilds the header list itself (it drops `date`, adds x-amz-date, skips headers it
 * deems unsignable), so a client that signed `date` would never verify; the steps it is built
 * from take the list as it is.
 */
class Verifier extends SignatureV4 {
  async signatureOver(request: HttpRequest, canonicalHeaders: HeaderBag, payloadHash: string, signingDate: Date): Promise<string> {
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, await this.regionProvider(), this.service);
    const stringToSign = await this.createStringToSign(longDate, scope, this.createCanonicalRequest(request, canonicalHeaders, payloadHash), ALGORITHM_IDENTIFIER);
    return this.sign(stringToSign, { signingDate });
  }
}

/**
 * A header's canonical value: trimmed, inner runs of spaces made one. Repeats are as Node merged
 * them (joined, or the first kept); the resolver refuses a request whose repeats it would read
 * two ways.
 */
function canonicalHeaderValue(request: SignedRequest, name: string): string {
  return headerValue(request.headers[name]).trim().replace(/\s+/g, ' ');
}

/** The same for a presigned (query-string) request: its signature covers the query minus X-Amz-Signature. */
export async function presignedSignatureMatches(
  request: SignedRequest,
  auth: PresignedAuthorization,
  secretAccessKey: string,
  payloadHash: string,
  signingDate: Date,
): Promise<boolean> {
  const headers = signedHeadersOf(request, auth, payloadHash);
  const query = parseRawQuery(request.rawQuery);
  // presign() adds these itself (the token, if present, stays: it is an ordinary signed parameter here).
  for (const name of PRESIGN_PARAMS) if (name !== 'X-Amz-Security-Token') delete query[name];
  const presigned = await signerFor(auth, secretAccessKey).presign(
    { method: request.method, protocol: 'https:', hostname: headers.host ?? '', path: request.rawPath, query, headers },
    {
      signingDate,
      expiresIn: auth.expiresInSeconds,
      signableHeaders: new Set(auth.signedHeaders),
      unsignableHeaders: payloadHashUnlessSigned(auth),
      // Verify the URL as sent: nothing moves between headers and query.
      unhoistableHeaders: new Set([...auth.signedHeaders, PAYLOAD_HASH_HEADER]),
    },
  );
  return sameSignature(String(presigned.query?.['X-Amz-Signature'] ?? ''), auth.signature);
}

function signerFor(auth: SigV4Authorization, secretAccessKey: string) {
  return createSigner({ accessKeyId: auth.accessKeyId, secretAccessKey }, auth.region, auth.service);
}

/** Exactly the headers the client signed, plus the payload hash the canonical request must end with. */
function signedHeadersOf(request: SignedRequest, auth: SigV4Authorization, payloadHash: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = headerValue(request.headers[name]);
  headers[PAYLOAD_HASH_HEADER] = payloadHash;
  return headers;
}

function payloadHashUnlessSigned(auth: SigV4Authorization): Set<string> | undefined {
  return auth.signedHeaders.includes(PAYLOAD_HASH_HEADER) ? undefined : PAYLOAD_HASH_UNSIGNED;
}

function sameSignature(expected: string, given: string): boolean {
  return expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}
