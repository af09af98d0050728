import type { AwsError } from '../../aws/errors.js';
import type { ServiceCatalog } from '../../services/catalog.js';
import type { Protocol, ServiceModel } from '../../services/model.js';
import type { AwsRequest } from '../intercept/aws-request.js';
import { authorize } from './authorize/authorize.js';
import type { IamReference } from './authorize/iam-reference.js';
import { decodeRequest, rpcProtocol } from './decode/decode.js';
import type { DecodedCall } from './decode/decoding.js';
import { AmbiguousInputError } from './decode/shape-reader.js';
import { customerHostCall } from './endpoint/customer-hosts.js';
import type { EndpointMatch, EndpointMatcher } from './endpoint/match-endpoint.js';
import type { ResolvedCall } from './types.js';

export interface ResolveDeps {
  catalog: ServiceCatalog;
  endpoints: EndpointMatcher;
  reference: IamReference;
}

/** The verified credential scope of the request's signature. */
export interface SignatureScope {
  service: string;
  region: string;
}

export interface ResolveContext {
  scope: SignatureScope;
  /** The real account id, for resource ARNs; undefined while unknown. */
  accountId: string | undefined;
  /** Reads the body when resolution needs it and the signature check did not (bounded). */
  readBody(): Promise<Buffer>;
}

export type Resolution = { ok: true; call: ResolvedCall } | { ok: false; error: AwsError; protocol: Protocol; service: string | undefined };

/**
 * What AWS will do with a request, decided only on what AWS routes on: the host names the service
 * (and must be one the signature's scope is valid for), the service's model says which protocols
 * it speaks, and the operation and input are read as that service reads them. Anything that could
 * be read two ways is refused, and nothing refused is forwarded.
 */
export async function resolveRequest(request: AwsRequest, context: ResolveContext, deps: ResolveDeps): Promise<Resolution> {
  const matches = deps.endpoints.match(request.hostname);
  if (matches.length === 0) return resolveCustomerHost(request, context);
  const scoped = matches.filter((m) => signs(m, context.scope, deps.catalog));
  if (scoped.length === 0) return refuse(request, matches, deps, scopeError(matches, context.scope));

  const readings = scoped.map((endpoint): Reading => ({ endpoint, model: deps.catalog.service(endpoint.service) }));
  // Several SDK models may share an endpoint and an API: RDS with Neptune and DocumentDB,
  // EventBridge with CloudWatch Events. The service whose API contains the others' (the endpoint's
  // owner) reads the request as AWS does; the others count only where the owner cannot read it.
  const owner = readings.length > 1 ? ownerOf(readings, deps.catalog) : undefined;
  if (owner) {
    const alone = await resolveReadings([owner], request, matches, context, deps);
    if (alone.ok) return alone;
  }
  return resolveReadings(readings, request, matches, context, deps);
}

interface Reading {
  endpoint: EndpointMatch;
  model: ServiceModel;
}

async function resolveReadings(readings: Reading[], request: AwsRequest, matches: EndpointMatch[], context: ResolveContext, deps: ResolveDeps): Promise<Resolution> {
  let decodings = readings.map((r) => decodeRequest(r.model, request, r.endpoint));
  if (decodings.some((d) => !d.ok && 'needsBody' in d)) {
    request.setBody(await context.readBody());
    decodings = readings.map((r) => decodeRequest(r.model, request, r.endpoint));
  }
  const calls = readings.flatMap((reading, i) => {
    const decoding = decodings[i]!;
    return decoding.ok ? [{ reading, call: decoding.call }] : [];
  });
  if (calls.length === 0) {
    const failed = decodings.find((d) => !d.ok && 'error' in d);
    const error = failed && !failed.ok && 'error' in failed ? failed.error : { status: 400, code: 'InvalidRequest', message: 'The request body could not be read.' };
    return { ok: false, error, protocol: errorProtocol(readings[0]!.model, request), service: readings[0]!.model.id };
  }
  let resolved: ResolvedCall[];
  try {
    resolved = await Promise.all(calls.map(({ reading, call }) => authorized(request.hostname, reading.model, reading.endpoint, call, context, deps)));
  } catch (error) {
    if (!(error instanceof AmbiguousInputError)) throw error;
    return refuse(request, matches, deps, { status: 400, code: 'InvalidRequest', message: `iam-agent-proxy refuses an ambiguous request: ${error.message}.` });
  }
  // Readings that agree are one; readings that differ (no owner settled them) are ambiguous.
  if (resolved.length > 1 && new Set(resolved.map((r) => JSON.stringify([r.operation, r.authorizations]))).size > 1) {
    const names = resolved.map((r) => `${r.service} ${r.operation}`).join(' and ');
    return refuse(request, matches, deps, { status: 400, code: 'InvalidRequest', message: `iam-agent-proxy refuses an ambiguous request: it reads as ${names}.` });
  }
  return { ok: true, call: resolved.find((r) => r.service === r.signingName) ?? resolved[0]! };
}

const owners = new WeakMap<ServiceCatalog, Map<string, string | null>>();

/** The reading whose service's API contains every other reading's operations, if one does. */
function ownerOf(readings: Reading[], catalog: ServiceCatalog): Reading | undefined {
  let byServices = owners.get(catalog);
  if (!byServices) owners.set(catalog, (byServices = new Map()));
  const key = readings.map((r) => r.model.id).join(' ');
  let owner = byServices.get(key);
  if (owner === undefined) {
    const models = readings.map((r) => r.model);
    owner = models.find((m) => models.every((other) => Object.keys(other.operations).every((op) => Object.hasOwn(m.operations, op))))?.id ?? null;
    byServices.set(key, owner);
  }
  return readings.find((r) => r.model.id === owner);
}

async function authorized(host: string, model: ServiceModel, endpoint: EndpointMatch, call: DecodedCall, context: ResolveContext, deps: ResolveDeps): Promise<ResolvedCall> {
  const scope = { partition: endpoint.partition, region: context.scope.region, accountId: context.accountId };
  const { authorizations, context: requestContext, readableKeys } = await authorize({ model, operation: call.operation, input: call.input, scope, signingName: endpoint.signingName }, deps.reference);
  return {
    host,
    service: model.id,
    signingName: endpoint.signingName,
    region: context.scope.region,
    partition: endpoint.partition,
    protocol: call.protocol,
    operation: call.operation,
    authorizations,
    context: requestContext,
    disableDoubleEncoding: endpoint.disableDoubleEncoding,
    readableKeys,
  };
}

/** Whether a signature scoped to `scope` is one AWS accepts for this endpoint. */
function signs(endpoint: EndpointMatch, scope: SignatureScope, catalog: ServiceCatalog): boolean {
  if (endpoint.signingName !== scope.service) return false;
  if (endpoint.signingRegions !== 'any') return endpoint.signingRegions.includes(scope.region);
  return regionPattern(catalog, endpoint.partition)?.test(scope.region) ?? false;
}

const regionPatterns = new WeakMap<ServiceCatalog, Map<string, RegExp | undefined>>();

function regionPattern(catalog: ServiceCatalog, partitionId: string): RegExp | undefined {
  let patterns = regionPatterns.get(catalog);
  if (!patterns) regionPatterns.set(catalog, (patterns = new Map()));
  if (!patterns.has(partitionId)) {
    const partition = catalog.index.partitions.find((p) => p.id === partitionId);
    patterns.set(partitionId, partition && new RegExp(partition.regionRegex));
  }
  return patterns.get(partitionId);
}

function scopeError(matches: EndpointMatch[], scope: SignatureScope): AwsError {
  const names = [...new Set(matches.map((m) => m.signingName))];
  if (!names.includes(scope.service)) {
    return { status: 403, code: 'SignatureDoesNotMatch', message: `Credential should be scoped to correct service: '${names.join("' or '")}'.` };
  }
  const regions = [...new Set(matches.flatMap((m) => (m.signingRegions === 'any' ? [] : m.signingRegions)))];
  return { status: 403, code: 'SignatureDoesNotMatch', message: `Credential should be scoped to a valid region${regions.length ? ` ('${regions.join("' or '")}')` : ''}, not '${scope.region}'.` };
}

function refuse(request: AwsRequest, matches: EndpointMatch[], deps: ResolveDeps, error: AwsError): Resolution {
  const model = deps.catalog.service(matches[0]!.service);
  return { ok: false, error, protocol: errorProtocol(model, request), service: model.id };
}

async function resolveCustomerHost(request: AwsRequest, context: ResolveContext): Promise<Resolution> {
  const call = customerHostCall(request.hostname, request.method, request.rawPath, context.accountId);
  if (call === undefined) {
    return { ok: false, error: { status: 400, code: 'InvalidHostHeader', message: `iam-agent-proxy does not know an AWS API at ${request.hostname}; it signs only requests it can map to IAM actions.` }, protocol: guessedProtocol(request), service: undefined };
  }
  if (call === 'unreadable-path') return { ok: false, error: { status: 400, code: 'InvalidRequest', message: 'iam-agent-proxy refuses an ambiguous request: the path has "." , ".." or empty segments that API Gateway would resolve.' }, protocol: 'restJson1', service: 'execute-api' };
  if (call.signingName !== context.scope.service || call.region !== context.scope.region) {
    return { ok: false, error: { status: 403, code: 'SignatureDoesNotMatch', message: `Credential should be scoped to correct service and region: '${call.signingName}' in '${call.region}'.` }, protocol: 'restJson1', service: call.service };
  }
  return {
    ok: true,
    call: {
      host: request.hostname,
      service: call.service,
      signingName: call.signingName,
      region: call.region,
      partition: call.partition,
      protocol: 'restJson1',
      operation: call.operation,
      authorizations: [call.authorization],
      context: { 'aws:RequestedRegion': call.region },
      disableDoubleEncoding: false,
    },
  };
}

/** The protocol to answer a refused request in: the one its service reads it in, or its likeliest. */
export function errorProtocol(model: ServiceModel, request: AwsRequest): Protocol {
  const rest = model.protocols.find((p) => p === 'restJson1' || p === 'restXml');
  if (rest) return rest;
  const chosen = rpcProtocol(model, request);
  return typeof chosen === 'string' ? chosen : model.protocols[0] ?? guessedProtocol(request);
}

/** For a host no service claims: what the request looks like. */
export function guessedProtocol(request: AwsRequest): Protocol {
  if (request.headerCount('smithy-protocol') > 0) return 'rpcv2Cbor';
  if (request.headerCount('x-amz-target') > 0 || request.mediaType().startsWith('application/x-amz-json')) return 'awsJson1_1';
  return 'awsQuery';
}
