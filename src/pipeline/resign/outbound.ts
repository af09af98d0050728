import { Readable } from 'node:stream';
import type { AwsCredentialIdentity } from '@smithy/types';
import { withoutParameters } from '../../aws/query.js';
import { SIGNED_CHUNK_PAYLOADS } from '../../aws/signer.js';
import type { HeldSession } from '../../keys/issued-key.js';
import { PRESIGN_PARAMS } from '../authenticate/authorization-header.js';
import type { Caller } from '../authenticate/caller.js';
import type { OutboundRequest } from '../forward/forward.js';
import type { AwsRequest } from '../intercept/aws-request.js';
import type { ResolvedCall } from '../resolve/types.js';
import { resign, strippedHeaders } from './resign.js';
import { sigv4aResigner } from './resign-sigv4a.js';
import { chunkChain, relaySignedChunks } from './signed-chunks.js';

export interface OutboundContext {
  request: AwsRequest;
  caller: Caller;
  call: ResolvedCall;
  /** What to sign with: the real credentials, a session's held ones, or none for an unsigned call. */
  credentials: AwsCredentialIdentity | undefined;
  /** The proxy must read the response (it carries credentials): ask for it uncompressed. */
  readsResponse: boolean;
  now: Date;
}

/**
 * The request as it goes upstream: the agent's signature (header or presigned query) replaced by
 * one made with `credentials`, or, for a call AWS serves unsigned, no signature at all.
 */
export async function outboundRequest(context: OutboundContext, body: OutboundRequest['body']): Promise<OutboundRequest> {
  const { request, caller, call } = context;
  const setHeaders: Record<string, string> = {};
  if (context.readsResponse) setHeaders['accept-encoding'] = 'identity';
  // A presigned request goes upstream signed in the usual way: its query-string auth is dropped.
  const rawQuery = caller.presigned ? withoutParameters(request.rawQuery, PRESIGN_PARAMS) : request.rawQuery;
  const target = rawQuery ? `${request.rawPath}?${rawQuery}` : request.rawPath;
  if (!context.credentials) return { method: request.method, target, headers: strippedHeaders(request.headers, setHeaders), body };
  let credentials = context.credentials;
  const session: HeldSession | undefined = caller.key.session;
  // An S3 Express session signs without x-amz-security-token; its token travels in its own header.
  if (session?.tokenHeader === 'x-amz-s3session-token' && credentials.sessionToken) {
    setHeaders['x-amz-s3session-token'] = credentials.sessionToken;
    credentials = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
  }
  // An agent that signed with SigV4a (a Multi-Region Access Point, a global endpoint) is re-signed with SigV4a, for the same regions.
  const sign = caller.regionSet ? sigv4aResigner(caller.regionSet) : resign;
  const headers = await sign(
    {
      method: request.method,
      rawPath: request.rawPath,
      rawQuery,
      headers: request.headers,
      service: call.signingName,
      region: call.region,
      payloadHash: caller.payloadHash,
      sendPayloadHash: call.disableDoubleEncoding || request.headers['x-amz-content-sha256'] !== undefined,
      setHeaders,
    },
    credentials,
    context.now,
  );
  if (!SIGNED_CHUNK_PAYLOADS.has(caller.payloadHash) || !caller.signature) return { method: request.method, target, headers, body };
  // Each chunk is checked against the agent's chain and re-signed on the real key's, as it streams.
  const scope = caller.scope;
  const upload = {
    agent: chunkChain({ accessKeyId: caller.key.accessKeyId, secretAccessKey: caller.key.secretAccessKey }, scope.region, scope.service, caller.signature.date, caller.signature.value),
    upstream: chunkChain(credentials, call.region, call.signingName, context.now, /Signature=([0-9a-f]{64})/.exec(headers.authorization ?? '')![1]!),
    trailerNames: caller.payloadHash.endsWith('-TRAILER') ? trailerNames(request) : undefined,
    decodedLength: Number(request.header('x-amz-decoded-content-length')),
  };
  return { method: request.method, target, headers, body: Readable.from(relaySignedChunks(body ?? Buffer.alloc(0), upload), { objectMode: false }) };
}

/** The trailing headers an upload declared (x-amz-trailer, comma-separated). */
function trailerNames(request: AwsRequest): string[] {
  return (request.header('x-amz-trailer') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
}
