/**
 * The specification services.test.ts checks: for each call a real client makes through the proxy,
 * the operation and exactly the IAM authorizations (action → resource ARNs) the action log must hold.
 *
 * Expected values come from AWS's documentation of what IAM checks (the Service Authorization
 * Reference and each operation's "Permissions" / "Required permissions" section), never from an
 * implementation. Calls whose authorization AWS leaves unclear are left out (see the list at the end).
 * An action with `[]` applies to no resource type (IAM evaluates it against "*").
 */
import { expect } from 'vitest';

export type Client = 'cli' | 'boto3' | 'js';

/** An action whose resource the request cannot name (an id AWS has yet to choose, an alias's key, ...). */
export interface CannotName {
  cannotName: string;
}

export interface Scenario {
  client: Client;
  /** The service's id: its AWS API model directory (s3-control, cloudwatch-logs, route-53, ...). */
  service: string;
  /** The operation the log must name; boto3 and the JS SDK call exactly this operation. */
  operation: string;
  /** AWS CLI: the arguments after `aws` (`${TMP}` is a scratch directory); SDKs: the operation's input. */
  call: string[] | Record<string, unknown>;
  /** Action → the resource ARNs it is authorized against, exactly. */
  authorizations: Record<string, string[] | CannotName>;
  /** Part of what the client must get back (S3/SQS/KMS/Bedrock answers it needs to go on). */
  returns?: Record<string, unknown>;
  /** The JS SDK told to speak another protocol its service supports (rpcv2Cbor for CloudWatch). */
  protocol?: string;
}

export const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const arn = (service: string, resource: string): string => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const s3 = (path: string): string => `arn:aws:s3:::${path}`;
const table = (name: string): string => arn('dynamodb', `table/${name}`);
const queue = (name: string): string => arn('sqs', name);
const topic = (name: string): string => arn('sns', name);
const role = (nameWithPath: string): string => `arn:aws:iam::${ACCOUNT}:role/${nameWithPath}`;
const instance = (id: string): string => arn('ec2', `instance/${id}`);
const volume = (id: string): string => arn('ec2', `volume/${id}`);
const key = (id: string): string => arn('kms', `key/${id}`);
const fn = (name: string): string => arn('lambda', `function:${name}`);
const parameter = (nameWithoutLeadingSlash: string): string => arn('ssm', `parameter/${nameWithoutLeadingSlash}`);
const alarm = (name: string): string => arn('cloudwatch', `alarm:${name}`);
const logStream = (group: string, stream: string): string => arn('logs', `log-group:${group}:log-stream:${stream}`);
const hostedZone = (id: string): string => `arn:aws:route53:::hostedzone/${id}`;
const foundationModel = (id: string): string => `arn:aws:bedrock:${REGION}::foundation-model/${id}`;
const cannotName = (why: string): CannotName => ({ cannotName: why });
const bytes = (text: string): { $bytes: string } => ({ $bytes: text });

const row =
  (client: Client) =>
  (service: string, operation: string, call: Scenario['call'], authorizations: Scenario['authorizations'], returns?: Scenario['returns']): Scenario => ({
    client,
    service,
    operation,
    call,
    authorizations,
    ...(returns ? { returns } : {}),
  });
const cli = row('cli');
const boto3 = row('boto3');
const js = row('js');

// Names shared by the calls. Objects the calls read are seeded into the fake first (SEEDED_OBJECTS).
const CLI_KEY = 'reports/Q1 résumé+final=v2.txt';
const JOBS_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/jobs`;
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
});
const NEW_KEY = cannotName('the new key id is chosen by KMS');
const RECORD_CHANGE = (name: string) => ({
  Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: name, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"agent"' }] } }],
});

export const SEEDED_OBJECTS: Record<string, string> = { [`iap-data/${CLI_KEY}`]: 'quarterly report' };

export const SCENARIOS: Scenario[] = [
  // ---- AWS CLI v2 (Debian 2.9: SQS and CloudWatch over the query protocol)
  cli('s3', 'PutObject', ['s3api', 'put-object', '--bucket', 'iap-data', '--key', CLI_KEY, '--body', '${TMP}/upload.txt', '--tagging', 'team=agents&stage=test'], {
    's3:PutObject': [s3(`iap-data/${CLI_KEY}`)],
    's3:PutObjectTagging': [s3(`iap-data/${CLI_KEY}`)],
  }),
  cli('s3', 'CopyObject', ['s3api', 'copy-object', '--bucket', 'iap-archive', '--key', '2024/copy of résumé.txt', '--copy-source', `iap-data/${CLI_KEY}`], {
    's3:GetObject': [s3(`iap-data/${CLI_KEY}`)],
    's3:PutObject': [s3('iap-archive/2024/copy of résumé.txt')],
  }, { CopyObjectResult: { ETag: expect.any(String) } }),
  cli('s3-control', 'PutPublicAccessBlock', ['s3control', 'put-public-access-block', '--account-id', ACCOUNT, '--public-access-block-configuration', 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'], {
    's3:PutAccountPublicAccessBlock': [],
  }),
  cli('dynamodb', 'TransactWriteItems', ['dynamodb', 'transact-write-items', '--transact-items', JSON.stringify([
    { Put: { TableName: 'Orders', Item: { pk: { S: 'o-1' } } } },
    { Update: { TableName: 'Orders', Key: { pk: { S: 'o-2' } }, UpdateExpression: 'SET shipped = :t', ExpressionAttributeValues: { ':t': { BOOL: true } } } },
    { Delete: { TableName: 'Audit', Key: { pk: { S: 'a-1' } } } },
    { ConditionCheck: { TableName: 'Inventory', Key: { sku: { S: 's-1' } }, ConditionExpression: 'attribute_exists(sku)' } },
  ])], {
    'dynamodb:PutItem': [table('Orders')],
    'dynamodb:UpdateItem': [table('Orders')],
    'dynamodb:DeleteItem': [table('Audit')],
    'dynamodb:ConditionCheckItem': [table('Inventory')],
  }),
  cli('sqs', 'SendMessage', ['sqs', 'send-message', '--queue-url', JOBS_URL, '--message-body', 'hello from the cli'], { 'sqs:SendMessage': [queue('jobs')] }),
  cli('sns', 'Publish', ['sns', 'publish', '--topic-arn', topic('alerts'), '--message', 'disk full'], { 'sns:Publish': [topic('alerts')] }),
  cli('sts', 'GetCallerIdentity', ['sts', 'get-caller-identity'], { 'sts:GetCallerIdentity': [] }, { Account: ACCOUNT }),
  cli('iam', 'CreateRole', ['iam', 'create-role', '--role-name', 'agent-runner', '--path', '/agents/', '--assume-role-policy-document', TRUST, '--tags', 'Key=team,Value=agents'], {
    'iam:CreateRole': [role('agents/agent-runner')],
    'iam:TagRole': [role('agents/agent-runner')],
  }),
  cli('ec2', 'StopInstances', ['ec2', 'stop-instances', '--instance-ids', 'i-0123456789abcdef0', 'i-0fedcba9876543210'], {
    'ec2:StopInstances': [instance('i-0123456789abcdef0'), instance('i-0fedcba9876543210')],
  }),
  cli('kms', 'CreateKey', ['kms', 'create-key', '--description', 'agent data', '--policy', KEY_POLICY, '--tags', 'TagKey=team,TagValue=agents'], {
    'kms:CreateKey': [],
    'kms:PutKeyPolicy': NEW_KEY,
    'kms:TagResource': NEW_KEY,
  }, { KeyMetadata: expect.objectContaining({ KeyId: expect.any(String) }) }),
  cli('lambda', 'Invoke', ['lambda', 'invoke', '--function-name', 'agent-tool', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"task":"ping"}', '${TMP}/invoke-out.json'], {
    'lambda:InvokeFunction': [fn('agent-tool')],
  }, { StatusCode: 200 }),
  cli('ssm', 'GetParameter', ['ssm', 'get-parameter', '--name', '/app/db/password'], { 'ssm:GetParameter': [parameter('app/db/password')] }),
  cli('secrets-manager', 'GetSecretValue', ['secretsmanager', 'get-secret-value', '--secret-id', 'prod/db'], {
    // A name stands for the ARN with AWS's random six-character suffix unknown: policies name secrets `name-*` or `name-??????`.
    'secretsmanager:GetSecretValue': [arn('secretsmanager', 'secret:prod/db-??????')],
  }),
  cli('cloudwatch', 'PutMetricAlarm', ['cloudwatch', 'put-metric-alarm', '--alarm-name', 'agent-errors', '--namespace', 'Agents', '--metric-name', 'Errors', '--statistic', 'Sum', '--period', '60', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanOrEqualToThreshold'], {
    'cloudwatch:PutMetricAlarm': [alarm('agent-errors')],
  }),
  cli('cloudwatch-logs', 'PutLogEvents', ['logs', 'put-log-events', '--log-group-name', '/agents/runner', '--log-stream-name', '2024/06/01/run-1', '--log-events', 'timestamp=1717200000000,message=hello'], {
    'logs:PutLogEvents': [logStream('/agents/runner', '2024/06/01/run-1')],
  }),
  cli('route-53', 'ChangeResourceRecordSets', ['route53', 'change-resource-record-sets', '--hosted-zone-id', `/hostedzone/${ZONE}`, '--change-batch', JSON.stringify(RECORD_CHANGE('cli.example.com'))], {
    'route53:ChangeResourceRecordSets': [hostedZone(ZONE)],
  }, { ChangeInfo: expect.objectContaining({ Status: 'PENDING' }) }),
  cli('bedrock-runtime', 'InvokeModel', ['bedrock-runtime', 'invoke-model', '--model-id', HAIKU, '--cli-binary-format', 'raw-in-base64-out', '--content-type', 'application/json', '--body', '{"prompt":"hi"}', '${TMP}/model-out.json'], {
    'bedrock:InvokeModel': [foundationModel(HAIKU)],
  }, { contentType: 'application/json' }),

  // ---- boto3 (Debian 1.26: SQS and CloudWatch over the query protocol; S3 path-style for a dotted bucket)
  boto3('s3', 'ListBuckets', {}, { 's3:ListAllMyBuckets': [] }),
  boto3('s3', 'PutObject', { Bucket: 'iap.dotted.bucket', Key: 'uploads/a b/ü+=.txt', Body: 'hello' }, { 's3:PutObject': [s3('iap.dotted.bucket/uploads/a b/ü+=.txt')] }),
  boto3('s3', 'ListObjectsV2', { Bucket: 'iap-data', Prefix: 'reports/' }, { 's3:ListBucket': [s3('iap-data')] }),
  boto3('s3', 'HeadObject', { Bucket: 'iap-data', Key: CLI_KEY }, { 's3:GetObject': [s3(`iap-data/${CLI_KEY}`)] }),
  boto3('s3', 'DeleteObjects', { Bucket: 'iap-data', Delete: { Objects: [{ Key: 'tmp/a.txt' }, { Key: 'tmp/b c+d=é.txt' }] } }, {
    's3:DeleteObject': [s3('iap-data/tmp/a.txt'), s3('iap-data/tmp/b c+d=é.txt')],
  }, { Deleted: [{ Key: 'tmp/a.txt' }, { Key: 'tmp/b c+d=é.txt' }] }),
  boto3('s3-control', 'GetPublicAccessBlock', { AccountId: ACCOUNT }, { 's3:GetAccountPublicAccessBlock': [] }, {
    PublicAccessBlockConfiguration: expect.objectContaining({ BlockPublicAcls: true }),
  }),
  boto3('dynamodb', 'BatchWriteItem', {
    RequestItems: {
      Orders: [{ PutRequest: { Item: { pk: { S: 'o-2' } } } }, { DeleteRequest: { Key: { pk: { S: 'o-3' } } } }],
      Audit: [{ PutRequest: { Item: { pk: { S: 'a-2' } } } }],
    },
  }, { 'dynamodb:BatchWriteItem': [table('Orders'), table('Audit')] }),
  boto3('dynamodb', 'BatchGetItem', { RequestItems: { Orders: { Keys: [{ pk: { S: 'o-1' } }] }, Customers: { Keys: [{ pk: { S: 'c-1' } }] } } }, {
    'dynamodb:BatchGetItem': [table('Orders'), table('Customers')],
  }),
  boto3('dynamodb', 'TransactGetItems', {
    TransactItems: [{ Get: { TableName: 'Orders', Key: { pk: { S: 'o-1' } } } }, { Get: { TableName: 'Customers', Key: { pk: { S: 'c-1' } } } }],
  }, { 'dynamodb:GetItem': [table('Orders'), table('Customers')] }),
  boto3('dynamodb', 'ExecuteStatement', { Statement: 'SELECT * FROM "Orders" WHERE pk = ?', Parameters: [{ S: 'o-1' }] }, { 'dynamodb:PartiQLSelect': [table('Orders')] }),
  boto3('dynamodb', 'Query', { TableName: 'Orders', IndexName: 'byCustomer', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'c-1' } } }, {
    'dynamodb:Query': [`${table('Orders')}/index/byCustomer`],
  }),
  boto3('sqs', 'GetQueueUrl', { QueueName: 'jobs' }, { 'sqs:GetQueueUrl': [queue('jobs')] }, { QueueUrl: JOBS_URL }),
  boto3('sqs', 'SendMessageBatch', { QueueUrl: JOBS_URL, Entries: [{ Id: '1', MessageBody: 'one' }, { Id: '2', MessageBody: 'two' }] }, { 'sqs:SendMessage': [queue('jobs')] }),
  boto3('sqs', 'ListQueues', {}, { 'sqs:ListQueues': [] }),
  boto3('sns', 'CreateTopic', { Name: 'alerts' }, { 'sns:CreateTopic': [topic('alerts')] }),
  boto3('sts', 'AssumeRole', { RoleArn: role('deployer'), RoleSessionName: 'agent' }, { 'sts:AssumeRole': [role('deployer')] }),
  boto3('iam', 'GetRole', { RoleName: 'deployer' }, { 'iam:GetRole': [role('deployer')] }),
  boto3('iam', 'AttachRolePolicy', { RoleName: 'deployer', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { 'iam:AttachRolePolicy': [role('deployer')] }),
  boto3('ec2', 'CreateVolume', { AvailabilityZone: 'us-east-1a', Size: 8, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'team', Value: 'agents' }] }] }, {
    'ec2:CreateVolume': cannotName('the new volume id is chosen by EC2'),
    'ec2:CreateTags': cannotName('the new volume id is chosen by EC2'),
  }),
  boto3('ec2', 'CreateTags', { Resources: ['i-0123456789abcdef0', 'vol-0123456789abcdef0'], Tags: [{ Key: 'team', Value: 'agents' }] }, {
    'ec2:CreateTags': [instance('i-0123456789abcdef0'), volume('vol-0123456789abcdef0')],
  }),
  boto3('ec2', 'DescribeInstances', {}, { 'ec2:DescribeInstances': [] }),
  boto3('kms', 'DescribeKey', { KeyId: key(KEY_ID) }, { 'kms:DescribeKey': [key(KEY_ID)] }),
  boto3('lambda', 'CreateFunction', { FunctionName: 'agent-tool', Runtime: 'python3.12', Role: role('lambda-exec'), Handler: 'index.handler', Code: { ZipFile: bytes('PK\u0005\u0006') } }, {
    'lambda:CreateFunction': [fn('agent-tool')],
    'iam:PassRole': [role('lambda-exec')],
  }),
  boto3('lambda', 'GetFunction', { FunctionName: fn('agent-tool') }, { 'lambda:GetFunction': [fn('agent-tool')] }),
  boto3('ssm', 'GetParametersByPath', { Path: '/app/config', Recursive: true }, { 'ssm:GetParametersByPath': [parameter('app/config')] }),
  boto3('ssm', 'GetParameters', { Names: ['/app/db/user', 'feature-flag'] }, { 'ssm:GetParameters': [parameter('app/db/user'), parameter('feature-flag')] }),
  boto3('secrets-manager', 'GetSecretValue', { SecretId: arn('secretsmanager', 'secret:prod/db-AbCdEf') }, {
    'secretsmanager:GetSecretValue': [arn('secretsmanager', 'secret:prod/db-AbCdEf')],
  }),
  boto3('cloudwatch', 'PutMetricData', { Namespace: 'Agents', MetricData: [{ MetricName: 'Calls', Value: 1, Dimensions: [{ Name: 'agent', Value: 'boto3' }] }] }, { 'cloudwatch:PutMetricData': [] }),
  boto3('cloudwatch', 'DeleteAlarms', { AlarmNames: ['agent-errors', 'agent-latency'] }, { 'cloudwatch:DeleteAlarms': [alarm('agent-errors'), alarm('agent-latency')] }),
  boto3('cloudwatch-logs', 'GetLogEvents', { logGroupName: '/agents/runner', logStreamName: '2024/06/01/run-1' }, {
    'logs:GetLogEvents': [logStream('/agents/runner', '2024/06/01/run-1')],
  }),
  boto3('cloudwatch-logs', 'PutLogEvents', { logGroupName: '/agents/runner', logStreamName: 'run 2', logEvents: [{ timestamp: 1717200000000, message: 'hi' }] }, {
    'logs:PutLogEvents': [logStream('/agents/runner', 'run 2')],
  }),
  boto3('route-53', 'ListHostedZones', {}, { 'route53:ListHostedZones': [] }),
  boto3('route-53', 'GetHostedZone', { Id: ZONE }, { 'route53:GetHostedZone': [hostedZone(ZONE)] }),
  boto3('bedrock-runtime', 'InvokeModel', { modelId: 'amazon.titan-text-express-v1', contentType: 'application/json', body: bytes('{"inputText":"hi"}') }, {
    'bedrock:InvokeModel': [foundationModel('amazon.titan-text-express-v1')],
  }, { body: expect.stringContaining('Hello from the fake model') }),

  // ---- AWS SDK for JavaScript v3 (SQS and CloudWatch over JSON 1.0; CloudWatch with x-amzn-query-mode)
  js('s3', 'PutObject', { Bucket: 'iap-data', Key: 'js/a+b=c ü.txt', Body: 'from js' }, { 's3:PutObject': [s3('iap-data/js/a+b=c ü.txt')] }),
  js('s3', 'GetObject', { Bucket: 'iap-data', Key: 'js/a+b=c ü.txt' }, { 's3:GetObject': [s3('iap-data/js/a+b=c ü.txt')] }, { Body: 'from js' }),
  js('s3', 'DeleteObject', { Bucket: 'iap-archive', Key: '2024/old report.txt' }, { 's3:DeleteObject': [s3('iap-archive/2024/old report.txt')] }),
  js('s3-control', 'PutPublicAccessBlock', {
    AccountId: ACCOUNT,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }, { 's3:PutAccountPublicAccessBlock': [] }),
  js('s3-control', 'GetPublicAccessBlock', { AccountId: ACCOUNT }, { 's3:GetAccountPublicAccessBlock': [] }),
  js('dynamodb', 'TransactWriteItems', {
    TransactItems: [{ Put: { TableName: 'Orders', Item: { pk: { S: 'o-9' } } } }, { Delete: { TableName: 'Audit', Key: { pk: { S: 'a-9' } } } }],
  }, { 'dynamodb:PutItem': [table('Orders')], 'dynamodb:DeleteItem': [table('Audit')] }),
  js('dynamodb', 'ExecuteStatement', { Statement: `UPDATE "Orders" SET status = 'shipped' WHERE pk = 'o-1'` }, { 'dynamodb:PartiQLUpdate': [table('Orders')] }),
  js('dynamodb', 'GetItem', { TableName: 'Customers', Key: { pk: { S: 'c-1' } } }, { 'dynamodb:GetItem': [table('Customers')] }),
  js('sqs', 'CreateQueue', { QueueName: 'agent-jobs', tags: { team: 'agents' } }, {
    'sqs:CreateQueue': [queue('agent-jobs')],
    'sqs:TagQueue': [queue('agent-jobs')],
  }, { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/agent-jobs` }),
  js('sqs', 'GetQueueUrl', { QueueName: 'jobs' }, { 'sqs:GetQueueUrl': [queue('jobs')] }, { QueueUrl: JOBS_URL }),
  js('sqs', 'SendMessage', { QueueUrl: JOBS_URL, MessageBody: 'hello from js' }, { 'sqs:SendMessage': [queue('jobs')] }),
  js('sqs', 'DeleteMessage', { QueueUrl: JOBS_URL, ReceiptHandle: 'AQEBexample==' }, { 'sqs:DeleteMessage': [queue('jobs')] }),
  js('sns', 'PublishBatch', { TopicArn: topic('alerts'), PublishBatchRequestEntries: [{ Id: '1', Message: 'a' }, { Id: '2', Message: 'b' }] }, { 'sns:Publish': [topic('alerts')] }),
  js('sts', 'GetCallerIdentity', {}, { 'sts:GetCallerIdentity': [] }, { Account: ACCOUNT }),
  js('iam', 'CreateRole', { RoleName: 'js-runner', AssumeRolePolicyDocument: TRUST }, { 'iam:CreateRole': [role('js-runner')] }),
  js('iam', 'ListRoles', {}, { 'iam:ListRoles': [] }),
  js('ec2', 'RunInstances', {
    ImageId: 'ami-0abcdef1234567890', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'agents' }] }],
  }, {
    'ec2:RunInstances': cannotName('the new instance id is chosen by EC2 (and the network interface, volume and subnet are defaults)'),
    'ec2:CreateTags': cannotName('the new instance id is chosen by EC2'),
  }),
  js('ec2', 'AttachVolume', { Device: '/dev/sdf', InstanceId: 'i-0123456789abcdef0', VolumeId: 'vol-0123456789abcdef0' }, {
    'ec2:AttachVolume': [instance('i-0123456789abcdef0'), volume('vol-0123456789abcdef0')],
  }),
  js('kms', 'CreateKey', { Description: 'js key', Policy: KEY_POLICY }, { 'kms:CreateKey': [], 'kms:PutKeyPolicy': NEW_KEY }),
  js('kms', 'Decrypt', { KeyId: key(KEY_ID), CiphertextBlob: bytes('opaque ciphertext') }, { 'kms:Decrypt': [key(KEY_ID)] }),
  js('kms', 'GenerateDataKey', { KeyId: 'alias/agent-data', KeySpec: 'AES_256' }, {
    'kms:GenerateDataKey': cannotName('an alias: IAM checks the key it points to'),
  }),
  js('lambda', 'Invoke', { FunctionName: 'agent-tool', Payload: bytes('{"task":"ping"}') }, { 'lambda:InvokeFunction': [fn('agent-tool')] }),
  js('lambda', 'ListFunctions', {}, { 'lambda:ListFunctions': [] }),
  js('ssm', 'GetParameter', { Name: 'feature-flag' }, { 'ssm:GetParameter': [parameter('feature-flag')] }),
  js('ssm', 'PutParameter', { Name: '/app/db/password', Value: 'not-a-secret', Type: 'String', Overwrite: true }, { 'ssm:PutParameter': [parameter('app/db/password')] }),
  js('secrets-manager', 'CreateSecret', { Name: 'prod/api-key', SecretString: 'not-a-secret', Tags: [{ Key: 'team', Value: 'agents' }] }, {
    'secretsmanager:CreateSecret': [arn('secretsmanager', 'secret:prod/api-key-??????')],
    'secretsmanager:TagResource': [arn('secretsmanager', 'secret:prod/api-key-??????')],
  }),
  js('secrets-manager', 'ListSecrets', {}, { 'secretsmanager:ListSecrets': [] }),
  js('cloudwatch', 'PutMetricData', { Namespace: 'Agents', MetricData: [{ MetricName: 'Calls', Value: 1 }] }, { 'cloudwatch:PutMetricData': [] }),
  js('cloudwatch', 'PutMetricAlarm', {
    AlarmName: 'agent-latency', Namespace: 'Agents', MetricName: 'Latency', Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 500,
    ComparisonOperator: 'GreaterThanThreshold',
  }, { 'cloudwatch:PutMetricAlarm': [alarm('agent-latency')] }),
  js('cloudwatch', 'SetAlarmState', { AlarmName: 'agent-errors', StateValue: 'ALARM', StateReason: 'test' }, { 'cloudwatch:SetAlarmState': [alarm('agent-errors')] }),
  // CloudWatch's third protocol, as the JS SDK speaks it when configured with AwsSmithyRpcV2CborProtocol.
  { ...js('cloudwatch', 'ListMetrics', { Namespace: 'Agents' }, { 'cloudwatch:ListMetrics': [] }), protocol: 'rpcv2Cbor' },
  { ...js('cloudwatch', 'DescribeAlarms', { AlarmNames: ['agent-errors'] }, { 'cloudwatch:DescribeAlarms': [alarm('agent-errors')] }), protocol: 'rpcv2Cbor' },
  js('cloudwatch-logs', 'PutLogEvents', { logGroupName: '/agents/runner', logStreamName: 'js', logEvents: [{ timestamp: 1717200000000, message: 'hi' }] }, {
    'logs:PutLogEvents': [logStream('/agents/runner', 'js')],
  }),
  js('cloudwatch-logs', 'DescribeLogGroups', { logGroupNamePrefix: '/agents' }, { 'logs:DescribeLogGroups': [] }),
  js('route-53', 'ChangeResourceRecordSets', { HostedZoneId: `/hostedzone/${ZONE}`, ChangeBatch: RECORD_CHANGE('js.example.com') }, {
    'route53:ChangeResourceRecordSets': [hostedZone(ZONE)],
  }),
  js('route-53', 'GetHostedZone', { Id: ZONE }, { 'route53:GetHostedZone': [hostedZone(ZONE)] }),
  js('bedrock-runtime', 'InvokeModel', { modelId: HAIKU, contentType: 'application/json', accept: 'application/json', body: bytes('{"prompt":"hi"}') }, {
    'bedrock:InvokeModel': [foundationModel(HAIKU)],
  }, { body: expect.stringContaining('Hello from the fake model') }),
  js('bedrock-runtime', 'Converse', { modelId: 'amazon.nova-lite-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, {
    'bedrock:InvokeModel': [foundationModel('amazon.nova-lite-v1:0')],
  }, { stopReason: 'end_turn' }),
];

/** The protocol (Smithy's name) each client here speaks to each service: SQS and CloudWatch differ by client. */
export function wireProtocol({ client, service, protocol }: Scenario): string {
  if (protocol) return protocol;
  if (['s3', 's3-control', 'route-53'].includes(service)) return 'restXml';
  if (['lambda', 'bedrock-runtime'].includes(service)) return 'restJson1';
  if (service === 'ec2') return 'ec2Query';
  if (['sns', 'sts', 'iam'].includes(service)) return 'awsQuery';
  if (['sqs', 'cloudwatch'].includes(service)) return client === 'js' ? 'awsJson1_0' : 'awsQuery';
  return service === 'dynamodb' ? 'awsJson1_0' : 'awsJson1_1';
}

/** Every action above whose resource the request cannot name: only its presence is checked. */
export const RESOURCES_THE_PROXY_CANNOT_NAME = SCENARIOS.flatMap((scenario) =>
  Object.entries(scenario.authorizations)
    .filter((entry): entry is [string, CannotName] => !Array.isArray(entry[1]))
    .map(([action, { cannotName: why }]) => ({ scenario, action, why })),
);

/*
 * Left out, because AWS's documentation does not settle what IAM checks:
 * - CloudWatch Logs actions on a log group (CreateLogGroup, DescribeLogStreams, FilterLogEvents): the
 *   Service Authorization Reference gives `log-group:NAME`, the Logs guide and the ARNs Logs returns
 *   end in `log-group:NAME:*`. Log-stream actions (PutLogEvents, GetLogEvents) are unambiguous.
 * - S3 GetObject with a versionId: s3:GetObjectVersion, and whether s3:GetObject is needed as well.
 * - STS AssumeRole with Tags (sts:TagSession is granted in the role's trust policy, on the role).
 * - DynamoDB PartiQL on an index ("Table"."Index"): index ARN alone, or the table's too.
 * - Lambda calls with a qualifier (version or alias) and Bedrock inference profiles (the profile and
 *   the foundation models it routes to in several Regions).
 * - SSM GetParameter --with-decryption and Secrets Manager with a customer key (kms:Decrypt on a key
 *   the request does not name), and PutParameter/CreateFunction with Tags.
 */
