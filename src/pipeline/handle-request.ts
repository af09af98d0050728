import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderAwsError, type AwsError } from '../aws/errors.js';
import { isAwsApiHost, parseAwsHost } from '../aws/hosts.js';
import { detectProtocol, type AwsProtocol } from '../aws/protocol.js';
import { withoutParameters } from '../aws/query.js';
import type { KeypairStore } from '../keys/keypair-store.js';
import { readSignatureClaim, verifySignatureClaim, type Authenticated } from './authenticate/authenticate.js';
import { parseAuthorization, PRESIGN_PARAMS } from './authenticate/authorization-header.js';
import type { Decider } from './decide/decide.js';
import { forward, upstreamTargetFor } from './forward/forward.js';
import { BodyTooLargeError, describeInbound, readBody, type InboundRequest } from './intercept/inbound.js';
import { consoleLines, type ActionLog, type ActionRecord, type Verdict } from './log/action-log.js';
import { resign } from './resign/resign.js';
import type { CredentialSource } from './resign/upstream-credentials.js';
import { queryAction } from './resolve/operation.js';
import { resolveCall } from './resolve/resolve.js';
import type { ResolvedCall } from './resolve/types.js';

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

/**
 * intercept → authenticate → resolve → decide → re-sign → forward → log, for one request to an AWS
 * host. Anything refused is answered here in the client's protocol and never reaches upstream.
 */
export async function handleAwsRequest(req: IncomingMessage, res: ServerResponse, connectHost: string | undefined, deps: PipelineDeps): Promise<void> {
  const started = performance.now();
  const now = deps.now?.() ?? new Date();
  const inbound = describeInbound(req);
  const awsHost = parseAwsHost(inbound.hostname);
  const record = (fields: Partial<ActionRecord> & { decision: Verdict }, call?: ResolvedCall): void => {
    const entry: ActionRecord = {
      time: now.toISOString(),
      accessKeyId: undefined,
      agent: undefined,
      service: call?.service ?? awsHost?.endpointPrefix ?? inbound.hostname,
      region: call?.region ?? awsHost?.region,
      operation: call?.operation,
      actions: call?.actions.map((a) => a.action) ?? [],
      resources: [...new Set(call?.actions.flatMap((a) => a.resources) ?? [])],
      upstreamStatus: undefined,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...fields,
    };
    deps.log.write(entry);
    for (const line of consoleLines(entry, now)) deps.print(line);
  };
  const guessProtocol = (): AwsProtocol =>
    detectProtocol({ service: awsHost?.endpointPrefix ?? '', headers: inbound.headers, hasAction: /(^|&)Action=/.test(inbound.rawQuery) });
  let body: Buffer | undefined;
  /** What a refused request was trying to do, for the log: resolved from what has been read so far. */
  const describeRefused = async (): Promise<ResolvedCall | undefined> => {
    if (!awsHost) return undefined;
    const auth = parseAuthorization(String(inbound.headers.authorization ?? ''));
    const service = auth?.service ?? awsHost.endpointPrefix;
    const region = auth?.region ?? awsHost.region ?? 'us-east-1';
    const facts = { ...inbound, body, service, region, hostBucket: awsHost.bucket, accessPoint: awsHost.accessPoint, partition: awsHost.partition, accountId: deps.accountId() };
    return resolveCall(facts, detectProtocol({ service, headers: inbound.headers, hasAction: queryAction(facts) !== undefined }));
  };
  const refuse = async (error: AwsError, protocol = guessProtocol(), call?: ResolvedCall, who?: Authenticated): Promise<void> => {
    req.resume(); // discard an unread body so the connection stays usable
    sendError(res, protocol, error, call?.service ?? awsHost?.endpointPrefix ?? '', inbound.method);
    record({ decision: 'refused', error: error.code, accessKeyId: who?.key.accessKeyId, agent: who?.key.agent }, call ?? (await describeRefused()));
  };

  // The Host header is signed and names where real credentials will be sent: it must be the AWS
  // host the agent tunnelled to, never some other host smuggled inside the tunnel.
  if (!awsHost || !isAwsApiHost(inbound.hostname) || (connectHost !== undefined && connectHost !== inbound.hostname)) {
    return refuse({ status: 400, code: 'InvalidHostHeader', message: `Host "${inbound.hostname}" is not the AWS API host this connection was opened to (${connectHost ?? 'none'}).` });
  }

  const claim = readSignatureClaim(inbound, now);
  if (!claim.ok) return refuse(claim.error);
  if (claim.value.payload.kind === 'hash') {
    try {
      body = await readBody(req, MAX_SIGNED_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return refuse({ status: 413, code: 'EntityTooLarge', message: `Signed ${error.message}; send large uploads with UNSIGNED-PAYLOAD.` });
    }
  }
  const verified = await verifySignatureClaim(inbound, claim.value, body, (id) => deps.keys.lookup(id));
  if (!verified.ok) return refuse(verified.error);
  const who = verified.value;
  const { service, region } = who.auth;

  const protocol = detectProtocol({ service, headers: inbound.headers, hasAction: queryAction({ ...inbound, body }) !== undefined });
  const call = await resolveCall(
    { ...inbound, body, service, region, hostBucket: awsHost.bucket, accessPoint: awsHost.accessPoint, partition: awsHost.partition, accountId: deps.accountId() },
    protocol,
  );
  const identity = { accessKeyId: who.key.accessKeyId, agent: who.key.agent };

  const decision = await deps.decide({ call, agent: who.key.agent, accountId: deps.accountId() });
  if (!decision.allowed) {
    sendError(res, protocol, { status: 403, code: 'AccessDenied', message: decision.message }, service, inbound.method);
    req.resume();
    return record({ decision: 'blocked', error: 'AccessDenied', ...identity }, call);
  }

  let credentials;
  try {
    credentials = await deps.credentials.get();
  } catch (error) {
    return refuse({ status: 503, code: 'ServiceUnavailable', message: (error as Error).message }, protocol, call, who);
  }
  // A presigned request goes upstream signed in the usual way: its query-string auth is dropped.
  const outbound = claim.value.presigned ? withoutPresignParams(inbound) : inbound;
  const headers = await resign(
    { ...outbound, service, region, payloadHash: who.payloadHash, sendPayloadHash: service === 's3' || inbound.headers['x-amz-content-sha256'] !== undefined },
    credentials,
    deps.now?.() ?? new Date(),
  );
  let upstreamStatus: number;
  try {
    upstreamStatus = await forward(
      { method: inbound.method, target: outbound.target, headers, body: body ?? req },
      upstreamTargetFor(inbound.hostname, deps.upstreamEndpoint),
      res,
    );
  } catch (error) {
    if (!res.headersSent) sendError(res, protocol, { status: 502, code: 'BadGateway', message: `iam-agent-proxy could not reach ${inbound.hostname}: ${(error as Error).message}` }, service, inbound.method);
    else res.destroy();
    return record({ decision: 'allowed', error: 'BadGateway', ...identity }, call);
  }
  record({ decision: 'allowed', upstreamStatus, ...identity }, call);
}

function withoutPresignParams(inbound: InboundRequest): InboundRequest {
  const rawQuery = withoutParameters(inbound.rawQuery, PRESIGN_PARAMS);
  return { ...inbound, rawQuery, target: rawQuery ? `${inbound.rawPath}?${rawQuery}` : inbound.rawPath };
}

function sendError(res: ServerResponse, protocol: AwsProtocol, error: AwsError, service: string, method: string): void {
  if (res.headersSent) return void res.destroy();
  const rendered = renderAwsError(protocol, error, { service, method });
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.body);
}

