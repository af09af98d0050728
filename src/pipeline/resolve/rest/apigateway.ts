import type { CallDescription, RequiredAction } from '../types.js';

/**
 * API Gateway's management API authorises by HTTP verb on the resource path:
 * `GET /restapis/abc` needs `apigateway:GET` on `arn:aws:apigateway:<region>::/restapis/abc`.
 * The operation name is only for the log, so a generic one is derived from verb and path.
 */
export function resolveApiGateway(call: CallDescription): { operation: string | undefined; actions: RequiredAction[] } {
  const path = call.rawPath.replace(/\/+$/, '') || '/';
  return {
    operation: `${call.method} ${path}`,
    actions: [
      { action: `apigateway:${call.method}`, resources: [`arn:${call.partition}:apigateway:${call.region}::${path}`], known: true },
    ],
  };
}
