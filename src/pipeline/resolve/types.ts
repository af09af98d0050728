import type { Protocol } from '../../services/model.js';

/** A resource an action applies to. */
export interface ResourceRef {
  arn: string;
  /** The Service Authorization Reference resource type (`object`, `table`), when known. */
  type?: string;
  /** False when the request does not name it precisely enough: `arn` then holds the ARN pattern with what is unknown left as `${Name}`. */
  resolved: boolean;
}

export type ContextValue = string | string[];
/** IAM condition keys and the values the request gives them (`aws:RequestedRegion`, `s3:prefix`). */
export type RequestContext = Record<string, ContextValue>;

/** One IAM action a call needs, on which resources, with which action-specific context. */
export interface Authorization {
  action: string;
  /** False when AWS defines no such action (an operation the map does not know): never allowed in enforce mode. */
  known: boolean;
  /** Empty when the action applies to no resource type (`s3:ListAllMyBuckets`). */
  resources: ResourceRef[];
  context?: RequestContext;
}

/** What an AWS request does, in IAM terms: the structure logged, enforced and turned into policies. */
export interface ResolvedCall {
  host: string;
  /** Catalog id of the service (`s3`, `cloudwatch`). */
  service: string;
  signingName: string;
  region: string;
  partition: string;
  protocol: Protocol;
  operation: string;
  authorizations: Authorization[];
  /** Condition keys of the whole request (`aws:RequestedRegion`, `aws:RequestTag/…`, `aws:TagKeys`). */
  context: RequestContext;
  /** S3-style signing: the path is signed as sent. */
  disableDoubleEncoding: boolean;
  /**
   * Per authorization (same order): the service condition keys the proxy reads from such a
   * request, whether or not this one carried them. A policy condition on any other service key
   * is one the proxy cannot evaluate. Not logged.
   */
  readableKeys?: ReadonlyArray<readonly string[]>;
}
