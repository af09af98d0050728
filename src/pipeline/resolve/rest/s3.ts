import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseRawQuery, percentDecode, type QueryParameters } from '../../../aws/query.js';
import { firstHeader } from '../operation.js';
import type { CallDescription, RequiredAction } from '../types.js';

type Target = 'bucket' | 'object' | 'copy-source' | 'deleted-objects' | 'none';

interface S3Route {
  method: string;
  level: 'service' | 'bucket' | 'object';
  /** Query keys that must all be present (`uploads`, `uploadId`, `acl`, …). */
  query?: string[];
  /** A header that must be present (`x-amz-copy-source`). */
  header?: string;
  operation: string;
  /** IAM actions and what each applies to. S3's action names differ from its operation names. */
  actions: Array<[action: string, target: Target]>;
}

const GET = 'GET', PUT = 'PUT', POST = 'POST', DELETE = 'DELETE', HEAD = 'HEAD';

/** Configuration sub-resources: [query key, Get operation, its action, Put operation, its action, Delete operation?, its action?]. */
type ConfigRow = [string, string, string, string, string, string?, string?];

const BUCKET_CONFIG: ConfigRow[] = [
  ['acl', 'GetBucketAcl', 's3:GetBucketAcl', 'PutBucketAcl', 's3:PutBucketAcl'],
  ['policy', 'GetBucketPolicy', 's3:GetBucketPolicy', 'PutBucketPolicy', 's3:PutBucketPolicy', 'DeleteBucketPolicy', 's3:DeleteBucketPolicy'],
  ['tagging', 'GetBucketTagging', 's3:GetBucketTagging', 'PutBucketTagging', 's3:PutBucketTagging', 'DeleteBucketTagging', 's3:PutBucketTagging'],
  ['versioning', 'GetBucketVersioning', 's3:GetBucketVersioning', 'PutBucketVersioning', 's3:PutBucketVersioning'],
  ['cors', 'GetBucketCors', 's3:GetBucketCORS', 'PutBucketCors', 's3:PutBucketCORS', 'DeleteBucketCors', 's3:PutBucketCORS'],
  ['lifecycle', 'GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration', 'PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration', 'DeleteBucketLifecycle', 's3:PutLifecycleConfiguration'],
  ['encryption', 'GetBucketEncryption', 's3:GetEncryptionConfiguration', 'PutBucketEncryption', 's3:PutEncryptionConfiguration', 'DeleteBucketEncryption', 's3:PutEncryptionConfiguration'],
  ['website', 'GetBucketWebsite', 's3:GetBucketWebsite', 'PutBucketWebsite', 's3:PutBucketWebsite', 'DeleteBucketWebsite', 's3:DeleteBucketWebsite'],
  ['logging', 'GetBucketLogging', 's3:GetBucketLogging', 'PutBucketLogging', 's3:PutBucketLogging'],
  ['notification', 'GetBucketNotificationConfiguration', 's3:GetBucketNotification', 'PutBucketNotificationConfiguration', 's3:PutBucketNotification'],
  ['publicAccessBlock', 'GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock', 'PutPublicAccessBlock', 's3:PutBucketPublicAccessBlock', 'DeletePublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  ['ownershipControls', 'GetBucketOwnershipControls', 's3:GetBucketOwnershipControls', 'PutBucketOwnershipControls', 's3:PutBucketOwnershipControls', 'DeleteBucketOwnershipControls', 's3:PutBucketOwnershipControls'],
  ['replication', 'GetBucketReplication', 's3:GetReplicationConfiguration', 'PutBucketReplication', 's3:PutReplicationConfiguration', 'DeleteBucketReplication', 's3:PutReplicationConfiguration'],
  ['requestPayment', 'GetBucketRequestPayment', 's3:GetBucketRequestPayment', 'PutBucketRequestPayment', 's3:PutBucketRequestPayment'],
  ['accelerate', 'GetBucketAccelerateConfiguration', 's3:GetAccelerateConfiguration', 'PutBucketAccelerateConfiguration', 's3:PutAccelerateConfiguration'],
  ['object-lock', 'GetObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration', 'PutObjectLockConfiguration', 's3:PutBucketObjectLockConfiguration'],
];

const OBJECT_CONFIG: ConfigRow[] = [
  ['tagging', 'GetObjectTagging', 's3:GetObjectTagging', 'PutObjectTagging', 's3:PutObjectTagging', 'DeleteObjectTagging', 's3:DeleteObjectTagging'],
  ['acl', 'GetObjectAcl', 's3:GetObjectAcl', 'PutObjectAcl', 's3:PutObjectAcl'],
  ['retention', 'GetObjectRetention', 's3:GetObjectRetention', 'PutObjectRetention', 's3:PutObjectRetention'],
  ['legal-hold', 'GetObjectLegalHold', 's3:GetObjectLegalHold', 'PutObjectLegalHold', 's3:PutObjectLegalHold'],
];

function configRoutes(level: 'bucket' | 'object', table: ConfigRow[]): S3Route[] {
  const target: Target = level;
  return table.flatMap(([key, getOp, getAction, putOp, putAction, deleteOp, deleteAction]) => [
    { method: GET, level, query: [key], operation: getOp, actions: [[getAction, target]] },
    { method: PUT, level, query: [key], operation: putOp, actions: [[putAction, target]] },
    ...(deleteOp && deleteAction ? [{ method: DELETE, level, query: [key], operation: deleteOp, actions: [[deleteAction, target]] } as S3Route] : []),
  ]);
}

/** Ordered: the first route whose method, level, query keys and header all match wins. */
const S3_ROUTES: S3Route[] = [
  { method: GET, level: 'service', operation: 'ListBuckets', actions: [['s3:ListAllMyBuckets', 'none']] },
  ...configRoutes('bucket', BUCKET_CONFIG),
  { method: GET, level: 'bucket', query: ['location'], operation: 'GetBucketLocation', actions: [['s3:GetBucketLocation', 'bucket']] },
  { method: GET, level: 'bucket', query: ['policyStatus'], operation: 'GetBucketPolicyStatus', actions: [['s3:GetBucketPolicyStatus', 'bucket']] },
  { method: GET, level: 'bucket', query: ['versions'], operation: 'ListObjectVersions', actions: [['s3:ListBucketVersions', 'bucket']] },
  { method: GET, level: 'bucket', query: ['uploads'], operation: 'ListMultipartUploads', actions: [['s3:ListBucketMultipartUploads', 'bucket']] },
  { method: GET, level: 'bucket', query: ['list-type'], operation: 'ListObjectsV2', actions: [['s3:ListBucket', 'bucket']] },
  { method: GET, level: 'bucket', operation: 'ListObjects', actions: [['s3:ListBucket', 'bucket']] },
  { method: HEAD, level: 'bucket', operation: 'HeadBucket', actions: [['s3:ListBucket', 'bucket']] },
  { method: PUT, level: 'bucket', operation: 'CreateBucket', actions: [['s3:CreateBucket', 'bucket']] },
  { method: DELETE, level: 'bucket', operation: 'DeleteBucket', actions: [['s3:DeleteBucket', 'bucket']] },
  { method: POST, level: 'bucket', query: ['delete'], operation: 'DeleteObjects', actions: [['s3:DeleteObject', 'deleted-objects']] },
  ...configRoutes('object', OBJECT_CONFIG),
  { method: GET, level: 'object', query: ['attributes'], operation: 'GetObjectAttributes', actions: [['s3:GetObjectAttributes', 'object']] },
  { method: GET, level: 'object', query: ['uploadId'], operation: 'ListParts', actions: [['s3:ListMultipartUploadParts', 'object']] },
  { method: GET, level: 'object', query: ['versionId'], operation: 'GetObject', actions: [['s3:GetObjectVersion', 'object']] },
  { method: GET, level: 'object', operation: 'GetObject', actions: [['s3:GetObject', 'object']] },
  { method: HEAD, level: 'object', query: ['versionId'], operation: 'HeadObject', actions: [['s3:GetObjectVersion', 'object']] },
  { method: HEAD, level: 'object', operation: 'HeadObject', actions: [['s3:GetObject', 'object']] },
  { method: PUT, level: 'object', query: ['partNumber', 'uploadId'], header: 'x-amz-copy-source', operation: 'UploadPartCopy', actions: [['s3:GetObject', 'copy-source'], ['s3:PutObject', 'object']] },
  { method: PUT, level: 'object', query: ['partNumber', 'uploadId'], operation: 'UploadPart', actions: [['s3:PutObject', 'object']] },
  { method: PUT, level: 'object', header: 'x-amz-copy-source', operation: 'CopyObject', actions: [['s3:GetObject', 'copy-source'], ['s3:PutObject', 'object']] },
  { method: PUT, level: 'object', operation: 'PutObject', actions: [['s3:PutObject', 'object']] },
  { method: POST, level: 'object', query: ['uploads'], operation: 'CreateMultipartUpload', actions: [['s3:PutObject', 'object']] },
  { method: POST, level: 'object', query: ['uploadId'], operation: 'CompleteMultipartUpload', actions: [['s3:PutObject', 'object']] },
  { method: POST, level: 'object', query: ['restore'], operation: 'RestoreObject', actions: [['s3:RestoreObject', 'object']] },
  { method: POST, level: 'object', query: ['select'], operation: 'SelectObjectContent', actions: [['s3:GetObject', 'object']] },
  { method: DELETE, level: 'object', query: ['uploadId'], operation: 'AbortMultipartUpload', actions: [['s3:AbortMultipartUpload', 'object']] },
  { method: DELETE, level: 'object', query: ['versionId'], operation: 'DeleteObject', actions: [['s3:DeleteObjectVersion', 'object']] },
  { method: DELETE, level: 'object', operation: 'DeleteObject', actions: [['s3:DeleteObject', 'object']] },
];

export interface S3Location {
  bucket: string | undefined;
  key: string | undefined;
}

/** Bucket and key from a virtual-hosted or path-style request; the key is percent-decoded. */
export function s3Location(rawPath: string, hostBucket: string | undefined): S3Location {
  const path = rawPath.replace(/^\//, '');
  if (hostBucket) return { bucket: hostBucket, key: path ? percentDecode(path) : undefined };
  const slash = path.indexOf('/');
  if (!path) return { bucket: undefined, key: undefined };
  if (slash === -1) return { bucket: percentDecode(path), key: undefined };
  const key = path.slice(slash + 1);
  return { bucket: percentDecode(path.slice(0, slash)), key: key ? percentDecode(key) : undefined };
}

export function resolveS3(call: CallDescription): { operation: string | undefined; actions: RequiredAction[] } {
  const location = s3Location(call.rawPath, call.hostBucket ?? call.accessPoint?.name);
  const level = location.key !== undefined ? 'object' : location.bucket !== undefined ? 'bucket' : 'service';
  const query = parseRawQuery(call.rawQuery);
  const route = S3_ROUTES.find((r) => routeMatches(r, call, level, query));
  if (!route) return { operation: undefined, actions: [] };
  const container = containerArn(call, location.bucket);
  const objectArn = (key: string) => (call.accessPoint ? `${container}/object/${key}` : `${container}/${key}`);
  const copySource = firstHeader(call.headers['x-amz-copy-source']);
  const arnsOf: Record<Exclude<Target, 'deleted-objects'>, () => string[]> = {
    none: () => [],
    bucket: () => (container ? [container] : []),
    object: () => (container && location.key !== undefined ? [objectArn(location.key)] : []),
    'copy-source': () => (copySource ? [copySourceArn(copySource, call.partition)] : []),
  };
  return {
    operation: route.operation,
    actions: route.actions.flatMap(([action, target]): RequiredAction[] => {
      if (target === 'deleted-objects') return deletedObjectActions(call.body, objectArn);
      // Copying a specific version reads that version, which IAM names separately.
      const versioned = target === 'copy-source' && /[?&]versionId=/.test(copySource ?? '');
      return [{ action: versioned ? 's3:GetObjectVersion' : action, resources: arnsOf[target](), known: true }];
    }),
  };
}

/** `x-amz-copy-source` is `/bucket/key?versionId=…` or an access point's object ARN, URL-encoded. */
function copySourceArn(header: string, partition: string): string {
  const source = percentDecode(header.split('?')[0]!.replace(/^\//, ''));
  return source.startsWith('arn:') ? source : `arn:${partition}:s3:::${source}`;
}

const deleteRequestParser = new XMLParser({
  processEntities: true,
  htmlEntities: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Object',
});

/**
 * DeleteObjects is authorised per object: s3:DeleteObject on each key, s3:DeleteObjectVersion on
 * each versioned one. A body that is not well-formed XML names no resources, so enforce mode
 * decides as for an unknown resource (fail closed).
 */
function deletedObjectActions(body: Buffer | undefined, objectArn: (key: string) => string): RequiredAction[] {
  const text = body?.toString('utf8') ?? '';
  const objects: Array<{ Key?: unknown; VersionId?: unknown }> =
    text && XMLValidator.validate(text) === true ? deleteRequestParser.parse(text)?.Delete?.Object ?? [] : [];
  const arns = (versioned: boolean) => objects.filter((o) => (o.VersionId !== undefined) === versioned).map((o) => objectArn(String(o.Key ?? '')));
  const versionedArns = arns(true);
  return [
    { action: 's3:DeleteObject', resources: arns(false), known: true },
    ...(versionedArns.length ? [{ action: 's3:DeleteObjectVersion', resources: versionedArns, known: true }] : []),
  ];
}

/** ARN of the bucket, or of the access point the request went through. */
function containerArn(call: CallDescription, bucket: string | undefined): string | undefined {
  if (call.accessPoint) return `arn:${call.partition}:s3:${call.region}:${call.accessPoint.accountId}:accesspoint/${call.accessPoint.name}`;
  return bucket ? `arn:${call.partition}:s3:::${bucket}` : undefined;
}

function routeMatches(route: S3Route, call: CallDescription, level: string, query: QueryParameters): boolean {
  return (
    route.method === call.method &&
    route.level === level &&
    (route.query ?? []).every((key) => key in query) &&
    (route.header === undefined || call.headers[route.header] !== undefined)
  );
}
