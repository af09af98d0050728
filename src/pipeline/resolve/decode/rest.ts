import type { AwsError } from '../../../aws/errors.js';
import { inputShape, type Member, type ServiceModel, type StructureShape } from '../../../services/model.js';
import type { AwsRequest } from '../../intercept/aws-request.js';
import { PRESIGN_PARAMS } from '../../authenticate/authorization-header.js';
import type { EndpointMatch } from '../endpoint/match-endpoint.js';
import { ambiguous, decoded, malformed, unknownOperation, type Decoding } from './decoding.js';
import { candidateRoutes, mostSpecific, OPERATION_HINT, pathView, routesOf, subresourceKeys, unnormalisedSegment, type Route } from './rest-router.js';
import { AmbiguousInputError, readDocument, readXml, type InputValue } from './shape-reader.js';

const subresources = new WeakMap<ServiceModel, Set<string>>();

/**
 * restJson1 and restXml: the operation from method, path and query as the service routes them;
 * its input from URI labels, query, headers and body. `endpoint` supplies what the host carries
 * (a virtual-hosted bucket, an account id).
 */
export function decodeRest(model: ServiceModel, request: AwsRequest, endpoint: EndpointMatch, protocol: 'restJson1' | 'restXml'): Decoding {
  const path = pathView(request.rawPath);
  // Every service but S3 normalises paths before routing; a path it would rewrite is refused,
  // so the proxy decides on the path AWS acts on.
  if (!endpoint.disableDoubleEncoding) {
    const problem = unnormalisedSegment(path);
    if (problem) return ambiguous(problem);
  } else if (request.rawPath.includes('+')) {
    // S3 reads a `+` in the path as a space (and signs it as one); other readers take it as `+`. Clients send %2B or %20.
    return ambiguous(`a raw "+" in the path is read as a space by S3 and as "+" elsewhere: send %2B for a plus, %20 for a space`);
  }
  const preset = presetLabels(endpoint);
  const query = request.query();
  const candidates = candidateRoutes(routesOf(model, request.method), { method: request.method, path, query, hasHeader: (name) => request.headerCount(name) > 0 }, preset.Bucket === undefined ? NO_LABELS : BUCKET_LABEL, endpoint.hostPrefix);
  if (candidates.length === 0) {
    return unknownOperation('UnknownOperationException', `No ${model.sdkId} operation is ${request.method} ${request.rawPath}${request.rawQuery ? `?${request.rawQuery}` : ''}.`);
  }
  // S3 serves general-purpose and directory buckets with routes that collide (ListBuckets and
  // ListDirectoryBuckets are both GET /): the endpoint's signing name tells them apart.
  const match = mostSpecific(candidates) ?? mostSpecific(candidates.filter((c) => signsAs(model, c.route.operation, endpoint.signingName)));
  if (!match) return ambiguous(`${request.method} ${request.rawPath} fits ${candidates.map((c) => c.route.operation).join(' and ')}`);
  const { route } = match;
  const shape = inputShape(model, route.operation);
  const stray = strayQueryKey(query, route, shape, subresourcesOf(model));
  if (stray) return ambiguous(stray);
  try {
    const labels = Object.assign(Object.create(null) as Record<string, string>, preset, match.labels);
    const read = readInput(model, request, shape, labels, endpoint, protocol);
    return 'needsBody' in read || 'error' in read ? read : decoded(protocol, route.operation, read.input);
  } catch (error) {
    if (error instanceof AmbiguousInputError) return ambiguous(error.message);
    throw error;
  }
}

function signsAs(model: ServiceModel, operation: string, signingName: string): boolean {
  return (model.iam[operation] ?? []).some((entry) => entry.action.startsWith(`${signingName}:`));
}

function subresourcesOf(model: ServiceModel): Set<string> {
  let keys = subresources.get(model);
  if (!keys) subresources.set(model, (keys = subresourceKeys(routesOf(model))));
  return keys;
}

const NO_LABELS: ReadonlySet<string> = new Set();
const BUCKET_LABEL: ReadonlySet<string> = new Set(['Bucket']);

/** Labels the host supplies: a virtual-hosted bucket, or the access point the host names. */
function presetLabels(endpoint: EndpointMatch): { Bucket?: string } {
  const bucket = endpoint.bucket ?? endpoint.labels.Bucket;
  return bucket === undefined ? {} : { Bucket: bucket };
}

/**
 * A query key that selects another operation of the service (S3's `?uploads` on a GetObject) and
 * that this operation does not read: the service might route on it, so the request is refused.
 */
function strayQueryKey(query: Record<string, unknown>, route: Route, shape: StructureShape | undefined, subresourceKeys: Set<string>): string | undefined {
  const hint = query[OPERATION_HINT];
  if (hint !== undefined && hint !== route.operation) return `x-id=${String(hint)} names another operation than ${route.operation}`;
  const stray = Object.keys(query).find((key) => subresourceKeys.has(key) && !queryKeysRead(route, shape).has(key));
  return stray === undefined ? undefined : `the query key "${stray}" selects another operation than ${route.operation}`;
}

const readQueryKeys = new WeakMap<Route, Set<string>>();

/** The query keys an operation reads: its route's literals and its input's query members. */
function queryKeysRead(route: Route, shape: StructureShape | undefined): Set<string> {
  let keys = readQueryKeys.get(route);
  if (!keys) {
    keys = new Set([...route.queryLiterals.map(([key]) => key), ...Object.values(shape?.members ?? {}).flatMap((m) => (m.location === 'query' ? [m.name!] : []))]);
    readQueryKeys.set(route, keys);
  }
  return keys;
}

type Failure = { ok: false; error: AwsError };
type InputRead = { input: Record<string, InputValue> } | { ok: false; needsBody: true } | Failure;

/** How an input shape travels in a REST request, worked out once per shape. */
interface InputPlan {
  /** Members bound to a label, query key, header or header prefix. */
  bound: Array<{ name: string; member: Member; isList: boolean }>;
  queryParams: string[];
  hostLabels: string[];
  body: BodyMembers | undefined;
}

const inputPlans = new WeakMap<StructureShape, InputPlan>();

function inputPlan(model: ServiceModel, shape: StructureShape): InputPlan {
  let plan = inputPlans.get(shape);
  if (!plan) {
    const members = Object.entries(shape.members);
    const located = (...locations: Array<Member['location']>) => members.filter(([, m]) => locations.includes(m.location));
    plan = {
      bound: located('label', 'query', 'header', 'prefixHeaders').map(([name, member]) => ({ name, member, isList: model.shapes[member.target]?.type === 'list' })),
      queryParams: located('queryParams').map(([name]) => name),
      hostLabels: located('hostLabel').map(([name]) => name),
      body: bodyMembers(members),
    };
    inputPlans.set(shape, plan);
  }
  return plan;
}

function readInput(model: ServiceModel, request: AwsRequest, shape: StructureShape | undefined, labels: Record<string, string>, endpoint: EndpointMatch, protocol: 'restJson1' | 'restXml'): InputRead {
  const input = Object.create(null) as Record<string, InputValue>;
  if (!shape) return { input };
  const plan = inputPlan(model, shape);
  const bound = new Set<string>();
  for (const { name, member, isList } of plan.bound) {
    const value = boundValue(request, member, name, isList, labels, bound);
    if (value !== undefined) input[name] = value;
  }
  for (const name of plan.queryParams) input[name] = unboundQuery(request.query(), bound);
  // The host carries these members too (S3 Control's account id): both must say the same.
  for (const name of [...plan.hostLabels, ...Object.keys(endpoint.labels)]) {
    const fromHost = endpoint.labels[name];
    if (fromHost === undefined || !Object.hasOwn(shape.members, name)) continue;
    if (input[name] !== undefined && input[name] !== fromHost) throw new AmbiguousInputError(`${name} is ${String(input[name])} in the request but ${fromHost} in the host name`);
    input[name] = fromHost;
  }
  if (!plan.body) return { input };
  if (request.body === undefined) return { ok: false, needsBody: true };
  const document = readBody(model, request, plan.body, protocol);
  if ('error' in document) return document;
  Object.assign(input, document.values);
  return { input };
}

function boundValue(request: AwsRequest, member: Member, name: string, isList: boolean, labels: Record<string, string>, bound: Set<string>): InputValue | undefined {
  switch (member.location) {
    case 'label':
      return labels[name];
    case 'query': {
      bound.add(member.name!);
      const value = request.query()[member.name!];
      if (Array.isArray(value) && !isList) throw new AmbiguousInputError(`the query parameter "${member.name}" is given more than once`);
      return value === undefined ? undefined : isList ? ([] as string[]).concat(value) : value;
    }
    case 'header': {
      if (request.headerCount(member.name!) > 1) throw new AmbiguousInputError(`the header ${member.name} is sent more than once`);
      const value = request.header(member.name!);
      return value === undefined ? undefined : isList ? value.split(',').map((v) => v.trim()) : value;
    }
    case 'prefixHeaders': {
      const map = Object.create(null) as Record<string, InputValue>;
      for (const [header, value] of Object.entries(request.headers)) {
        if (header.startsWith(member.name!) && value !== undefined) map[header.slice(member.name!.length)] = Array.isArray(value) ? value.join(',') : value;
      }
      return map;
    }
    default:
      return undefined;
  }
}

function unboundQuery(query: Record<string, string | string[]>, bound: Set<string>): InputValue {
  const map = Object.create(null) as Record<string, InputValue>;
  for (const [key, value] of Object.entries(query)) if (!bound.has(key) && !PRESIGN_PARAMS.includes(key)) map[key] = value;
  return map;
}

type BodyMembers = { payload: [string, Member] } | { members: StructureShape };

/** What of the input travels in the body: one payload member, or every unbound member. */
function bodyMembers(members: Array<[string, Member]>): BodyMembers | undefined {
  const payload = members.find(([, m]) => m.location === 'payload');
  if (payload) return payload[1].streaming || payload[1].target === 'blob' ? undefined : { payload };
  // The body members as a structure of their own: the document a REST body holds.
  const unbound = members.filter(([, m]) => m.location === undefined);
  return unbound.length ? { members: { type: 'structure', members: Object.fromEntries(unbound) } } : undefined;
}

function readBody(model: ServiceModel, request: AwsRequest, body: BodyMembers, protocol: 'restJson1' | 'restXml'): { values: Record<string, InputValue> } | Failure {
  const values = Object.create(null) as Record<string, InputValue>;
  if ('payload' in body && body.payload[1].target === 'string') {
    const text = request.text();
    if (text.ok) values[body.payload[0]] = text.value;
    return { values };
  }
  if (request.body!.length === 0) return { values };
  if (protocol === 'restJson1') {
    const json = request.json();
    if (!json.ok) return malformed('SerializationException', `The request body is ${json.error}.`) as Failure;
    if ('payload' in body) {
      const read = readDocument(model, body.payload[1].target, json.value, true);
      if (read !== undefined) values[body.payload[0]] = read;
    } else {
      const read = readDocument(model, body.members, json.value, true) as Record<string, InputValue> | undefined;
      Object.assign(values, read ?? {});
    }
    return { values };
  }
  const xml = request.xml();
  if (!xml.ok) return malformed('MalformedXML', `The XML you provided was not well-formed: ${xml.error}.`) as Failure;
  // parseXml has made sure there is exactly one root element (beside the XML declaration).
  const root = Object.entries(xml.value).find(([name]) => name !== '?xml')![1];
  if ('payload' in body) {
    const read = readXml(model, body.payload[1].target, root);
    if (read !== undefined) values[body.payload[0]] = read;
  } else {
    Object.assign(values, (readXml(model, body.members, root) ?? {}) as Record<string, InputValue>);
  }
  return { values };
}
