import { sha256Hex } from '../../aws/node-sha256.js';
import type { IssuedKey, KeyLookup } from '../../keys/issued-key.js';
import type { AwsRequest } from '../intercept/aws-request.js';
import { BodyTooLargeError } from '../intercept/read-body.js';
import type { SignatureScope } from '../resolve/resolve.js';
import { keyRefusal, readSignatureClaim, verifySignatureClaim, type Result } from './authenticate.js';

/** Who sent a request: an agent (by a key the proxy issued, verified), or nobody (an unsigned request). */
export interface Caller {
  signed: boolean;
  /** The verified key; for an unsigned request, a placeholder naming no agent and opening nothing. */
  key: IssuedKey;
  /** The signature's scope; for an unsigned request, the one the host's endpoint signs with. */
  scope: SignatureScope;
  /** The payload hash (or literal) the re-signed request must carry. */
  payloadHash: string;
  presigned: boolean;
  /** The agent's own signature and signing time, for a signed request: what a signed-chunk upload's chain starts from. */
  signature?: { value: string; date: Date };
  /** Set when the agent signed with SigV4a: the regions its signature is valid in, and the re-signed request's. */
  regionSet?: string[];
}

/** The agent name of unsigned requests: not a name an agent can have (agent names have no parentheses). */
export const UNAUTHENTICATED_AGENT = '(unauthenticated)';
const NOBODY: IssuedKey = { accessKeyId: 'UNAUTHENTICATED', secretAccessKey: '', agent: UNAUTHENTICATED_AGENT, issuedAt: 0, expiresAt: 0 };

/** Operations AWS serves unsigned take small bodies; an unsigned request reads no more than this before it is known to be one. */
export const MAX_UNSIGNED_BODY_BYTES = 1024 * 1024;

export interface CallerSources {
  now: Date;
  lookupKey(accessKeyId: string): KeyLookup;
  /** Reads the body, refusing more than `maxBytes` (the signed-body limit when not given). */
  readBody(maxBytes?: number): Promise<Buffer>;
  /** The scope AWS expects for this host, for a request that carries no signature; undefined when the host names no service. */
  hostScope(): SignatureScope | undefined;
}

/**
 * Headers first (form, scope, time), then the key, then body and signature: a request refused on
 * any of the cheap checks costs no body read. A request with no signature at all is let on as unsigned: whether its operation is
 * one AWS serves unsigned is decided once it is resolved, and it is never signed with real credentials.
 */
export async function identifyCaller(request: AwsRequest, sources: CallerSources): Promise<Result<Caller>> {
  const claim = readSignatureClaim(request, sources.now);
  if (!claim.ok) {
    const scope = claim.error.code === 'MissingAuthenticationToken' ? sources.hostScope() : undefined;
    if (!scope) return claim;
    const body = await bufferBody(request, sources, 'Unsigned', MAX_UNSIGNED_BODY_BYTES);
    if (!body.ok) return body;
    return { ok: true, value: { signed: false, key: NOBODY, scope, payloadHash: sha256Hex(body.value), presigned: false } };
  }
  // The key before the body: a request with a key that is not ours (or no longer valid) costs no body read.
  const found = sources.lookupKey(claim.value.auth.accessKeyId);
  if (found.status !== 'valid') return keyRefusal(found.status, claim.value.auth.accessKeyId);
  const lookup = () => found;
  if (claim.value.payload.kind === 'hash') {
    const body = await bufferBody(request, sources, 'Signed');
    if (!body.ok) return body;
  }
  const verified = await verifySignatureClaim(request, claim.value, request.body, lookup);
  if (!verified.ok) return verified;
  const { key, auth, payloadHash } = verified.value;
  const signature = { value: auth.signature, date: claim.value.signingDate };
  return { ok: true, value: { signed: true, key, scope: auth, payloadHash, presigned: claim.value.presigned !== undefined, signature, ...(auth.regionSet && { regionSet: auth.regionSet }) } };
}

async function bufferBody(request: AwsRequest, sources: CallerSources, kind: string, maxBytes?: number): Promise<Result<Buffer>> {
  try {
    const body = await sources.readBody(maxBytes);
    request.setBody(body);
    return { ok: true, value: body };
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return { ok: false, error: { status: 413, code: 'EntityTooLarge', message: `${kind} ${error.message}; send large uploads with UNSIGNED-PAYLOAD.` } };
  }
}
