import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAwsError, type AwsError } from '../aws/errors.js';
import { isAwsApiHost } from '../aws/hosts.js';
import { withoutParameters } from '../aws/query.js';
import type { KeypairStore } from '../keys/keypair-store.js';
import type { Protocol } from '../services/model.js';
import { readSignatureClaim, verifySignatureClaim, type Authenticated, type Result } from './authenticate/authenticate.js';
import { PRESIGN_PARAMS } from './authenticate/authorization-header.js';
import type { Decider } from './decide/decide.js';
import { forward, upstreamTargetFor } from './forward/forward.js';
import { AwsRequest } from './intercept/aws-request.js';
import { BodyTooLargeError, readBody } from './intercept/read-body.js';
import { ACTION_RECORD_VERSION, consoleLines, type ActionLog, type ActionRecord, type Verdict } from './log/action-log.js';
import { resign } from './resign/resign.js';
import type { CredentialSource } from './resign/upstream-credentials.js';
import { errorProtocol, guessedProtocol, resolveRequest, type ResolveDeps } from './resolve/resolve.js';
import type { ResolvedCall } from './resolve/types.js';

/** Bodies are hashed or parsed in memory before anything is signed; larger uploads must be unsigned-payload. */
const MAX_BUFFERED_BODY_BYTES = 64 * 1024 * 1024;

export interface PipelineDeps {
  keys: KeypairStore;
  credentials: CredentialSource;
  decide: Decider;
  resolve: ResolveDeps;
  log: ActionLog;
  upstreamEndpoint: URL | undefined;
  accountId: () => string | undefined;
  print: (line: string) => void;
  /** Called once per request that needed an action AWS does not define (counted, reported on stop). */
  onUnresolved?: () => void;
  now?: () => Date;
}

/** One intercepted request and what is known about it so far. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  request: AwsRequest;
  now: Date;
  started: number;
  deps: PipelineDeps;
}

/**
 * intercept → authenticate → resolve → decide → re-sign → forward → log, for one request to an AWS
 * host. Anything refused is answered here in the client's protocol and never reaches upstream.
 */
export async function handleAwsRequest(req: IncomingMessage, res: ServerResponse, connectHost: string | undefined, deps: PipelineDeps): Promise<void> {
  const request = AwsRequest.from(req);
  const ex: Exchange = { req, res, request, now: deps.now?.() ?? new Date(), started: performance.now(), deps };
  // The Host header is signed and names where real credentials will be sent: it must be the AWS
  // host the agent tunnelled to, never some other host smuggled inside the tunnel.
  if (!isAwsApiHost(request.hostname) || (connectHost !== undefined && connectHost !== request.hostname)) {
    const message = `Host "${request.hostname}" is not the AWS API host this connection was opened to (${connectHost ?? 'none'}).`;
    return refuse(ex, { status: 400, code: 'InvalidHostHeader', message });
  }

  const authenticated = await authenticate(ex);
  if (!authenticated.ok) return refuse(ex, authenticated.error);
  const { who, presigned } = authenticated.value;
  const identity = { accessKeyId: who.key.accessKeyId, agent: who.key.agent };

  let resolution;
  try {
    resolution = await resolveRequest(request, { scope: who.auth, accountId: deps.accountId(), readBody: () => readBody(req, MAX_BUFFERED_BODY_BYTES) }, deps.resolve);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return refuse(ex, { status: 413, code: 'EntityTooLarge', message: `The ${error.message}; iam-agent-proxy reads at most ${MAX_BUFFERED_BODY_BYTES} bytes of a body it must parse.` }, identity);
  }
  if (!resolution.ok) {
    answerError(ex, resolution.protocol, resolution.error, resolution.service);
    return record(ex, resolution, { decision: 'refused', error: resolution.error.code }, identity);
  }
  const call = resolution.call;
  if (call.authorizations.some((a) => !a.known)) deps.onUnresolved?.();

  const decision = await deps.decide({ call, agent: who.key.agent, accountId: deps.accountId() });
  if (!decision.allowed) {
    answerError(ex, call.protocol, { status: 403, code: 'AccessDenied', message: decision.message }, call.service);
    return record(ex, call, { decision: 'blocked', error: 'AccessDenied' }, identity);
  }

  let credentials;
  try {
    credentials = await deps.credentials.get();
  } catch (error) {
    answerError(ex, call.protocol, { status: 503, code: 'ServiceUnavailable', message: (error as Error).message }, call.service);
    return record(ex, call, { decision: 'refused', error: 'ServiceUnavailable' }, identity);
  }
  // A presigned request goes upstream signed in the usual way: its query-string auth is dropped.
  const rawQuery = presigned ? withoutParameters(request.rawQuery, PRESIGN_PARAMS) : request.rawQuery;
  const target = rawQuery ? `${request.rawPath}?${rawQuery}` : request.rawPath;
  const headers = await resign(
    {
      method: request.method,
      rawPath: request.rawPath,
      rawQuery,
      headers: request.headers,
      service: call.signingName,
      region: call.region,
      payloadHash: who.payloadHash,
      sendPayloadHash: call.disableDoubleEncoding || request.headers['x-amz-content-sha256'] !== undefined,
    },
    credentials,
    deps.now?.() ?? new Date(),
  );
  try {
    const upstreamStatus = await forward({ method: request.method, target, headers, body: request.body ?? req }, upstreamTargetFor(request.hostname, deps.upstreamEndpoint), ex.res);
    record(ex, call, { decision: 'allowed', upstreamStatus }, identity);
  } catch (error) {
    answerError(ex, call.protocol, { status: 502, code: 'BadGateway', message: `iam-agent-proxy could not reach ${request.hostname}: ${(error as Error).message}` }, call.service);
    record(ex, call, { decision: 'allowed', error: 'BadGateway' }, identity);
  }
}

interface AuthenticatedRequest {
  who: Authenticated;
  presigned: boolean;
}

/** Headers first (cheap, no body read for a request that is refused anyway), then body and signature. */
async function authenticate(ex: Exchange): Promise<Result<AuthenticatedRequest>> {
  const claim = readSignatureClaim(ex.request, ex.now);
  if (!claim.ok) return claim;
  if (claim.value.payload.kind === 'hash') {
    try {
      ex.request.setBody(await readBody(ex.req, MAX_BUFFERED_BODY_BYTES));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return { ok: false, error: { status: 413, code: 'EntityTooLarge', message: `Signed ${error.message}; send large uploads with UNSIGNED-PAYLOAD.` } };
    }
  }
  const verified = await verifySignatureClaim(ex.request, claim.value, ex.request.body, (id) => ex.deps.keys.lookup(id));
  if (!verified.ok) return verified;
  return { ok: true, value: { who: verified.value, presigned: claim.value.presigned !== undefined } };
}

/** Answers a request that must not go upstream, and logs what it would have done. */
async function refuse(ex: Exchange, error: AwsError, identity?: Identity): Promise<void> {
  ex.req.resume(); // discard an unread body so the connection stays usable
  const attempted = await attemptedCall(ex);
  answerError(ex, attempted.protocol, error, attempted.service);
  record(ex, attempted, { decision: 'refused', error: error.code }, identity);
}

/**
 * What a refused request was trying to do, for the log: resolved as if signed for its host, from
 * what has been read (a body that was not read stays unread). Nothing of it is acted on. Failing
 * that, the service its host names and the protocol to answer in.
 */
async function attemptedCall(ex: Exchange): Promise<Described> {
  const endpoint = ex.deps.resolve.endpoints.match(ex.request.hostname)[0];
  if (!endpoint) return { service: undefined, protocol: guessedProtocol(ex.request) };
  const model = ex.deps.resolve.catalog.service(endpoint.service);
  const region = endpoint.hostRegion ?? (endpoint.signingRegions === 'any' ? 'us-east-1' : endpoint.signingRegions[0]!);
  const notRead = () => Promise.reject(new Error('the body of a refused request is not read'));
  try {
    const resolution = await resolveRequest(ex.request, { scope: { service: endpoint.signingName, region }, accountId: ex.deps.accountId(), readBody: notRead }, ex.deps.resolve);
    if (resolution.ok) return resolution.call;
  } catch {
    // Only for the log: the request is refused whatever it was.
  }
  return { service: model.id, protocol: errorProtocol(model, ex.request) };
}

function answerError(ex: Exchange, protocol: Protocol, error: AwsError, service: string | undefined): void {
  if (ex.res.headersSent) return void ex.res.destroy();
  const rendered = renderAwsError(protocol, error, { service: service ?? '', method: ex.request.method });
  ex.res.writeHead(rendered.status, rendered.headers);
  ex.res.end(rendered.body);
}

type Identity = { accessKeyId: string; agent: string };
/** What the log says a request was: the call it resolved to, or only the service and protocol it was for. */
type Described = ResolvedCall | { service: string | undefined; protocol: Protocol };

/** One line in actions.log and one console line per action. */
function record(ex: Exchange, described: Described, outcome: { decision: Verdict; error?: string; upstreamStatus?: number }, identity?: Identity): void {
  const call = 'authorizations' in described ? described : undefined;
  const entry: ActionRecord = {
    v: ACTION_RECORD_VERSION,
    time: ex.now.toISOString(),
    accessKeyId: identity?.accessKeyId,
    agent: identity?.agent,
    host: ex.request.hostname,
    service: described.service,
    region: call?.region,
    protocol: described.protocol,
    operation: call?.operation,
    authorizations: call?.authorizations ?? [],
    context: call?.context,
    decision: outcome.decision,
    error: outcome.error,
    upstreamStatus: outcome.upstreamStatus,
    latencyMs: Math.round((performance.now() - ex.started) * 100) / 100,
  };
  ex.deps.log.write(entry);
  for (const line of consoleLines(entry, ex.now)) ex.deps.print(line);
}
