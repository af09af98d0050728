import { ALWAYS_UNSIGNABLE_HEADERS, PROXY_HEADER_PATTERN, SEC_HEADER_PATTERN } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { toAmzDate } from '../../aws/amz-date.js';
import { canonicalPath, canonicalRequest, signedQuery } from '../../aws/canonical-request.js';
import type { QueryParameters } from '../../aws/query.js';
import { PAYLOAD_HASH_HEADER, encodesPathOnce } from '../../aws/signer.js';
import { credentialScope, SIGV4_ALGORITHM, sigv4Signature } from '../../aws/sigv4.js';

/** Headers that must not travel upstream: the agent's signature, hop-by-hop and proxy headers. */
const STRIPPED_HEADERS = new Set([
  'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-s3session-token', 'x-amz-content-sha256', 'date',
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade',
  'transfer-encoding', 'expect', 'via', 'x-forwarded-for',
]);

export interface ResignInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  /** Signing service and region, as the agent scoped its own signature. */
  service: string;
  region: string;
  /** Verified payload hash, or the literal (UNSIGNED-PAYLOAD, STREAMING-…) the agent signed. */
  payloadHash: string;
  /** Whether the agent sent x-amz-content-sha256 (S3 always does); it is then sent upstream too. */
  sendPayloadHash: boolean;
  /** Headers the proxy sets, signed with the rest: an S3 Express session token, `accept-encoding` for a response it must read. */
  setHeaders?: Record<string, string>;
}

/**
 * Headers the re-signed request carries but does not sign: those @smithy/signature-v4 (the SDKs'
 * signer) never signs, as a proxy or load balancer on the way may change them.
 */
const signs = (name: string): boolean => !Object.hasOwn(ALWAYS_UNSIGNABLE_HEADERS, name) && !PROXY_HEADER_PATTERN.test(name) && !SEC_HEADER_PATTERN.test(name);

/** The agent's headers without its signature, hop-by-hop and proxy headers, plus the ones the proxy sets. */
export function strippedHeaders(incoming: ResignInput['headers'], setHeaders: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || STRIPPED_HEADERS.has(name) || name.startsWith('proxy-')) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return Object.assign(headers, setHeaders);
}

/**
 * The path and query as the signer must see them to sign what AWS will canonicalise: for S3 the
 * object key encoded once (the signer would take the wire path as it is) and the first value of
 * a repeated parameter. The request still goes upstream with the path and query as sent.
 */
export function signedTarget(input: ResignInput): { path: string; query: QueryParameters } {
  // Other services' paths the signer normalises and encodes itself. An S3 path decodes: the agent's signature was verified over it.
  const path = encodesPathOnce(input.service) ? (canonicalPath(input.rawPath, input.service) ?? input.rawPath) : input.rawPath;
  return { path, query: signedQuery(input.rawQuery, input.service) };
}

/**
 * The agent's request with its signature replaced by one made with the real credentials: SigV4 over
 * the canonical request AWS will compute for what goes upstream (src/aws/canonical-request.ts, the same
 * code that checked the agent's signature), with every header sent signed but those the SDKs' signer never signs.
 */
export async function resign(input: ResignInput, credentials: AwsCredentialIdentity, now: Date): Promise<Record<string, string>> {
  const headers = strippedHeaders(input.headers, input.setHeaders);
  const longDate = toAmzDate(now);
  headers['x-amz-date'] = longDate;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  // Sent (and signed) when the agent sent it, and for S3, which requires it; otherwise signed over only, as the payload hash.
  if (input.sendPayloadHash) headers[PAYLOAD_HASH_HEADER] = input.payloadHash;
  const signedHeaders = Object.keys(headers).filter(signs).sort();
  const canonical = canonicalRequest({ method: input.method, rawPath: input.rawPath, rawQuery: input.rawQuery, headers }, input.service, signedHeaders, input.payloadHash);
  if (canonical === undefined) throw new Error(`cannot canonicalise ${input.method} ${input.rawPath} for ${input.service}`);
  const signature = sigv4Signature(canonical, longDate, credentials.secretAccessKey, input.region, input.service);
  const scope = credentialScope(longDate.slice(0, 8), input.region, input.service);
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}
