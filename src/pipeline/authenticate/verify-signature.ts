import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../aws/node-sha256.js';
import { parseRawQuery } from '../../aws/query.js';
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
  const signer = signerFor(auth, secretAccessKey);
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = headerValue(request.headers[name]);
  // Smithy takes the payload hash from this header when present; it is the value the client signed over.
  headers['x-amz-content-sha256'] = payloadHash;
  const signableHeaders = new Set(auth.signedHeaders);
  const unsignableHeaders = auth.signedHeaders.includes('x-amz-content-sha256')
    ? undefined
    : new Set(['x-amz-content-sha256']);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: request.rawPath,
      query: parseRawQuery(request.rawQuery),
      headers,
    },
    { signingDate, signableHeaders, unsignableHeaders },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  return sameSignature(expected, auth.signature);
}

/** The same for a presigned (query-string) request: its signature covers the query minus X-Amz-Signature. */
export async function presignedSignatureMatches(
  request: SignedRequest,
  auth: PresignedAuthorization,
  secretAccessKey: string,
  payloadHash: string,
  signingDate: Date,
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = headerValue(request.headers[name]);
  headers['x-amz-content-sha256'] = payloadHash;
  const query = parseRawQuery(request.rawQuery);
  // presign() adds these itself (the token, if present, stays: it is an ordinary signed parameter here).
  for (const name of PRESIGN_PARAMS) if (name !== 'X-Amz-Security-Token') delete query[name];
  const keep = new Set([...auth.signedHeaders, 'x-amz-content-sha256']);
  const presigned = await signerFor(auth, secretAccessKey).presign(
    { method: request.method, protocol: 'https:', hostname: headers.host ?? '', path: request.rawPath, query, headers },
    {
      signingDate,
      expiresIn: auth.expiresInSeconds,
      signableHeaders: new Set(auth.signedHeaders),
      unsignableHeaders: auth.signedHeaders.includes('x-amz-content-sha256') ? undefined : new Set(['x-amz-content-sha256']),
      unhoistableHeaders: keep, // verify the URL as sent: nothing moves between headers and query
    },
  );
  return sameSignature(String(presigned.query?.['X-Amz-Signature'] ?? ''), auth.signature);
}

function signerFor(auth: SigV4Authorization, secretAccessKey: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    // S3 signs the path as sent; every other service normalises and double-encodes it.
    uriEscapePath: auth.service !== 's3',
    applyChecksum: false,
  });
}

function sameSignature(expected: string, given: string): boolean {
  return expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}
