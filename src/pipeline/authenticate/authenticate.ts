import { toAmzDate } from '../../aws/amz-date.js';
import type { AwsError } from '../../aws/errors.js';
import { sha256Hex } from '../../aws/node-sha256.js';
import { timingSafeEqual } from 'node:crypto';
import type { IssuedKey, KeyLookup } from '../../keys/issued-key.js';
import { parseRawQuery, percentDecode } from '../../aws/query.js';
import { SIGNED_CHUNK_PAYLOADS } from '../../aws/signer.js';
import { parseAmzDate, parseAuthorization, parsePresignedQuery, SIGV4A, type PresignedAuthorization, type SigV4Authorization } from './authorization-header.js';
import { presignedSignatureMatches, signatureMatches, type SignedRequest } from './verify-signature.js';
import { sigv4aClaimError, sigv4aSignatureMatches } from './verify-sigv4a.js';

/** AWS rejects a signature whose x-amz-date is further than this from its clock; so do we. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Streaming bodies whose chunks carry no signatures of their own: forwarded as they are. */
const UNSIGNED_STREAMING = new Set(['STREAMING-UNSIGNED-PAYLOAD-TRAILER']);

/** A request whose headers claim a SigV4 signature; the body has not been looked at yet. */
export interface SignatureClaim {
  auth: SigV4Authorization;
  /** Set when the signature came in the query string (a presigned URL) rather than the Authorization header. */
  presigned?: PresignedAuthorization;
  signingDate: Date;
  /** How the payload is covered: a hex hash to check against the body, or a literal the client signed. */
  payload: { kind: 'hash'; claimed: string | undefined } | { kind: 'literal'; value: string };
}

export interface Authenticated {
  key: IssuedKey;
  auth: SigV4Authorization;
  /** The payload hash (or literal) the re-signed request must carry. */
  payloadHash: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AwsError };

const refuse = (status: number, code: string, message: string): { ok: false; error: AwsError } => ({
  ok: false,
  error: { status, code, message },
});

/** Whether the header was sent more than once (any letter case); only the raw header list can tell. */
function repeats(request: SignedRequest, name: string): boolean {
  let count = 0;
  for (let i = 0; i < (request.rawHeaders?.length ?? 0); i += 2) if (request.rawHeaders![i]!.toLowerCase() === name && ++count > 1) return true;
  return false;
}

/** Step 1, headers only: is this a well-formed, fresh SigV4 request, and does its body need buffering? */
export function readSignatureClaim(request: SignedRequest, now: Date): Result<SignatureClaim> {
  const header = request.headers.authorization;
  const querySignatures = signatureParameters(request.rawQuery);
  if (!header) {
    if (querySignatures > 1) return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Signature is given more than once.');
    if (/(^|&)X-Amz-(Algorithm|Signature)=/.test(request.rawQuery)) return readPresignedClaim(request, now);
    return refuse(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  // Node keeps the first of repeated Authorization headers: which credential is meant must not depend on that.
  if (repeats(request, 'authorization')) return refuse(400, 'InvalidArgument', 'Only one Authorization header is allowed.');
  // The signer libraries leave any such parameter out of the canonical query, AWS may not: it could be read two ways.
  if (querySignatures > 0) return refuse(400, 'InvalidArgument', 'A request signed in its Authorization header may not also carry an X-Amz-Signature query parameter.');
  const auth = parseAuthorization(header, request.headers['x-amz-region-set']);
  if (!auth) {
    return refuse(400, 'IncompleteSignature', 'Authorization header is not a valid AWS4-HMAC-SHA256 signature, nor AWS4-ECDSA-P256-SHA256 with an x-amz-region-set header (SigV2 is not accepted).');
  }
  const v4aError = sigv4aClaimError(request, auth);
  if (v4aError) return { ok: false, error: v4aError };
  const amzDate = request.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !auth.signedHeaders.includes('x-amz-date')) {
    return refuse(403, 'IncompleteSignature', 'A signed x-amz-date header (yyyyMMddTHHmmssZ) is required.');
  }
  const checked = checkScopeAndTime(auth, amzDate, now);
  if (!checked.ok) return checked;
  const contentSha = request.headers['x-amz-content-sha256'];
  const signedContentSha = auth.signedHeaders.includes('x-amz-content-sha256') ? contentSha : undefined;
  if (typeof signedContentSha === 'string' && (signedContentSha === UNSIGNED_PAYLOAD || UNSIGNED_STREAMING.has(signedContentSha))) {
    return { ok: true, value: { auth, signingDate: checked.value, payload: { kind: 'literal', value: signedContentSha } } };
  }
  if (typeof signedContentSha === 'string' && SIGNED_CHUNK_PAYLOADS.has(signedContentSha)) {
    const framing = signedChunkFraming(request, signedContentSha);
    if (!framing.ok) return framing;
    return { ok: true, value: { auth, signingDate: checked.value, payload: { kind: 'literal', value: signedContentSha } } };
  }
  if (signedContentSha !== undefined && !/^[0-9a-f]{64}$/.test(String(signedContentSha))) {
    return refuse(400, 'InvalidArgument', `x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or one of ${[...UNSIGNED_STREAMING, ...SIGNED_CHUNK_PAYLOADS].join(', ')}.`);
  }
  return { ok: true, value: { auth, signingDate: checked.value, payload: { kind: 'hash', claimed: signedContentSha as string | undefined } } };
}

/** How many query parameters are named X-Amz-Signature, in any letter case or encoding. */
function signatureParameters(rawQuery: string): number {
  if (!/signature/i.test(percentDecode(rawQuery))) return 0;
  return Object.entries(parseRawQuery(rawQuery)).reduce((n, [name, values]) => n + (name.toLowerCase() === 'x-amz-signature' ? [values].flat().length : 0), 0);
}

/**
 * A signed-chunk upload declares how it is framed, so each chunk can be checked as it streams:
 * the decoded length the chunks must add up to, and for the -TRAILER variant the trailing headers
 * that follow. (Its body is aws-chunked whether or not Content-Encoding says so, as S3 reads it.)
 */
function signedChunkFraming(request: SignedRequest, payload: string): Result<true> {
  if (!/^\d{1,15}$/.test(String(request.headers['x-amz-decoded-content-length'] ?? ''))) {
    return refuse(411, 'MissingContentLength', `${payload} requires x-amz-decoded-content-length, the length of the data before chunking.`);
  }
  if (payload.endsWith('-TRAILER') && !request.headers['x-amz-trailer']) return refuse(400, 'InvalidArgument', `${payload} requires x-amz-trailer, naming the trailing headers.`);
  return { ok: true, value: true };
}

/**
 * A presigned URL. It is held to the same ±15-minute replay window as every other signature (and
 * to its own X-Amz-Expires, if shorter): through this proxy such a URL is good for 15 minutes at most.
 */
function readPresignedClaim(request: SignedRequest, now: Date): Result<SignatureClaim> {
  const presigned = parsePresignedQuery(parseRawQuery(request.rawQuery));
  if (!presigned) {
    return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256 (or AWS4-ECDSA-P256-SHA256 with X-Amz-Region-Set) with a well-formed X-Amz-Credential, X-Amz-SignedHeaders, X-Amz-Expires (1 to 604800) and X-Amz-Signature.');
  }
  const checked = checkScopeAndTime(presigned, presigned.amzDate, now);
  if (!checked.ok) return checked;
  if (now.getTime() > checked.value.getTime() + presigned.expiresInSeconds * 1000) {
    return refuse(403, 'AccessDenied', `Request has expired: X-Amz-Date ${presigned.amzDate} plus X-Amz-Expires ${presigned.expiresInSeconds} s is in the past.`);
  }
  // S3 presigned URLs cover no payload; other services' cover the (normally empty) body.
  const payload = presigned.service === 's3' ? ({ kind: 'literal', value: UNSIGNED_PAYLOAD } as const) : ({ kind: 'hash', claimed: undefined } as const);
  return { ok: true, value: { auth: presigned, presigned, signingDate: checked.value, payload } };
}

/** Host signed, scope date matching the signing time, and the signing time within ±15 minutes of now. */
function checkScopeAndTime(auth: SigV4Authorization, amzDate: string, now: Date): Result<Date> {
  if (!auth.signedHeaders.includes('host')) {
    return refuse(403, 'SignatureDoesNotMatch', 'The host header must be signed.');
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) return refuse(403, 'IncompleteSignature', `X-Amz-Date "${amzDate}" is not a yyyyMMddTHHmmssZ timestamp.`);
  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    return refuse(403, 'SignatureDoesNotMatch', 'Credential scope date does not match x-amz-date.');
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return refuse(403, 'SignatureDoesNotMatch', `Signature expired: ${amzDate} is not within 15 minutes of the proxy's time ${toAmzDate(now)}.`);
  }
  return { ok: true, value: signingDate };
}

/** Step 2: the key is ours and live, the body matches its hash, and the signature is the key's. */
export async function verifySignatureClaim(
  request: SignedRequest,
  claim: SignatureClaim,
  body: Buffer | undefined,
  lookupKey: (accessKeyId: string) => KeyLookup,
): Promise<Result<Authenticated>> {
  const { auth } = claim;
  const found = lookupKey(auth.accessKeyId);
  if (found.status !== 'valid') return keyRefusal(found.status, auth.accessKeyId);
  let payloadHash: string;
  if (claim.payload.kind === 'literal') {
    payloadHash = claim.payload.value;
  } else {
    payloadHash = sha256Hex(body ?? Buffer.alloc(0));
    if (claim.payload.claimed !== undefined && claim.payload.claimed !== payloadHash) {
      return refuse(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }
  const matches = auth.algorithm === SIGV4A
    ? await sigv4aSignatureMatches(request, auth, found.key.secretAccessKey, payloadHash, claim.signingDate)
    : claim.presigned
    ? await presignedSignatureMatches(request, claim.presigned, found.key.secretAccessKey, payloadHash, claim.signingDate)
    : await signatureMatches(request, auth, found.key.secretAccessKey, payloadHash, claim.signingDate);
  if (!matches) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  if (!tokenMatches(request, claim, found.key)) {
    return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  return { ok: true, value: { key: found.key, auth, payloadHash } };
}

/** A key that is not one this proxy issued, or no longer valid: refused before anything else is read. */
export function keyRefusal(status: 'unknown' | 'expired' | 'revoked', accessKeyId: string): { ok: false; error: AwsError } {
  const why = { unknown: 'is not one this proxy issued', expired: 'has expired', revoked: 'has been revoked' }[status];
  return refuse(403, 'InvalidClientTokenId', `The security token included in the request is invalid: access key ${accessKeyId} ${why}.`);
}

const TOKEN_HEADERS = ['x-amz-security-token', 'x-amz-s3session-token'] as const;
const TOKEN_PARAMS = /(?:^|&)(X-Amz-Security-Token|X-Amz-S3session-Token)=([^&]*)/gi;

/**
 * A key standing in for a session's credentials comes with that session's proxy-issued token, in
 * the session's header (or, presigned, its query parameter), and nowhere else; an agent's own key
 * comes with no token at all. A token the key does not own is refused, never passed on.
 */
function tokenMatches(request: SignedRequest, claim: SignatureClaim, key: IssuedKey): boolean {
  const expected = key.session?.credentials.sessionToken !== undefined ? key.session : undefined;
  const presented: Array<[string, string]> = [];
  for (const name of TOKEN_HEADERS) {
    const value = request.headers[name];
    if (value !== undefined) presented.push([name, String(value)]);
  }
  if (claim.presigned) {
    for (const [, name, value] of request.rawQuery.matchAll(TOKEN_PARAMS)) presented.push([name!.toLowerCase(), percentDecode(value!)]);
  }
  // An empty token is no token: SDKs given container credentials with `"Token": ""` (ours) presign
  // with an empty X-Amz-Security-Token. Either way the proxy's own token headers never go upstream.
  const tokens = presented.filter(([, value]) => value !== '');
  if (!expected) return tokens.length === 0;
  if (tokens.length !== 1) return false;
  const [name, value] = tokens[0]!;
  const headerName = name.startsWith('x-amz-s3session') ? 'x-amz-s3session-token' : 'x-amz-security-token';
  return headerName === expected.tokenHeader && sameText(value, expected.sessionToken);
}

function sameText(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}
