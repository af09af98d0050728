import type { AwsCredentialIdentity } from '@smithy/types';
import { parseRawQuery } from '../../aws/query.js';
import { createSigner, PAYLOAD_HASH_HEADER, PAYLOAD_HASH_UNSIGNED } from '../../aws/signer.js';

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

/** The agent's request with its signature replaced by one made with the real credentials. */
export async function resign(input: ResignInput, credentials: AwsCredentialIdentity, now: Date): Promise<Record<string, string>> {
  const headers = strippedHeaders(input.headers, input.setHeaders);
  // The signer reads the payload hash from this header; when the agent did not send one it is
  // signed-over but not sent, which saves hashing the body a second time.
  headers[PAYLOAD_HASH_HEADER] = input.payloadHash;
  const signed = await createSigner(credentials, input.region, input.service).sign(
    { method: input.method, protocol: 'https:', hostname: headers.host ?? '', path: input.rawPath, query: parseRawQuery(input.rawQuery), headers },
    { signingDate: now, unsignableHeaders: input.sendPayloadHash ? undefined : PAYLOAD_HASH_UNSIGNED },
  );
  const out = signed.headers as Record<string, string>;
  if (!input.sendPayloadHash) delete out[PAYLOAD_HASH_HEADER];
  return out;
}
