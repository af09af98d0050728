import { pathView, unnormalisedSegment } from '../decode/rest-router.js';
import type { Authorization } from '../types.js';

/**
 * Hosts under AWS domains that belong to a customer's resource rather than to an AWS API: they
 * take SigV4 for exactly one service and mean one action there. API Gateway's execute-api hosts
 * (`<api id>.execute-api.<region>.amazonaws.com/<stage>/<path>`) are the ones IAM-signed clients
 * call: `execute-api:Invoke`, or `execute-api:ManageConnections` for a WebSocket API's
 * `@connections` callbacks.
 */
export interface CustomerHostCall {
  service: string;
  signingName: string;
  region: string;
  partition: string;
  operation: string;
  authorization: Authorization;
}

const EXECUTE_API = /^([a-z0-9]{10})\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(amazonaws\.com(?:\.cn)?)$/;

export function customerHostCall(host: string, method: string, rawPath: string, accountId: string | undefined): CustomerHostCall | undefined | 'unreadable-path' {
  const match = EXECUTE_API.exec(host);
  if (!match) return undefined;
  const [, apiId, region, suffix] = match as unknown as [string, string, string, string];
  const partition = suffix.endsWith('.cn') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const path = pathView(rawPath.split('?')[0]!);
  // API Gateway resolves dot segments (encoded, or behind an encoded slash) and empty segments
  // before matching a resource: refuse what it would rewrite, as for every AWS API but S3.
  if (unnormalisedSegment(path)) return 'unreadable-path';
  const [stage = '', ...resource] = path.raw;
  // API Gateway decodes the path before routing: `%40connections` is the callback too.
  const connections = path.decoded[1] === '@connections';
  const operation = connections ? 'ManageConnections' : 'Invoke';
  const resolved = accountId !== undefined && stage !== '';
  const arn = `arn:${partition}:execute-api:${region}:${accountId ?? '${Account}'}:${apiId}/${stage}/${method}/${resource.join('/')}`;
  return {
    service: 'execute-api',
    signingName: 'execute-api',
    region,
    partition,
    operation,
    authorization: { action: `execute-api:${operation}`, known: true, resources: [{ arn, type: 'execute-api-general', resolved }] },
  };
}
