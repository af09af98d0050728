import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAwsError, type AwsError } from '../aws/errors.js';
import { isAwsApiHost } from '../aws/hosts.js';
import { withoutParameters } from '../aws/query.js';
import type { IssuedKey, KeyLookup, SessionRequest } from '../keys/issued-key.js';
import type { Protocol } from '../services/model.js';
import { readSignatureClaim, verifySignatureClaim, type Authenticated, type Result } from './authenticate/authenticate.js';
import { PRESIGN_PARAMS } from './authenticate/authorization-header.js';
import type { Decider } from './decide/decide.js';
import { fetchUpstream, forward, upstreamTargetFor, type OutboundRequest, type Redaction, type UpstreamTarget } from './forward/forward.js';
import { AwsRequest } from './intercept/aws-request.js';
import { BodyTooLargeError, readBody } from './intercept/read-body.js';
import { ACTION_RECORD_VERSION, consoleLines, type ActionLog, type ActionRecord, type Verdict } from './log/action-log.js';
import { resign } from './resign/resign.js';
import type { CredentialSource } from './resign/upstream-credentials.js';
import { credentialResponse, MAX_CREDENTIAL_RESPONSE_BYTES, sessionTokenHeaderFor, unreadableCredentialResponse, type AgentResponse, type CredentialCall } from './respond/credential-response.js';
import type { FoundCredentials, StandInCredentials } from './respond/rewrite-credentials.js';
import { errorProtocol, guessedProtocol, resolveRequest, type ResolveDeps } from './resolve/resolve.js';
import type { ResolvedCall } from './resolve/types.js';

/** Bodies are hashed or parsed in memory before anything is signed; larger uploads must be unsigned-payload. */
const MAX_BUFFERED_BODY_BYTES = 64 * 1024 * 1024;

/** The key store as the pipeline uses it: look keys up, and open sessions for credentials a response carried. */
export interface PipelineKeys {
  lookup(accessKeyId: string): KeyLookup;
  issueSession(request: SessionRequest): IssuedKey;
}

export interface PipelineDeps {
  keys: PipelineKeys;
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
  const session = who.key.session;
  const identity: Identity = { accessKeyId: who.key.accessKeyId, agent: who.key.agent, assumedRole: session?.assumedRole };
  // A session's calls act in the account its credentials belong to.
  const accountId = session?.accountId ?? deps.accountId();

  let resolution;
  try {
    resolution = await resolveRequest(request, { scope: who.auth, accountId, readBody: () => readBody(req, MAX_BUFFERED_BODY_BYTES) }, deps.resolve);
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

  const decision = await deps.decide({ call, agent: who.key.agent, accountId });
  if (!decision.allowed) {
    answerError(ex, call.protocol, { status: 403, code: 'AccessDenied', message: decision.message }, call.service);
    return record(ex, call, { decision: 'blocked', error: 'AccessDenied' }, identity);
  }

  let credentials;
  try {
    credentials = session ? session.credentials : await deps.credentials.get();
  } catch (error) {
    answerError(ex, call.protocol, { status: 503, code: 'ServiceUnavailable', message: (error as Error).message }, call.service);
    return record(ex, call, { decision: 'refused', error: 'ServiceUnavailable' }, identity);
  }
  const credentialLocations = deps.resolve.catalog.service(call.service).operations[call.operation]?.credentials;
  const setHeaders: Record<string, string> = {};
  // An S3 Express session signs without x-amz-security-token; its token travels in its own header.
  if (session?.tokenHeader === 'x-amz-s3session-token' && credentials.sessionToken) {
    setHeaders['x-amz-s3session-token'] = credentials.sessionToken;
    credentials = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
  }
  // A response the proxy must rewrite is asked for uncompressed.
  if (credentialLocations) setHeaders['accept-encoding'] = 'identity';
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
      setHeaders,
    },
    credentials,
    deps.now?.() ?? new Date(),
  );
  const outbound: OutboundRequest = { method: request.method, target, headers, body: request.body ?? req };
  const upstream = upstreamTargetFor(request.hostname, deps.upstreamEndpoint);
  if (credentialLocations) {
    const credentialCall: CredentialCall = { protocol: call.protocol, service: call.service, operation: call.operation, method: request.method, locations: credentialLocations };
    const answer = await exchangeForCredentials(outbound, upstream, credentialCall, (found) => standInFor(found, who.key, call, deps));
    ex.res.writeHead(answer.response.status, answer.response.headers).end(answer.response.body);
    return record(ex, call, { decision: 'allowed', upstreamStatus: answer.upstreamStatus, error: answer.response.error }, identity);
  }
  // What the agent may not see in an upstream error: the key id and token the proxy signed with.
  const redact: Redaction = new Map([[credentials.accessKeyId, who.key.accessKeyId]]);
  if (credentials.sessionToken) redact.set(credentials.sessionToken, 'WITHHELD-BY-IAM-AGENT-PROXY');
  if (setHeaders['x-amz-s3session-token']) redact.set(setHeaders['x-amz-s3session-token'], 'WITHHELD-BY-IAM-AGENT-PROXY');
  try {
    const upstreamStatus = await forward(outbound, upstream, ex.res, redact);
    record(ex, call, { decision: 'allowed', upstreamStatus }, identity);
  } catch (error) {
    answerError(ex, call.protocol, { status: 502, code: 'BadGateway', message: `iam-agent-proxy could not reach ${request.hostname}: ${(error as Error).message}` }, call.service);
    record(ex, call, { decision: 'allowed', error: 'BadGateway' }, identity);
  }
}

/** Sends a call whose response carries credentials and turns the response into what the agent may see. */
async function exchangeForCredentials(
  outbound: OutboundRequest,
  upstream: UpstreamTarget,
  call: CredentialCall,
  standIn: (found: FoundCredentials) => StandInCredentials,
): Promise<{ response: AgentResponse; upstreamStatus?: number }> {
  try {
    const answer = await fetchUpstream(outbound, upstream, MAX_CREDENTIAL_RESPONSE_BYTES);
    return { response: credentialResponse(answer, call, standIn), upstreamStatus: answer.status };
  } catch (error) {
    return { response: unreadableCredentialResponse(call, (error as Error).message) };
  }
}

/**
 * The proxy keeps the real credentials and opens a session the agent reaches with a stand-in key.
 * The session is named for what it acts as: the call's first named resource (the role assumed,
 * the federated user, the bucket), else its action.
 */
function standInFor(found: FoundCredentials, parent: IssuedKey, call: ResolvedCall, deps: PipelineDeps): StandInCredentials {
  const primary = call.authorizations[0];
  const assumedRole = primary?.resources.find((r) => r.resolved)?.arn ?? primary?.action ?? `${call.service}:${call.operation}`;
  const accountId = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(assumedRole)?.[1];
  const key = deps.keys.issueSession({
    parent,
    credentials: { accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey, sessionToken: found.sessionToken },
    expiresAt: found.expiresAt,
    assumedRole,
    accountId,
    tokenHeader: sessionTokenHeaderFor(call.service, call.operation),
  });
  const standIn: StandInCredentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  if (found.sessionToken !== undefined) standIn.sessionToken = key.session!.sessionToken;
  return standIn;
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

type Identity = { accessKeyId: string; agent: string; assumedRole?: string };
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
    assumedRole: identity?.assumedRole,
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
