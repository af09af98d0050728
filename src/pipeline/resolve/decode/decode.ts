import type { Protocol, ServiceModel } from '../../../services/model.js';
import type { AwsRequest } from '../../intercept/aws-request.js';
import type { EndpointMatch } from '../endpoint/match-endpoint.js';
import { ambiguous, unknownOperation, type Decoding } from './decoding.js';
import { decodeRest } from './rest.js';
import { decodeAwsJson, decodeQuery, decodeRpcV2Cbor } from './rpc.js';

/**
 * The operation and input of a request to one service, read only in a protocol that service
 * speaks (from its model, never from what the request claims). For a REST service, `Action`,
 * `X-Amz-Target` and form bodies mean nothing; for an RPC service, the request must carry exactly
 * one protocol's operation field.
 */
export function decodeRequest(model: ServiceModel, request: AwsRequest, endpoint: EndpointMatch): Decoding {
  const rest = model.protocols.find((p): p is 'restJson1' | 'restXml' => p === 'restJson1' || p === 'restXml');
  if (rest) return decodeRest(model, request, endpoint, rest);
  const chosen = rpcProtocol(model, request);
  if (typeof chosen !== 'string') return chosen;
  switch (chosen) {
    case 'awsJson1_0':
    case 'awsJson1_1':
      return decodeAwsJson(model, request, chosen);
    case 'rpcv2Cbor':
      return decodeRpcV2Cbor(model, request);
    case 'awsQuery':
    case 'ec2Query':
      return decodeQuery(model, request, chosen);
    default:
      return unknownOperation('UnknownOperationException', `${model.sdkId} requests cannot be read.`);
  }
}

/**
 * Which RPC protocol the request is in: X-Amz-Target (awsJson), smithy-protocol (rpcv2Cbor) or an
 * `Action` parameter (awsQuery/ec2Query). Two of them, or one field given twice, is ambiguous:
 * the service could act on either.
 */
export function rpcProtocol(model: ServiceModel, request: AwsRequest): Protocol | Decoding {
  const targets = request.headerCount('x-amz-target');
  const cbor = request.headerCount('smithy-protocol');
  const actions = actionCount(request);
  if (typeof actions !== 'number') return actions;
  if (targets > 1) return ambiguous('X-Amz-Target is sent more than once');
  if (cbor > 1) return ambiguous('smithy-protocol is sent more than once');
  if (actions > 1) return ambiguous('Action is given more than once (in the query string and/or the body)');
  const signals = [targets && 'json', cbor && 'cbor', actions && 'query'].filter(Boolean);
  if (signals.length > 1) return ambiguous(`the request names its operation in more than one protocol (${signals.join(', ')})`);
  const spoken = (p: Protocol) => model.protocols.includes(p);
  if (targets) {
    const json = model.protocols.find((p) => p === 'awsJson1_0' || p === 'awsJson1_1');
    return json ?? unknownOperation('UnknownOperationException', `${model.sdkId} does not speak the JSON protocol (X-Amz-Target).`);
  }
  if (cbor) return spoken('rpcv2Cbor') ? 'rpcv2Cbor' : unknownOperation('UnknownOperationException', `${model.sdkId} does not speak rpc-v2-cbor.`);
  const query = model.protocols.find((p) => p === 'awsQuery' || p === 'ec2Query');
  if (actions) return query ?? unknownOperation('UnknownOperationException', `${model.sdkId} does not speak the query protocol (Action=).`);
  return query ? unknownOperation('MissingAction', 'The request must contain the parameter Action.') : unknownOperation('UnknownOperationException', `The request names no ${model.sdkId} operation (X-Amz-Target).`);
}

/** `Action` parameters in the query string and a form body (any case of the form media type). */
function actionCount(request: AwsRequest): number | Decoding {
  const fromQuery = request.query().Action;
  let count = fromQuery === undefined ? 0 : Array.isArray(fromQuery) ? fromQuery.length : 1;
  if (request.method === 'POST' && request.mediaType() === 'application/x-www-form-urlencoded') {
    if (request.body === undefined) return { ok: false, needsBody: true };
    const form = request.form();
    if (form.ok) count += form.value.filter(([key]) => key === 'Action').length;
  }
  return count;
}
