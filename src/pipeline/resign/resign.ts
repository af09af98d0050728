import type { AwsCredentialIdentity } from '@smithy/types';
import { canonicalPath, signedQuery } from '../../aws/canonical-request.js';
import type { QueryParameters } from '../../aws/query.js';
import { createSigner, PAYLOAD_HASH_HEADER, PAYLOAD_HASH_UNSIGNED, encodesPathOnce } from '../../aws/signer.js';

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

/** The agent's request with its signature replaced by one made with the real credentials. */
export async function resign(input: ResignInput, credentials: AwsCredentialIdentity, now: Date): Promise<Record<string, string>> {
  const headers = strippedHeaders(input.headers, input.setHeaders);
  // The signer reads the payload hash from this header; when the agent did not send one it is
  // signed-over but not sent, which saves hashing the body a second time.
  headers[PAYLOAD_HASH_HEADER] = input.payloadHash;
  const signed = await createSigner(credentials, input.region, input.service).sign(
    { method: input.method, protocol: 'https:', hostname: headers.host ?? '', ...signedTarget(input), headers },
    { signingDate: now, unsignableHeaders: input.sendPayloadHash ? undefined : PAYLOAD_HASH_UNSIGNED },
  );
  const out = signed.headers as Record<string, string>;
  if (!input.sendPayloadHash) delete out[PAYLOAD_HASH_HEADER];
  return out;
}
