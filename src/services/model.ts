/**
 * The shape of the generated service catalog (src/services/data/). It is derived from AWS's
 * Smithy API models and the iam-dataset SDK → IAM map by `npm run update-data`, and read at run
 * time by the resolver: everything the proxy knows about a service comes from here, not code.
 */

/** Wire protocols, named as the Smithy protocol traits name them. */
export type Protocol = 'awsJson1_0' | 'awsJson1_1' | 'awsQuery' | 'ec2Query' | 'restJson1' | 'restXml' | 'rpcv2Cbor';

/** `index.json`: loaded once at start; small. */
export interface CatalogIndex {
  version: 1;
  /** Where the data came from (attribution and provenance). */
  sources: string[];
  partitions: PartitionInfo[];
  services: Record<string, ServiceSummary>;
  /** Every real AWS API host name pattern, over all services. */
  endpoints: EndpointTemplate[];
}

export interface PartitionInfo {
  id: string;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
  /** Regions of the partition match this (anchored). */
  regionRegex: string;
  /** The region global endpoints of the partition sign with. */
  implicitGlobalRegion: string;
}

export interface ServiceSummary {
  sdkId: string;
  signingName: string;
  protocols: Protocol[];
}

/**
 * One host pattern a service answers on, e.g. `{Bucket}.s3.{Region}.{dnsSuffix}` or
 * `sts.amazonaws.com`. Variables: `{Region}`, `{dnsSuffix}`, `{dualStackDnsSuffix}`, `{Bucket}`,
 * `{AccountId}`, `{accessPointName}`, `{outpostId}`, `{s3expressAvailabilityZoneId}`.
 */
export interface EndpointTemplate {
  service: string;
  host: string;
  signingName: string;
  /** A literal region, `{Region}` (the host's), `{implicitGlobalRegion}`, or `*` (SigV4a, valid in every region). */
  signingRegion: string;
  /** S3-style signing: the path is signed as sent, neither normalised nor encoded twice. */
  disableDoubleEncoding?: true;
  /** For access-point hosts: the `Bucket` input member the SDK turned into this host (an ARN template). */
  bucket?: string;
  /** The operations' host prefix this host carries (`data.`, `{AccountId}.`): only those operations are served here. */
  hostPrefix?: string;
}

/** `services/<id>.json`: loaded on the first request for the service. */
export interface ServiceModel {
  id: string;
  sdkId: string;
  /** The AWS SDK for JavaScript v2 class name, which keys the iam-dataset map (`S3`, `CloudWatchLogs`). */
  sdkName: string;
  /** IAM service prefix of the service's own actions (`cloudwatch` for CloudWatch, `s3` for S3 Control). */
  iamPrefix: string;
  signingName: string;
  protocols: Protocol[];
  /** The service shape name: the service name of rpcv2Cbor paths. */
  shapeName: string;
  /** X-Amz-Target prefixes of awsJson (the shape name; some services also answer to a namespaced one). */
  targetPrefixes: string[];
  /** API version: the `Version` parameter of the query protocols. */
  version: string;
  operations: Record<string, OperationModel>;
  /** Aggregate shapes reachable from operation inputs, by shape name. */
  shapes: Record<string, Shape>;
  /** iam-dataset map entries, by operation name. */
  iam: Record<string, MapEntry[]>;
}

export interface OperationModel {
  /** HTTP binding: `[method, uri template]`, e.g. `['GET', '/{Bucket}/{Key+}?x-id=GetObject']`. */
  http?: [string, string];
  /** `smithy.api#endpoint` host prefix, e.g. `{AccountId}.`. */
  hostPrefix?: string;
  /** Input structure shape name; absent for operations without input. */
  input?: string;
  /** The IAM action name the model gives (`aws.iam#iamAction`), when it differs from the operation name. */
  iamAction?: string;
  /** AWS serves this operation without a signature (SSO, Cognito Identity, web-identity federation): clients send it unsigned. */
  unsigned?: true;
  /** Where the output carries AWS credentials (an access key id with its secret): the proxy never lets them through. */
  credentials?: CredentialLocation[];
  /** Secret-like output members outside any credentials structure (QLDB's SessionToken): reviewed, not rewritten. */
  unrecognisedSecrets?: string[];
}

/**
 * One credentials structure in an operation's output (STS `Credentials`, SSO `roleCredentials`…):
 * the steps from the output structure to it, and its members.
 */
export interface CredentialLocation {
  path: OutputStep[];
  accessKeyId: OutputStep;
  secretAccessKey: OutputStep;
  sessionToken?: OutputStep;
  expiration?: OutputStep;
}

/** One member on the way to (or in) a credentials structure, with its wire names where they differ. */
export interface OutputStep {
  member: string;
  jsonName?: string;
  xmlName?: string;
  /** The member is a list whose items are stepped into: its XML items are `member` elements unless flattened. */
  list?: 'wrapped' | 'flattened';
  /** The member is the whole response body (`httpPayload`). */
  payload?: true;
}

/**
 * A member's target: an aggregate shape name from `shapes`, or a scalar type.
 * Scalars: `string`, `boolean`, `number`, `blob`, `timestamp`, `document`.
 */
export type ShapeRef = string;

export const SCALAR_TYPES = ['string', 'boolean', 'number', 'blob', 'timestamp', 'document'] as const;

export interface Member {
  target: ShapeRef;
  /** Where a top-level input member travels in a REST request; absent: in the body. */
  location?: 'label' | 'query' | 'queryParams' | 'header' | 'prefixHeaders' | 'payload' | 'hostLabel';
  /** Wire name for label (the label name), query (the key), header (lowercased), prefixHeaders (lowercased prefix). */
  name?: string;
  /** restJson1 body name (`smithy.api#jsonName`). */
  jsonName?: string;
  /** restXml / awsQuery name (`smithy.api#xmlName`). */
  xmlName?: string;
  /** ec2Query name (`aws.protocols#ec2QueryName`). */
  ec2Name?: string;
  flattened?: true;
  attribute?: true;
  required?: true;
  /** A streaming blob or event stream: never buffered. */
  streaming?: true;
}

export type Shape = StructureShape | ListShape | MapShape;

export interface StructureShape {
  type: 'structure' | 'union';
  members: Record<string, Member>;
}

export interface ListShape {
  type: 'list';
  member: Member;
  flattened?: true;
}

export interface MapShape {
  type: 'map';
  key: Member;
  value: Member;
  flattened?: true;
}

/** One entry of the iam-dataset map (schema 1.0.2), as published. */
export interface MapEntry {
  action: string;
  resource_mappings?: Record<string, { template: string }>;
  resourcearn_mappings?: Record<string, string>;
  arn_override?: { template: string };
  conditions?: MapCondition;
  undocumented?: boolean;
}

export interface MapCondition {
  lhs: string;
  op: 'Exists' | 'NotExists' | 'Equals' | 'NotEquals' | 'IContains';
  rhs?: string;
}

/** The input structure of an operation, if it takes input. */
export function inputShape(model: ServiceModel, operation: string): StructureShape | undefined {
  const name = Object.hasOwn(model.operations, operation) ? model.operations[operation]!.input : undefined;
  return name ? (model.shapes[name] as StructureShape | undefined) : undefined;
}
