import { firstValue, parseRawQuery } from '../../aws/query.js';
import type { AwsProtocol } from '../../aws/protocol.js';
import type { CallDescription } from './types.js';

/**
 * The operation name of an RPC-style request (json, query, ec2, rpc-v2-cbor): these name it on the
 * wire. REST requests are matched against route tables instead (see rest-routes.ts).
 */
export function rpcOperationName(call: CallDescription, protocol: AwsProtocol): string | undefined {
  switch (protocol) {
    case 'json': {
      const target = firstHeader(call.headers['x-amz-target']);
      return target?.slice(target.lastIndexOf('.') + 1) || undefined;
    }
    case 'rpc-v2-cbor':
      return /\/operation\/([A-Za-z0-9]+)$/.exec(call.rawPath)?.[1];
    case 'query':
    case 'ec2':
      return queryAction(call);
    default:
      return undefined;
  }
}

/**
 * `Action` from the query string or a form-encoded body (where `+` means space). When both name
 * one and they differ, the request is ambiguous and resolves to nothing (enforce mode denies it).
 */
export function queryAction(call: Pick<CallDescription, 'rawQuery' | 'body' | 'headers'>): string | undefined {
  const fromQuery = firstValue(parseRawQuery(call.rawQuery), 'Action');
  const contentType = firstHeader(call.headers['content-type']) ?? '';
  const fromBody =
    call.body && contentType.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(call.body.toString('utf8')).get('Action') ?? undefined
      : undefined;
  if (fromQuery && fromBody && fromQuery !== fromBody) return undefined;
  return fromBody ?? fromQuery;
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
