import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAwsError, type AwsError } from '../aws/errors.js';
import { isAwsApiHost } from '../aws/hosts.js';
import type { IssuedKey, KeyLookup, SessionRequest } from '../keys/issued-key.js';
import { enforcing } from '../policy/types.js';
import type { Protocol } from '../services/model.js';
import { identifyCaller } from './authenticate/caller.js';
import type { Decider, EvaluationSummary } from './decide/decide.js';
import { forward, upstreamTargetFor, type Redaction } from './forward/forward.js';
import { DEFAULT_TIMEOUT_SETTINGS, timeoutsFor, type TimeoutSettings } from './forward/timeouts.js';
import { upstreamFailure } from './forward/upstream-failure.js';
import { AwsRequest } from './intercept/aws-request.js';
import { continueBody, stillAwaitingContinue } from './intercept/expect-continue.js';
import { BodyTooLargeError, readBody } from './intercept/read-body.js';
import { ACTION_RECORD_VERSION, type ActionRecord, type Verdict } from './log/action-log.js';
import type { ActionLog } from './log/log-writer.js';
import type { PipelineObserver } from './observer.js';
import { outboundRequest } from './resign/outbound.js';
import { SignedChunkError } from './resign/signed-chunks.js';
import type { CredentialSource } from './resign/upstream-credentials.js';
import type { CredentialCall } from './respond/credential-response.js';
import { exchangeForCredentials, standInFor } from './respond/stand-in.js';
import { unsignedRefusal } from './respond/unsigned-probe.js';
import { errorProtocol, guessedProtocol, resolveRequest, type ResolveDeps, type SignatureScope } from './resolve/resolve.js';
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
  /** How long to wait on AWS (DEFAULT_TIMEOUT_SETTINGS when absent). */
  upstreamTimeouts?: TimeoutSettings;
  accountId: () => string | undefined;
  /** Shows a record on the console: its line in the log, or undefined when it could not be written. */
  show: (record: ActionRecord, line: string | undefined) => void;
  /** Called once per request that needed an action AWS does not define (counted, reported on stop). */
  onUnresolved?: () => void;
  /** Told of upstream failures (metrics); records reach it through `show`. */
  observer?: Pick<PipelineObserver, 'onUpstreamError'>;
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

  const identified = await identifyCaller(request, {
    now: ex.now,
    lookupKey: (id) => deps.keys.lookup(id),
    readBody: (maxBytes = MAX_BUFFERED_BODY_BYTES) => readAgentBody(ex, maxBytes),
    hostScope: () => hostEndpoint(ex)?.scope,
  });
  if (!identified.ok) return refuse(ex, identified.error);
  const caller = identified.value;
  const session = caller.key.session;
  const identity: Identity = { accessKeyId: caller.signed ? caller.key.accessKeyId : undefined, agent: caller.key.agent, assumedRole: session?.assumedRole };
  // A session's calls act in the account its credentials belong to.
  const accountId = session?.accountId ?? deps.accountId();

  let resolution;
  try {
    resolution = await resolveRequest(request, { scope: caller.scope, accountId, readBody: () => readAgentBody(ex, MAX_BUFFERED_BODY_BYTES) }, deps.resolve);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return refuse(ex, { status: 413, code: 'EntityTooLarge', message: `The ${error.message}; iam-agent-proxy reads at most ${MAX_BUFFERED_BODY_BYTES} bytes of a body it must parse.` }, identity);
  }
  if (!resolution.ok) {
    answerError(ex, resolution.protocol, resolution.error, resolution.service);
    return record(ex, resolution, { decision: 'refused', error: resolution.error.code }, identity);
  }
  const call = resolution.call;
  // Calls to customer hosts (execute-api) have no model in the catalog: they are signed, never unsigned, and return no credentials.
  const catalog = deps.resolve.catalog;
  const operation = Object.hasOwn(catalog.index.services, call.service) ? catalog.service(call.service).operations[call.operation] : undefined;
  if (!caller.signed && !operation?.unsigned) {
    // An S3 bucket probe's refusal carries the bucket's region, as S3 tells anyone (unsigned-probe.ts).
    const refusal = await unsignedRefusal(request.method, request.rawPath, call, upstreamTargetFor(request.hostname, deps.upstreamEndpoint));
    closeIfBodyNeverAsked(ex);
    ex.res.writeHead(refusal.status, refusal.headers).end(refusal.body);
    return record(ex, call, { decision: 'refused', error: refusal.code }, identity);
  }
  if (call.authorizations.some((a) => !a.known)) deps.onUnresolved?.();

  const connection = { secure: connectHost !== undefined, sourceIp: req.socket.remoteAddress };
  const decision = await deps.decide({ call, agent: caller.key.agent, accountId, assumedRole: session?.assumedRole, connection, now: ex.now });
  if (!decision.forward) {
    answerError(ex, call.protocol, { status: 403, code: 'AccessDenied', message: decision.message ?? 'Access denied' }, call.service);
    return record(ex, call, { decision: decision.verdict, error: 'AccessDenied', evaluation: decision.evaluation }, identity);
  }
  const verdict = decision.verdict;
  const evaluation = decision.evaluation;
  // Enforce mode forwards nothing it cannot record (the log said so on stderr when it failed).
  const unwritable = evaluation && enforcing(evaluation.mode) ? deps.log.unwritable() : undefined;
  if (unwritable !== undefined) {
    answerError(ex, call.protocol, { status: 503, code: 'ServiceUnavailable', message: `iam-agent-proxy cannot write its action log (${unwritable}); enforce mode forwards no call it cannot record.` }, call.service);
    return record(ex, call, { decision: 'refused', error: 'ActionLogUnwritable', evaluation }, identity);
  }

  let credentials;
  try {
    credentials = !caller.signed ? undefined : session ? session.credentials : await deps.credentials.get();
  } catch (error) {
    answerError(ex, call.protocol, { status: 503, code: 'ServiceUnavailable', message: (error as Error).message }, call.service);
    return record(ex, call, { decision: 'refused', error: 'ServiceUnavailable' }, identity);
  }
  const locations = operation?.credentials;
  if (!request.body) continueBody(req, ex.res); // the body streams upstream from here
  const outbound = await outboundRequest({ request, caller, call, credentials, readsResponse: locations !== undefined, now: deps.now?.() ?? new Date() }, request.body ?? req);
  const upstream = upstreamTargetFor(request.hostname, deps.upstreamEndpoint, timeoutsFor(call, deps.upstreamTimeouts ?? DEFAULT_TIMEOUT_SETTINGS));
  if (locations) {
    const credentialCall: CredentialCall = { protocol: call.protocol, service: call.service, operation: call.operation, method: request.method, locations };
    const answer = await exchangeForCredentials(outbound, upstream, credentialCall, (found) => standInFor(found, caller.key, call, (r) => deps.keys.issueSession(r)));
    ex.res.writeHead(answer.response.status, answer.response.headers).end(answer.response.body);
    return record(ex, call, { decision: verdict, upstreamStatus: answer.upstreamStatus, error: answer.response.error, evaluation }, identity);
  }
  // What the agent may not see in an upstream error: the key id and token the proxy signed with.
  const redact: Redaction = new Map();
  if (credentials) redact.set(credentials.accessKeyId, caller.key.accessKeyId);
  if (credentials?.sessionToken) redact.set(credentials.sessionToken, 'WITHHELD-BY-IAM-AGENT-PROXY');
  try {
    const upstreamStatus = await forward(outbound, upstream, ex.res, redact);
    record(ex, call, { decision: verdict, upstreamStatus, evaluation }, identity);
  } catch (error) {
    if (!(error instanceof SignedChunkError)) deps.observer?.onUpstreamError(error);
    // A signed-chunk upload refused part-way: upstream was cut off before the object could complete.
    const failure = error instanceof SignedChunkError ? error.error : upstreamFailure(request.hostname, error as Error);
    ex.res.shouldKeepAlive = false; // the rest of the agent's body is not read
    answerError(ex, call.protocol, failure, call.service);
    record(ex, call, { decision: error instanceof SignedChunkError ? 'refused' : verdict, error: failure.code, evaluation }, identity);
  }
}

/** The host's own endpoint and the scope AWS expects for it: how an unsigned request, or a refused one, is read. */
function hostEndpoint(ex: Exchange): { service: string; scope: SignatureScope } | undefined {
  const endpoint = ex.deps.resolve.endpoints.match(ex.request.hostname)[0];
  if (!endpoint) return undefined;
  return { service: endpoint.service, scope: { service: endpoint.signingName, region: endpoint.hostRegion ?? (endpoint.signingRegions === 'any' ? 'us-east-1' : endpoint.signingRegions[0]!) } };
}

/** Never asked for its body (Expect: 100-continue), the agent may or may not send it: the connection cannot be reused. */
function closeIfBodyNeverAsked(ex: Exchange): void {
  if (stillAwaitingContinue(ex.req)) ex.res.shouldKeepAlive = false;
}

function readAgentBody(ex: Exchange, maxBytes: number): Promise<Buffer> {
  continueBody(ex.req, ex.res);
  return readBody(ex.req, maxBytes);
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
  const host = hostEndpoint(ex);
  if (!host) return { service: undefined, protocol: guessedProtocol(ex.request) };
  const { scope } = host;
  const notRead = () => Promise.reject(new Error('the body of a refused request is not read'));
  try {
    const resolution = await resolveRequest(ex.request, { scope, accountId: ex.deps.accountId(), readBody: notRead }, ex.deps.resolve);
    if (resolution.ok) return resolution.call;
  } catch {
    // Only for the log: the request is refused whatever it was.
  }
  const model = ex.deps.resolve.catalog.service(host.service);
  return { service: model.id, protocol: errorProtocol(model, ex.request) };
}

function answerError(ex: Exchange, protocol: Protocol, error: AwsError, service: string | undefined): void {
  if (ex.res.headersSent) return void ex.res.destroy();
  closeIfBodyNeverAsked(ex);
  const rendered = renderAwsError(protocol, error, { service: service ?? '', method: ex.request.method });
  ex.res.writeHead(rendered.status, rendered.headers);
  ex.res.end(rendered.body);
}

type Identity = { accessKeyId: string | undefined; agent: string; assumedRole?: string };
/** What the log says a request was: the call it resolved to, or only the service and protocol it was for. */
type Described = ResolvedCall | { service: string | undefined; protocol: Protocol };

/** One line in actions.log and one console line per action. */
function record(ex: Exchange, described: Described, outcome: { decision: Verdict; error?: string; upstreamStatus?: number; evaluation?: EvaluationSummary }, identity?: Identity): void {
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
    evaluation: outcome.evaluation,
    error: outcome.error,
    upstreamStatus: outcome.upstreamStatus,
    latencyMs: Math.round((performance.now() - ex.started) * 100) / 100,
  };
  ex.deps.show(entry, ex.deps.log.write(entry));
}
