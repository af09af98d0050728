import { ACTION_RECORD_VERSION, type ActionRecord } from '../../../src/pipeline/log/action-log.js';
import type { Authorization, ResourceRef } from '../../../src/pipeline/resolve/types.js';
import { activityOf } from '../../../src/policy/generate/activity.js';
import { generatePolicy, type GenerateOptions, type GeneratedPolicy } from '../../../src/policy/generate/generate.js';
import type { PolicyStatement } from '../../../src/policy/types.js';

/** Log records as the proxy writes them: typed, so a change of the record breaks these tests. */
export const ACCOUNT = '123456789012';
const place = `us-east-1:${ACCOUNT}`;

export function record(authorizations: Authorization[], overrides: Partial<ActionRecord> = {}): ActionRecord {
  return {
    v: ACTION_RECORD_VERSION,
    time: '2026-11-23T14:00:00.000Z',
    accessKeyId: 'AKIAPROXYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    agent: 'claude',
    host: 'example.amazonaws.com',
    service: 's3',
    region: 'us-east-1',
    protocol: 'restXml',
    operation: 'Op',
    authorizations,
    context: { 'aws:RequestedRegion': 'us-east-1' },
    decision: 'allowed',
    upstreamStatus: 200,
    latencyMs: 1,
    ...overrides,
  };
}

export const on = (action: string, ...resources: ResourceRef[]): Authorization => ({ action, known: true, resources });
export const notAnAction = (action: string): Authorization => ({ action, known: false, resources: [] });

const named = (type: string) => (arn: string): ResourceRef => ({ arn, type, resolved: true });
export const object = (path: string) => named('object')(`arn:aws:s3:::${path}`);
export const bucket = (name: string) => named('bucket')(`arn:aws:s3:::${name}`);
export const table = (name: string) => named('table')(`arn:aws:dynamodb:${place}:table/${name}`);
export const index = (tableName: string, name: string) => named('index')(`arn:aws:dynamodb:${place}:table/${tableName}/index/${name}`);
export const queue = (name: string) => named('queue')(`arn:aws:sqs:${place}:${name}`);
export const key = (id: string) => named('key')(`arn:aws:kms:${place}:key/${id}`);
export const role = (nameWithPath: string) => named('role')(`arn:aws:iam::${ACCOUNT}:role/${nameWithPath}`);
export const instance = (id: string) => named('instance')(`arn:aws:ec2:${place}:instance/${id}`);
export const unresolved = (arn: string, type: string): ResourceRef => ({ arn, type, resolved: false });

export const logText = (records: ActionRecord[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

export async function generated(records: ActionRecord[], options: Partial<GenerateOptions> = {}): Promise<GeneratedPolicy> {
  return generatePolicy(activityOf(records), { resources: 'exact', compact: false, ...options });
}

export const statementsOf = (policy: GeneratedPolicy): PolicyStatement[] => ([] as PolicyStatement[]).concat(policy.document.Statement);

/** `Sid → [actions, resources]`, for compact expectations. */
export function summary(policy: GeneratedPolicy): Record<string, [string[], string[]]> {
  return Object.fromEntries(
    statementsOf(policy).map((s, i) => [s.Sid ?? `#${i}`, [([] as string[]).concat(s.Action ?? []), ([] as string[]).concat(s.Resource ?? [])]]),
  );
}
