import type { IncomingHttpHeaders } from 'node:http';

/** The wire protocols AWS services speak; errors must come back in the one the client used. */
export type AwsProtocol = 'json' | 'rest-json' | 'rest-xml' | 'query' | 'ec2' | 'rpc-v2-cbor';

/** Services whose REST APIs speak XML (everything else REST speaks JSON). */
const REST_XML_SERVICES = new Set(['s3', 's3-control', 's3control', 'route53', 'cloudfront']);
/** Services that speak the query protocol even when a request carries no `Action` (e.g. a bare GET). */
const QUERY_SERVICES = new Set([
  'sts', 'iam', 'sns', 'sqs', 'cloudformation', 'elasticloadbalancing', 'autoscaling', 'rds',
  'monitoring', 'email', 'elasticache', 'redshift', 'elasticbeanstalk', 'sdb', 'neptune', 'docdb',
]);

export interface ProtocolHints {
  /** Endpoint prefix or signing name of the service. */
  service: string;
  headers: IncomingHttpHeaders;
  /** Whether the query string or form body names an `Action`. */
  hasAction: boolean;
}

export function detectProtocol({ service, headers, hasAction }: ProtocolHints): AwsProtocol {
  if (headers['smithy-protocol'] === 'rpc-v2-cbor') return 'rpc-v2-cbor';
  const contentType = headers['content-type'] ?? '';
  if (headers['x-amz-target'] || contentType.startsWith('application/x-amz-json')) return 'json';
  if (service === 'ec2') return 'ec2';
  if (hasAction || contentType.startsWith('application/x-www-form-urlencoded') || QUERY_SERVICES.has(service)) {
    return 'query';
  }
  return REST_XML_SERVICES.has(service) ? 'rest-xml' : 'rest-json';
}
