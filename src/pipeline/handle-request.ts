import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAwsError, type AwsError } from '../aws/errors.js';
import { isAwsApiHost, parseAwsHost, type AwsHost } from '../aws/hosts.js';
import { detectProtocol, type AwsProtocol } from '../aws/protocol.js';
import { withoutParameters } from '../aws/query.js';
import type { KeypairStore } from '../keys/keypair-store.js';
import { readSignatureClaim, verifySignatureClaim, type Authenticated, type Result } from './authenticate/authenticate.js';
import { parseAuthorization, PRESIGN_PARAMS } from './authenticate/authorization-header.js';
import type { Decider } from './decide/decide.js';
import { forward, upstreamTargetFor } from './forward/forward.js';
import { BodyTooLargeError, describeInbound, readBody, type InboundRequest } from './intercept/inbound.js';
import { consoleLines, type ActionLog, type ActionRecord, type Verdict } from './log/action-log.js';
import { resign } from './resign/resign.js';
import type { CredentialSource } from './resign/upstream-credentials.js';
import { resolveCall } from './resolve/resolve.js';
import type { CallDescription, ResolvedCall } from './resolve/types.js';

/** Signed bodies are hashed in memory before anything is signed; larger uploads must be unsigned-payload. */
const MAX_SIGNED_BODY_BYTES = 64 * 1024 * 1024;

export interface PipelineDeps {
  keys: KeypairStore;
  credentials: CredentialSource;
  decide: Decider;
  log: ActionLog;
  upstreamEndpoint: URL | undefined;
  accountId: () => string | undefined;
  print: (line: string) => void;
  now?: () => Date;
}

/** One intercepted request and what is known about it so far. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  inbound: InboundRequest;
  awsHost: AwsHost;
  now: Date;
  started: number;
  deps: PipelineDeps;
}

/**
 * intercept → authenticate → resolve → decide → re-sign → forward → log, for one request to an AWS
 * host. Anything refused is answered here in the client's protocol and never reaches upstream.
 */
export async function handleAwsRequest(req: IncomingMessage, res: ServerResponse, connectHost: string | undefined, deps: PipelineDeps): Promise<void> {
  const inbound = describeInbound(req);
  const awsHost = parseAwsHost(inbound.hostname);
  const ex: Exchange = { req, res, inbound, awsHost: awsHost ?? notAws(inbound.hostname), now: deps.now?.() ?? new Date(), started: performance.now(), deps };
  // The Host header is signed and names where real credentials will be sent: it must be the AWS
  // host the agent tunnelled to, never some other host smuggled inside the tunnel.
  if (!awsHost || !isAwsApiHost(inbound.hostname) || (connectHost !== undefined && connectHost !== inbound.hostname)) {
    const message = `Host "${inbound.hostname}" is not the AWS API host this connection was opened to (${connectHost ?? 'none'}).`;
    return refuse(ex, { status: 400, code: 'InvalidHostHeader', message });
  }

  const authenticated = await authenticate(ex);
  if (!authenticated.ok) return refuse(ex, authenticated.error, authenticated.body);
  const { who, body, presigned } = authenticated.value;
  const { service, region } = who.auth;
  const identity = { accessKeyId: who.key.accessKeyId, agent: who.key.agent };

  const facts = describeCall(ex, service, region, body);
  const protocol = protocolOf(facts);
  const call = await resolveCall(facts, protocol);

  const decision = await deps.decide({ call, agent: who.key.agent, accountId: deps.accountId() });
  if (!decision.allowed) {
    answerError(ex, protocol, { status: 403, code: 'AccessDenied', message: decision.message }, service);
    return record(ex, call, { decision: 'blocked', error: 'AccessDenied', ...identity });
  }

  let credentials;
  try {
    credentials = await deps.credentials.get();
  } catch (error) {
    answerError(ex, protocol, { status: 503, code: 'ServiceUnavailable', message: (error as Error).message }, service);
    return record(ex, call, { decision: 'refused', error: 'ServiceUnavailable', ...identity });
  }
  // A presigned request goes upstream signed in the usual way: its query-string auth is dropped.
  const outbound = presigned ? withoutPresignParams(ex.inbound) : ex.inbound;
  const headers = await resign(
    { ...outbound, service, region, payloadHash: who.payloadHash, sendPayloadHash: service === 's3' || outbound.headers['x-amz-content-sha256'] !== undefined },
    credentials,
    deps.now?.() ?? new Date(),
  );
  try {
    const upstreamStatus = await forward(
      { method: outbound.method, target: outbound.target, headers, body: body ?? req },
      upstreamTargetFor(outbound.hostname, deps.upstreamEndpoint),
      res,
    );
    record(ex, call, { decision: 'allowed', upstreamStatus, ...identity });
  } catch (error) {
    answerError(ex, protocol, { status: 502, code: 'BadGateway', message: `iam-agent-proxy could not reach ${outbound.hostname}: ${(error as Error).message}` }, service);
    record(ex, call, { decision: 'allowed', error: 'BadGateway', ...identity });
  }
}

interface AuthenticatedRequest {
  who: Authenticated;
  /** The buffered body when the signature covers it; streamed uploads are left unread. */
  body: Buffer | undefined;
  presigned: boolean;
}

/** Headers first (cheap, no body read for a request that is refused anyway), then body and signature. */
async function authenticate(ex: Exchange): Promise<Result<AuthenticatedRequest> & { body?: Buffer }> {
  const claim = readSignatureClaim(ex.inbound, ex.now);
  if (!claim.ok) return claim;
  let body: Buffer | undefined;
  if (claim.value.payload.kind === 'hash') {
    try {
      body = await readBody(ex.req, MAX_SIGNED_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return { ok: false, error: { status: 413, code: 'EntityTooLarge', message: `Signed ${error.message}; send large uploads with UNSIGNED-PAYLOAD.` } };
    }
  }
  const verified = await verifySignatureClaim(ex.inbound, claim.value, body, (id) => ex.deps.keys.lookup(id));
  if (!verified.ok) return { ...verified, body };
  return { ok: true, value: { who: verified.value, body, presigned: claim.value.presigned !== undefined } };
}

function describeCall(ex: Exchange, service: string, region: string, body: Buffer | undefined): CallDescription {
  const { bucket, accessPoint, partition } = ex.awsHost;
  return { ...ex.inbound, body, service, region, hostBucket: bucket, accessPoint, partition, accountId: ex.deps.accountId() };
}

/** A form body is recognised by its content type, so only the query string needs a look for `Action` here. */
function protocolOf(call: CallDescription): AwsProtocol {
  return detectProtocol({ service: call.service, headers: call.headers, hasAction: /(^|&)Action=/.test(call.rawQuery) });
}

/** Answers a request that must not go upstream, and logs what it was trying to do. */
async function refuse(ex: Exchange, error: AwsError, body?: Buffer): Promise<void> {
  ex.req.resume(); // discard an unread body so the connection stays usable
  // Service and region as the agent claimed them (the signature did not check out, but they say what was attempted).
  const claimed = parseAuthorization(String(ex.inbound.headers.authorization ?? ''));
  const facts = describeCall(ex, claimed?.service ?? ex.awsHost.endpointPrefix, claimed?.region ?? ex.awsHost.region ?? 'us-east-1', body);
  const protocol = protocolOf(facts);
  answerError(ex, protocol, error, facts.service);
  record(ex, await resolveCall(facts, protocol), { decision: 'refused', error: error.code });
}

function answerError(ex: Exchange, protocol: AwsProtocol, error: AwsError, service: string): void {
  if (ex.res.headersSent) return void ex.res.destroy();
  const rendered = renderAwsError(protocol, error, { service, method: ex.inbound.method });
  ex.res.writeHead(rendered.status, rendered.headers);
  ex.res.end(rendered.body);
}

/** One line in actions.log and one console line per action. */
function record(ex: Exchange, call: ResolvedCall, fields: Partial<ActionRecord> & { decision: Verdict }): void {
  const entry: ActionRecord = {
    time: ex.now.toISOString(),
    accessKeyId: undefined,
    agent: undefined,
    service: call.service,
    region: call.region,
    operation: call.operation,
    actions: call.actions.map((a) => a.action),
    resources: [...new Set(call.actions.flatMap((a) => a.resources))],
    upstreamStatus: undefined,
    latencyMs: Math.round((performance.now() - ex.started) * 100) / 100,
    ...fields,
  };
  ex.deps.log.write(entry);
  for (const line of consoleLines(entry, ex.now)) ex.deps.print(line);
}

/** Stands in for the parsed host of a request to a host that is not AWS's (it is refused). */
function notAws(hostname: string): AwsHost {
  return { endpointPrefix: hostname, region: undefined, bucket: undefined, accessPoint: undefined, partition: 'aws' };
}

function withoutPresignParams(inbound: InboundRequest): InboundRequest {
  const rawQuery = withoutParameters(inbound.rawQuery, PRESIGN_PARAMS);
  return { ...inbound, rawQuery, target: rawQuery ? `${inbound.rawPath}?${rawQuery}` : inbound.rawPath };
}
