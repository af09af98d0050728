import type { AwsProtocol } from '../../aws/protocol.js';
import { actionForOperation, isKnownAction } from './iam-actions.js';
import { rpcOperationName } from './operation.js';
import { resolveApiGateway } from './rest/apigateway.js';
import { resolveLambda } from './rest/lambda.js';
import { resolveS3 } from './rest/s3.js';
import type { CallDescription, RequiredAction, ResolvedCall } from './types.js';

type RestResolver = (call: CallDescription) => { operation: string | undefined; actions: RequiredAction[] };

/** REST services whose routes are known, by signing name. */
const REST_RESOLVERS: Record<string, RestResolver> = {
  s3: resolveS3,
  lambda: resolveLambda,
  apigateway: resolveApiGateway,
};

/** Maps a request to its operation and the IAM actions (and resources) it needs. */
export async function resolveCall(call: CallDescription, protocol: AwsProtocol): Promise<ResolvedCall> {
  const base = { service: call.service, region: call.region, protocol };
  const restResolver = REST_RESOLVERS[call.service];
  if (restResolver && (protocol === 'rest-xml' || protocol === 'rest-json')) {
    const { operation, actions } = restResolver(call);
    return { ...base, operation, actions: await markKnown(actions) };
  }
  const operation = rpcOperationName(call, protocol);
  if (!operation) return { ...base, operation: undefined, actions: [] };
  return { ...base, operation, actions: await markKnown([{ action: actionForOperation(call.service, operation), resources: [], known: true }]) };
}

async function markKnown(actions: RequiredAction[]): Promise<RequiredAction[]> {
  return Promise.all(actions.map(async (a) => ({ ...a, known: await isKnownAction(a.action) })));
}
