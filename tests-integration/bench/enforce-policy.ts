/**
 * The policy the proxy enforces in the enforce-mode throughput run (2b): an Allow for the bench's
 * request (sts:GetCallerIdentity) among 30 statements about other services, buckets, tables and
 * queues, some with conditions (aws:RequestedRegion, s3:prefix, cloudwatch:namespace), so that
 * evaluating it is not trivial. Written to a file of its own for ALLOWLIST_PATH.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ACCOUNT = '123456789012';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

export function enforcePolicy(): { Version: string; Statement: Array<Record<string, unknown>> } {
  const buckets = ['data-lake', 'reports', 'logs-archive', 'ml-artifacts', 'agent-scratch', 'backups'];
  const tables = ['Orders', 'Customers', 'Sessions', 'AgentMemory'];
  const queues = ['ingest', 'jobs', 'dead-letters'];
  return {
    Version: '2012-10-17',
    Statement: [
      ...buckets.flatMap((bucket, i) => [
        { Sid: `List${i}`, Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { 's3:prefix': ['', 'team/*', `agents/${i}/*`] } } },
        { Sid: `Objects${i}`, Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:GetObjectTagging'], Resource: [`arn:aws:s3:::${bucket}/team/*`, `arn:aws:s3:::${bucket}/agents/${i}/*`] },
      ]),
      ...tables.map((table, i) => ({
        Sid: `Table${i}`,
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
        Resource: [`arn:aws:dynamodb:*:${ACCOUNT}:table/${table}`, `arn:aws:dynamodb:*:${ACCOUNT}:table/${table}/index/*`],
      })),
      ...queues.map((queue, i) => ({ Sid: `Queue${i}`, Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue}` })),
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:*:${ACCOUNT}:log-group:/agents/*` },
      { Sid: 'Invoke', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:agent-*` },
      { Sid: 'Parameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'], Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/agents/*` },
      { Sid: 'Secrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:agents/*` },
      { Sid: 'Decrypt', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      { Sid: 'Describe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets'], Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': REGIONS } } },
      { Sid: 'Metrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Agents' } } },
      { Sid: 'Models', Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: 'arn:aws:bedrock:*::foundation-model/anthropic.*' },
      { Sid: 'Events', Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/agents` },
      { Sid: 'Topics', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:agent-*` },
      { Sid: 'CallerIdentity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
      { Sid: 'DenyOutsideRegions', Effect: 'Deny', NotAction: ['iam:*', 'sts:*', 'organizations:*', 'route53:*', 'cloudfront:*', 'support:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': REGIONS } } },
      { Sid: 'DenyDestructive', Effect: 'Deny', Action: ['s3:DeleteBucket', 'dynamodb:DeleteTable', 'ec2:TerminateInstances', 'kms:ScheduleKeyDeletion', 'iam:DeleteRole', 'iam:CreateAccessKey'], Resource: '*' },
    ],
  };
}

/** Writes the policy to a new temporary directory; returns its path, its statement count and how to remove it. */
export function writeEnforcePolicy(): { path: string; statements: number; remove(): void } {
  const policy = enforcePolicy();
  const path = join(mkdtempSync(join(tmpdir(), 'iap-bench-policy-')), 'allowlist.json');
  writeFileSync(path, `${JSON.stringify(policy, null, 2)}\n`);
  return { path, statements: policy.Statement.length, remove: () => rmSync(dirname(path), { recursive: true, force: true }) };
}

/** What the enforce-mode proxy's action log says of its decisions: that it did evaluate the policy. */
export function enforcedLogSummary(records: Array<Record<string, unknown>>): string {
  const counts = new Map<string, number>();
  for (const record of records) {
    const evaluation = record.evaluation as { mode?: string; allowedBy?: string[] } | undefined;
    const key = `${String(record.decision)}, ${evaluation?.mode ? `evaluated (${evaluation.mode})${evaluation.allowedBy ? ` by ${evaluation.allowedBy.join(', ')}` : ''}` : 'not evaluated'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n.toLocaleString('en-US')} ${key}`).join('; ') || 'no records';
}
