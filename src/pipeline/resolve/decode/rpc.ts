import type { ServiceModel } from '../../../services/model.js';
import type { AwsRequest } from '../../intercept/aws-request.js';
import { PRESIGN_PARAMS } from '../../authenticate/authorization-header.js';
import { ambiguous, decoded, malformed, unknownOperation, type Decoding } from './decoding.js';
import { AmbiguousInputError, readDocument, readQueryParameters, type InputValue, type QueryStyle } from './shape-reader.js';

/** More parameters than any AWS query API takes: reading them would only cost time. */
const MAX_QUERY_PARAMETERS = 10_000;

/** awsJson 1.0/1.1: `POST /` with `X-Amz-Target: <service shape name>.<Operation>` and a JSON body. */
export function decodeAwsJson(model: ServiceModel, request: AwsRequest, protocol: 'awsJson1_0' | 'awsJson1_1'): Decoding {
  if (request.method !== 'POST' || request.rawPath !== '/') return ambiguous(`${model.sdkId} JSON requests are POST /, not ${request.method} ${request.rawPath}`);
  // The proxy reads a JSON request's body only; a query string would travel unread.
  if (request.rawQuery !== '') return ambiguous('a JSON request has no query string');
  const target = request.header('x-amz-target') ?? '';
  const dot = target.lastIndexOf('.');
  const [prefix, operation] = [target.slice(0, dot), target.slice(dot + 1)];
  if (!model.targetPrefixes.includes(prefix)) {
    return unknownOperation('UnknownOperationException', `X-Amz-Target "${target}" does not name a ${model.sdkId} operation (${model.targetPrefixes[0]}.<Operation>).`);
  }
  return readJsonInput(model, request, protocol, operation, () => request.json());
}

/** rpcv2Cbor: `POST /service/<service shape name>/operation/<Operation>` with a CBOR body. */
export function decodeRpcV2Cbor(model: ServiceModel, request: AwsRequest): Decoding {
  if (request.header('smithy-protocol') !== 'rpc-v2-cbor') return ambiguous('smithy-protocol must be rpc-v2-cbor');
  const path = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(request.rawPath);
  if (request.method !== 'POST' || !path || request.rawQuery !== '') return ambiguous(`rpc-v2-cbor requests are POST /service/${model.shapeName}/operation/<Operation>`);
  if (path[1] !== model.shapeName) return unknownOperation('UnknownOperationException', `/service/${path[1]} is not ${model.sdkId} (${model.shapeName}).`);
  return readJsonInput(model, request, 'rpcv2Cbor', path[2]!, () => request.cbor());
}

function readJsonInput(model: ServiceModel, request: AwsRequest, protocol: 'awsJson1_0' | 'awsJson1_1' | 'rpcv2Cbor', operation: string, body: () => { ok: true; value: unknown } | { ok: false; error: string }): Decoding {
  if (!Object.hasOwn(model.operations, operation)) return unknownOperation('UnknownOperationException', `${model.sdkId} has no operation "${operation}".`);
  if (request.body === undefined) return { ok: false, needsBody: true };
  const document = body();
  if (!document.ok) return malformed('SerializationException', `The request body is ${document.error}.`);
  const shape = model.operations[operation]!.input;
  try {
    const input = shape ? readDocument(model, shape, document.value, false) : {};
    if (input === undefined || typeof input !== 'object' || Array.isArray(input)) return malformed('SerializationException', 'The request body is not an object.');
    return decoded(protocol, operation, input as Record<string, InputValue>);
  } catch (error) {
    if (error instanceof AmbiguousInputError) return ambiguous(error.message);
    throw error;
  }
}

/** awsQuery and ec2Query: `Action=<Operation>&Version=<api version>&…` in the query string or a form body. */
export function decodeQuery(model: ServiceModel, request: AwsRequest, protocol: 'awsQuery' | 'ec2Query'): Decoding {
  if ((request.method !== 'POST' && request.method !== 'GET') || request.rawPath !== '/') {
    return ambiguous(`${model.sdkId} query requests are GET or POST /, not ${request.method} ${request.rawPath}`);
  }
  // A GET is read from its query string alone: a body would travel unread.
  if (request.method === 'GET' && hasBody(request)) return ambiguous('a GET query request has no body');
  const pairs = queryPairs(request);
  if (!Array.isArray(pairs)) return pairs;
  if (pairs.length > MAX_QUERY_PARAMETERS) return malformed('MalformedQueryString', `More than ${MAX_QUERY_PARAMETERS} parameters.`);
  const params = new Map<string, string>();
  const folded = new Set<string>();
  for (const [key, value] of pairs) {
    // Parameter names are case-sensitive to the proxy; a service that folds case would read two.
    if (folded.has(key.toLowerCase())) return ambiguous(`the parameter "${key}" is given more than once`);
    folded.add(key.toLowerCase());
    params.set(key, value);
  }
  const operation = params.get('Action');
  if (operation === undefined) return unknownOperation('MissingAction', 'The request must contain the parameter Action.');
  if (!Object.hasOwn(model.operations, operation)) return unknownOperation('InvalidAction', `The action ${operation} is not valid for ${model.sdkId}.`);
  const version = params.get('Version');
  if (version !== undefined && version !== model.version) return ambiguous(`Version ${version} is not the ${model.sdkId} API version the proxy reads (${model.version})`);
  params.delete('Action');
  params.delete('Version');
  const shape = model.operations[operation]!.input;
  try {
    const input = shape ? readQueryParameters(model, shape, params, protocol as QueryStyle) : {};
    return decoded(protocol, operation, input as Record<string, InputValue>);
  } catch (error) {
    if (error instanceof AmbiguousInputError) return ambiguous(error.message);
    throw error;
  }
}

function hasBody(request: AwsRequest): boolean {
  return Number(request.header('content-length') ?? 0) > 0 || request.header('transfer-encoding') !== undefined || (request.body?.length ?? 0) > 0;
}

/** Query-string parameters (signature parameters of a presigned URL aside) and form-body ones, in order. */
function queryPairs(request: AwsRequest): Array<[string, string]> | Decoding {
  const pairs: Array<[string, string]> = [];
  if (request.rawQuery) {
    // A `+` in a query string is a space to a form reader and a plus to SigV4: two readings.
    if (request.rawQuery.includes('+')) return ambiguous('a "+" in the query string could be read as a plus or a space; encode it as %2B or %20');
    for (const [key, value] of Object.entries(request.query())) {
      if (PRESIGN_PARAMS.includes(key)) continue;
      for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, v]);
    }
  }
  if (request.method === 'POST') {
    if (request.body === undefined) return { ok: false, needsBody: true };
    if (request.body.length > 0) {
      if (request.mediaType() !== 'application/x-www-form-urlencoded') return ambiguous(`a query request's body must be application/x-www-form-urlencoded, not "${request.mediaType()}"`);
      const form = request.form();
      if (!form.ok) return malformed('MalformedQueryString', `The form body has ${form.error}.`);
      pairs.push(...form.value);
    }
  }
  return pairs;
}
