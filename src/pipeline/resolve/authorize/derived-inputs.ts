import type { InputValue } from '../decode/shape-reader.js';
import { partiqlTarget, type PartiqlVerb } from './partiql.js';

/** Where a call is made: the partition and region of its endpoint, the account of the real credentials. */
export interface CallScope {
  partition: string;
  region: string;
  accountId: string | undefined;
}

type Input = { [member: string]: InputValue };
type Derivation = (input: Input, scope: CallScope) => Input | undefined;

/**
 * Values the override table's templates need but no input member holds as such: resource ARNs
 * a service spells in its own way (an S3 copy source, an SQS queue URL, a PartiQL statement, an
 * identifier that may be a name or another account's ARN). Each is named `_<service>` so it never
 * collides with a model member. A value that cannot be read is left out: the resource then counts
 * as unresolved, never as `*`.
 */
const DERIVATIONS: Record<string, Derivation> = {
  s3: deriveS3,
  sqs: (input, scope) => compact({ queueArn: typeof input.QueueUrl === 'string' ? queueArn(input.QueueUrl, scope) : namedQueueArn(input, scope) }),
  dynamodb: deriveDynamoDb,
  lambda: (input, scope) => (typeof input.FunctionName === 'string' ? compact({ functionArn: functionArn(input.FunctionName, input.Qualifier, scope) }) : undefined),
  kms: (input, scope) => (typeof input.KeyId === 'string' ? compact({ keyArn: keyArn(input.KeyId, scope) }) : undefined),
  'secrets-manager': (input, scope) => {
    const id = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : undefined;
    return id === undefined ? undefined : compact({ secretArn: secretArn(id, scope) });
  },
  ssm: deriveSsm,
  ec2: (input, scope) => (Array.isArray(input.Resources) ? compact({ taggedArns: ec2Arns(input.Resources, scope) }) : undefined),
  ecs: deriveEcs,
  efs: (input, scope) => (typeof input.ResourceId === 'string' ? compact({ resourceArn: efsResourceArn(input.ResourceId, scope) }) : undefined),
  'bedrock-runtime': (input, scope) => (typeof input.modelId === 'string' ? compact({ modelArn: bedrockModelArn(input.modelId, scope) }) : undefined),
};

/** The input with the service's derived values added (`_s3`, `_sqs`, `_secretsmanager`, …). */
export function withDerivedInputs(service: string, input: Input, scope: CallScope): Input {
  const derive = Object.hasOwn(DERIVATIONS, service) ? DERIVATIONS[service]! : undefined;
  const derived = derive?.(input, scope);
  // Object.assign, not a spread: V8 copies `{ ...input, more }` on a slow path (about 1 µs).
  return derived ? Object.assign({}, input, { [`_${service.replace(/-/g, '')}`]: derived }) : input;
}

/** The values that are there (not undefined, not an empty list); undefined when none is. */
function compact(values: Record<string, InputValue | undefined>): Input | undefined {
  let out: Input | undefined;
  for (const key in values) {
    const value = values[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) (out ??= {})[key] = value;
  }
  return out;
}

// ── S3: buckets, access points, copy sources, batch deletes ──

function deriveS3(input: Input, scope: CallScope): Input | undefined {
  const bucket = typeof input.Bucket === 'string' ? withMrapOwner(input.Bucket, scope.accountId) : undefined;
  const key = typeof input.Key === 'string' ? input.Key : undefined;
  const derived = bucket === undefined ? {} : s3Arns(bucket, key, scope.partition);
  if (typeof input.CopySource === 'string') {
    const source = copySource(input.CopySource, scope.partition);
    Object.assign(derived, { copySourceObjectArn: source?.objectArn, copySourceAccessPointObjectArn: source?.accessPointObjectArn, copySourceVersionId: source?.versionId });
  }
  if (input.Delete !== undefined) Object.assign(derived, deletedObjects(input, bucket, scope.partition));
  return compact(derived);
}

/**
 * A Multi-Region Access Point's host names its alias but not the account that owns it (its ARN comes
 * without one): the caller's own account is taken, as for the other ARNs a request leaves it out of.
 */
function withMrapOwner(bucket: string, accountId: string | undefined): string | undefined {
  if (!/^arn:[^:]+:s3:::accesspoint\//.test(bucket)) return bucket;
  return accountId === undefined ? undefined : bucket.replace(':s3:::', `:s3::${accountId}:`);
}

/** A bucket is a name, or (through an access-point host or an ARN-valued Bucket) an access point ARN. */
function s3Arns(bucket: string, key: string | undefined, partition: string): Record<string, string | undefined> {
  if (bucket.startsWith('arn:')) {
    return { accessPointArn: bucket, accessPointObjectArn: key === undefined ? undefined : `${bucket}/object/${key}` };
  }
  return { bucketArn: `arn:${partition}:s3:::${bucket}`, objectArn: key === undefined ? undefined : `arn:${partition}:s3:::${bucket}/${key}` };
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=…]` or an access point's `arn:…:accesspoint/name/object/key`, URL-encoded. */
function copySource(header: string, partition: string): { objectArn?: string; accessPointObjectArn?: string; versionId?: string } | undefined {
  const [path = '', query = ''] = header.split('?', 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    return undefined;
  }
  const versions = [...query.matchAll(/(?:^|&)versionId=([^&]*)/g)].map((m) => m[1]);
  // Two versions would be read one way or the other: the source cannot be named.
  if (versions.length > 1) return undefined;
  const versionId = versions[0];
  if (decoded.startsWith('arn:')) return /:accesspoint\/[^/]+\/object\/.+/.test(decoded) ? { accessPointObjectArn: decoded, versionId } : undefined;
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) return undefined;
  return { objectArn: `arn:${partition}:s3:::${decoded}`, versionId };
}

/** DeleteObjects needs s3:DeleteObject on each plain key and s3:DeleteObjectVersion on each versioned one. */
function deletedObjects(input: Input, bucket: string | undefined, partition: string): Record<string, InputValue | undefined> {
  const objects = (input.Delete as Input | undefined)?.Objects;
  if (bucket === undefined || !Array.isArray(objects)) return {};
  const arnOf = (object: InputValue) => {
    const key = (object as Input | null)?.Key;
    if (typeof key !== 'string') return undefined;
    const arns = s3Arns(bucket, key, partition);
    return arns.objectArn ?? arns.accessPointObjectArn;
  };
  const versioned = (object: InputValue) => (object as Input | null)?.VersionId !== undefined;
  const plain = objects.filter((o) => !versioned(o)).map(arnOf);
  const withVersion = objects.filter(versioned).map(arnOf);
  // One object whose key cannot be read makes the whole batch's resources unresolved.
  if (plain.includes(undefined) || withVersion.includes(undefined)) return {};
  return { deletedObjectArns: plain as string[], deletedVersionArns: withVersion as string[] };
}

// ── DynamoDB: batch tables and PartiQL statements ──

function deriveDynamoDb(input: Input): Input | undefined {
  const requestItems = input.RequestItems;
  const tables = requestItems && typeof requestItems === 'object' && !Array.isArray(requestItems) ? Object.keys(requestItems) : undefined;
  const statements = [
    input.Statement,
    ...(Array.isArray(input.Statements) ? input.Statements.map((s) => (s as Input | null)?.Statement) : []),
    ...(Array.isArray(input.TransactStatements) ? input.TransactStatements.map((s) => (s as Input | null)?.Statement) : []),
  ].filter((s) => s !== undefined);
  const partiql = statements.length ? partiqlTables(statements) : undefined;
  return compact(Object.assign({ tables }, partiql));
}

/**
 * The verb (PartiQLSelect/Insert/Update/Delete) and table of each statement (see partiql.ts). A
 * statement that does not read as one of the four is recorded under `unparsed`, which the
 * override table maps to an unresolved action.
 */
function partiqlTables(statements: InputValue[]): Input {
  const found: Record<PartiqlVerb, string[]> = { select: [], insert: [], update: [], delete: [] };
  let unparsed = 0;
  for (const statement of statements) {
    const target = typeof statement === 'string' ? partiqlTarget(statement) : undefined;
    if (target) found[target.verb].push(target.table);
    else unparsed++;
  }
  return compact({ partiqlSelect: found.select, partiqlInsert: found.insert, partiqlUpdate: found.update, partiqlDelete: found.delete, partiqlUnparsed: unparsed ? String(unparsed) : undefined }) ?? {};
}

// ── Identifiers that may be another account's ARN ──

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or the legacy queue.amazonaws.com forms). */
function queueArn(url: string, scope: CallScope): string | undefined {
  const match = /^https?:\/\/([^/]+)\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/.exec(url);
  if (!match) return undefined;
  const region = /^sqs\.([a-z0-9-]+)\./.exec(match[1]!)?.[1] ?? /^([a-z0-9-]+)\.queue\./.exec(match[1]!)?.[1] ?? scope.region;
  return `arn:${scope.partition}:sqs:${region}:${match[2]}:${match[3]}`;
}

/** CreateQueue and GetQueueUrl name a queue (and, for another account's, its owner). */
function namedQueueArn(input: Input, scope: CallScope): string | undefined {
  const owner = typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : scope.accountId;
  return typeof input.QueueName === 'string' && owner ? `arn:${scope.partition}:sqs:${scope.region}:${owner}:${input.QueueName}` : undefined;
}

/** A function name, `name:qualifier`, `account:function:name[:qualifier]` or a full ARN; the qualifier stays (IAM tells them apart). */
function functionArn(name: string, qualifier: InputValue | undefined, scope: CallScope): string | undefined {
  const full = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(name);
  const partial = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(name);
  const plain = /^([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(name);
  const [partition, region, account, fn, own] = full
    ? [full[1], full[2], full[3], full[4], full[5]]
    : partial
      ? [scope.partition, scope.region, partial[1], partial[2], partial[3]]
      : plain
        ? [scope.partition, scope.region, scope.accountId, plain[1], plain[2]]
        : [];
  if (!fn || !account) return undefined;
  const version = own ?? (typeof qualifier === 'string' ? qualifier : undefined);
  return `arn:${partition}:lambda:${region}:${account}:function:${fn}${version ? `:${version}` : ''}`;
}

/** A key id or key ARN names a key; an alias does not name one the proxy can see (AWS resolves it). */
function keyArn(keyId: string, scope: CallScope): string | undefined {
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(keyId)) return keyId;
  if (/^(mrk-)?[0-9a-f-]{32,36}$/.test(keyId) && scope.accountId) return `arn:${scope.partition}:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
  return undefined;
}

/** A secret ARN names itself; a name stands for the secret ARN with AWS's six random characters unknown (`-??????`). */
function secretArn(secretId: string, scope: CallScope): string | undefined {
  if (/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+$/.test(secretId)) return secretId;
  if (!/^[A-Za-z0-9/_+=.@-]+$/.test(secretId) || !scope.accountId) return undefined;
  return `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.accountId}:secret:${secretId}-??????`;
}

// ── SSM parameters: ARNs name them without their leading slash ──

/** Parameter ARNs: a name (with or without its leading slash) in the caller's account, or a (shared) parameter's own ARN. */
function deriveSsm(input: Input, scope: CallScope): Input | undefined {
  const arnOf = (name: InputValue) => {
    if (typeof name !== 'string' || !scope.accountId) return undefined;
    // A `:3` or `:label` selector picks a version of the parameter; IAM names the parameter.
    if (name.startsWith('arn:')) return name.replace(/(:parameter\/[^:]*):[^:/]+$/, '$1');
    return `arn:${scope.partition}:ssm:${scope.region}:${scope.accountId}:parameter/${name.replace(/^\//, '').split(':')[0]}`;
  };
  const names = typeof input.Name === 'string' ? [input.Name] : Array.isArray(input.Names) ? input.Names : [];
  // GetParametersByPath is authorized on the path itself.
  const path = typeof input.Path === 'string' ? [input.Path.replace(/\/$/, '')] : [];
  const arns = [...names, ...path].map(arnOf);
  return arns.includes(undefined) ? undefined : compact({ parameterArns: arns as string[] });
}

// ── EC2 resource ids (CreateTags, DeleteTags): the id's prefix tells the resource type ──

/** Id prefix → SAR resource type, and whether its ARN has the account (AMIs and snapshots do not). */
const EC2_ID_TYPES: Array<[prefix: string, type: string, accountless?: true]> = [
  ['i-', 'instance'], ['vol-', 'volume'], ['snap-', 'snapshot', true], ['ami-', 'image', true], ['sg-', 'security-group'],
  ['subnet-', 'subnet'], ['vpc-', 'vpc'], ['eni-', 'network-interface'], ['igw-', 'internet-gateway'], ['rtb-', 'route-table'],
  ['acl-', 'network-acl'], ['eipalloc-', 'elastic-ip'], ['nat-', 'natgateway'], ['lt-', 'launch-template'], ['pcx-', 'vpc-peering-connection'],
  ['vpce-', 'vpc-endpoint'], ['tgw-attach-', 'transit-gateway-attachment'], ['tgw-rtb-', 'transit-gateway-route-table'], ['tgw-', 'transit-gateway'],
  ['dopt-', 'dhcp-options'], ['key-', 'key-pair'], ['fleet-', 'fleet'], ['sir-', 'spot-instances-request'], ['cgw-', 'customer-gateway'],
  ['vgw-', 'vpn-gateway'], ['vpn-', 'vpn-connection'], ['h-', 'dedicated-host'], ['cr-', 'capacity-reservation'], ['eigw-', 'egress-only-internet-gateway'],
  ['pl-', 'prefix-list'], ['fl-', 'vpc-flow-log'], ['pg-', 'placement-group'], ['sgr-', 'security-group-rule'],
];

function ec2Arns(ids: InputValue[], scope: CallScope): string[] | undefined {
  const arns = ids.map((id) => {
    const known = typeof id === 'string' ? EC2_ID_TYPES.find(([prefix]) => id.startsWith(prefix)) : undefined;
    if (!known || (!known[2] && !scope.accountId)) return undefined;
    return `arn:${scope.partition}:ec2:${scope.region}:${known[2] ? '' : scope.accountId}:${known[1]}/${String(id)}`;
  });
  return arns.includes(undefined) ? undefined : (arns as string[]);
}

// ── Bedrock model ids ──

/** A model ARN names itself; a cross-region inference profile id (`us.…`) names a profile; else a foundation model. */
function bedrockModelArn(modelId: string, scope: CallScope): string | undefined {
  if (/^arn:[^:]+:bedrock:/.test(modelId)) return modelId;
  if (!/^[a-z0-9.:-]+$/i.test(modelId)) return undefined;
  if (/^(us|eu|apac|us-gov|ca|jp|au|global)\.[a-z0-9-]+\./.test(modelId)) {
    return scope.accountId ? `arn:${scope.partition}:bedrock:${scope.region}:${scope.accountId}:inference-profile/${modelId}` : undefined;
  }
  return `arn:${scope.partition}:bedrock:${scope.region}::foundation-model/${modelId}`;
}

// ── ECS services: in the cluster the request names, or the default cluster ──

/** The cluster's name (`cluster` as a name or an ARN; absent: `default`) and the services' names. */
function deriveEcs(input: Input): Input | undefined {
  const tail = (value: InputValue | undefined) => (typeof value === 'string' ? value.slice(value.lastIndexOf('/') + 1) : undefined);
  const cluster = input.cluster === undefined ? 'default' : tail(input.cluster);
  const named = [input.serviceName, input.service, ...(Array.isArray(input.services) ? input.services : [])].filter((s) => s !== undefined);
  const services = named.map(tail);
  if (cluster === undefined || services.includes(undefined)) return undefined;
  return compact({ cluster, services: services as string[] });
}

/** An EFS resource id names a file system (`fs-…`) or an access point (`fsap-…`). */
function efsResourceArn(id: string, scope: CallScope): string | undefined {
  if (id.startsWith('arn:')) return id;
  const type = /^fsap-[0-9a-f]+$/.test(id) ? 'access-point' : /^fs-[0-9a-f]+$/.test(id) ? 'file-system' : undefined;
  return type && scope.accountId ? `arn:${scope.partition}:elasticfilesystem:${scope.region}:${scope.accountId}:${type}/${id}` : undefined;
}
