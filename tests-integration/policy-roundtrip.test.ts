/**
 * Record → generate → enforce, end to end: the AWS CLI, boto3 and the JS SDK v3 run a workload
 * (S3 over several buckets and prefixes, DynamoDB, SQS, KMS, IAM, EC2, STS) through the proxy in
 * record mode against the fake AWS; `iam-agent-proxy policy` turns the log into a policy with each
 * --resources option; the proxy restarted in enforce mode with that policy lets the same workload
 * through with no denial, and refuses a call on another bucket, table or queue, or another
 * action, without any of it reaching the fake.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, cleanEnv, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';

type Sdk = 'boto3' | 'js';
/** One call: AWS CLI arguments, or an SDK operation and input (see clients/boto3_calls.py, js-sdk-calls.mjs). */
type Call = { cli: string[] } | { sdk: Sdk; service: string; operation: string; input: Record<string, unknown> };
interface Outcome {
  call: string;
  ok: boolean;
  error?: string;
}

const ACCOUNT = '123456789012';
const queueUrl = (name: string, account = ACCOUNT) => `https://sqs.us-east-1.amazonaws.com/${account}/${name}`;
const boto3 = (service: string, operation: string, input: Record<string, unknown> = {}): Call => ({ sdk: 'boto3', service, operation, input });
const js = (service: string, operation: string, input: Record<string, unknown> = {}): Call => ({ sdk: 'js', service, operation, input });

/** Each client puts what it reads first, so the clients can run side by side. Three objects under monthly/ make collapse write a prefix. */
const WORKLOAD: Call[] = [
  { cli: ['s3api', 'put-object', '--bucket', 'iap-reports', '--key', 'monthly/jan.csv', '--body', '${TMP}/data.csv'] },
  { cli: ['s3api', 'put-object', '--bucket', 'iap-reports', '--key', 'monthly/feb.csv', '--body', '${TMP}/data.csv'] },
  { cli: ['s3api', 'get-object', '--bucket', 'iap-reports', '--key', 'monthly/jan.csv', '${TMP}/out.csv'] },
  { cli: ['s3api', 'list-objects-v2', '--bucket', 'iap-reports', '--prefix', 'monthly/'] },
  { cli: ['dynamodb', 'put-item', '--table-name', 'Orders', '--item', '{"pk":{"S":"o-1"}}'] },
  { cli: ['sqs', 'send-message', '--queue-url', queueUrl('jobs'), '--message-body', 'from the cli'] },
  { cli: ['iam', 'get-role', '--role-name', 'deployer'] },
  { cli: ['ec2', 'describe-instances'] },
  { cli: ['sts', 'get-caller-identity'] },
  boto3('s3', 'PutObject', { Bucket: 'iap-reports', Key: 'monthly/mar.csv', Body: 'from boto3' }),
  boto3('s3', 'PutObject', { Bucket: 'iap-data', Key: 'boto3/a.txt', Body: 'from boto3' }),
  boto3('s3', 'GetObject', { Bucket: 'iap-data', Key: 'boto3/a.txt' }),
  boto3('s3', 'ListBuckets'),
  boto3('dynamodb', 'GetItem', { TableName: 'Orders', Key: { pk: { S: 'o-1' } } }),
  boto3('dynamodb', 'Query', { TableName: 'Orders', IndexName: 'byCustomer', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'c-1' } } }),
  boto3('dynamodb', 'BatchWriteItem', { RequestItems: { Orders: [{ PutRequest: { Item: { pk: { S: 'o-2' } } } }], Audit: [{ PutRequest: { Item: { pk: { S: 'a-1' } } } }] } }),
  boto3('sqs', 'GetQueueUrl', { QueueName: 'jobs' }),
  boto3('sqs', 'ReceiveMessage', { QueueUrl: queueUrl('jobs') }),
  boto3('iam', 'ListRoles'),
  boto3('ec2', 'StopInstances', { InstanceIds: ['i-0123456789abcdef0'] }),
  boto3('kms', 'ListKeys'),
  js('s3', 'PutObject', { Bucket: 'iap-archive', Key: '2024/old report.txt', Body: 'from js' }),
  js('s3', 'GetObject', { Bucket: 'iap-archive', Key: '2024/old report.txt' }),
  js('s3', 'DeleteObject', { Bucket: 'iap-archive', Key: '2024/old report.txt' }),
  js('dynamodb', 'PutItem', { TableName: 'Customers', Item: { pk: { S: 'c-1' } } }),
  js('sqs', 'SendMessage', { QueueUrl: queueUrl('jobs'), MessageBody: 'from js' }),
  js('sqs', 'DeleteMessage', { QueueUrl: queueUrl('jobs'), ReceiptHandle: 'AQEBexample==' }),
  js('kms', 'CreateKey', { Description: 'agent data' }),
  js('iam', 'GetRole', { RoleName: 'deployer' }),
  js('ec2', 'CreateTags', { Resources: ['i-0123456789abcdef0'], Tags: [{ Key: 'team', Value: 'agents' }] }),
  js('sts', 'GetCallerIdentity'),
  boto3('kms', 'DescribeKey', { KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }),
  js('kms', 'Decrypt', { KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, CiphertextBlob: { $bytes: 'opaque' } }),
];


/** Calls no generated policy allows, whatever --resources says: another bucket, table (Region), queue (account), action. */
const OUTSIDE_ANY_POLICY: Call[] = [
  { cli: ['s3api', 'get-object', '--bucket', 'iap-secrets', '--key', 'monthly/jan.csv', '${TMP}/stolen.csv'] },
  { cli: ['dynamodb', 'get-item', '--table-name', 'Orders', '--key', '{"pk":{"S":"o-1"}}', '--region', 'eu-west-1'] },
  { cli: ['iam', 'delete-role', '--role-name', 'deployer'] },
  boto3('s3', 'DeleteObject', { Bucket: 'iap-reports', Key: 'monthly/jan.csv' }),
  js('sqs', 'SendMessage', { QueueUrl: queueUrl('jobs', '999999999999'), MessageBody: 'elsewhere' }),
];

/** Calls on another resource of a type the workload used, in the same place: only a wildcard policy allows them. */
const OUTSIDE_NARROW_POLICIES: Call[] = [
  boto3('dynamodb', 'GetItem', { TableName: 'Secrets', Key: { pk: { S: 's-1' } } }),
  js('sqs', 'SendMessage', { QueueUrl: queueUrl('other-queue'), MessageBody: 'elsewhere' }),
  { cli: ['s3api', 'put-object', '--bucket', 'iap-reports', '--key', 'yearly/2024.csv', '--body', '${TMP}/data.csv'] },
];

let upstream: FakeAws;
let scratch: string;
const policyFiles = new Map<string, string>();

const label = (call: Call): string => ('cli' in call ? `aws ${call.cli.slice(0, 2).join(' ')}` : `${call.sdk} ${call.service} ${call.operation}`);

async function runCalls(proxy: ProxyRun, calls: Call[]): Promise<Outcome[]> {
  const outcomes = new Map<Call, Outcome>();
  const cli = calls.filter((c): c is { cli: string[] } => 'cli' in c);
  const cliQueue = [...cli];
  const cliWorker = async () => {
    for (let call = cliQueue.shift(); call; call = cliQueue.shift()) {
      const args = call.cli.map((arg) => arg.replace('${TMP}', scratch));
      const { code, stderr } = await run(AWS_CLI, [...args, '--output', 'json'], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
      outcomes.set(call, { call: label(call), ok: code === 0, ...(code === 0 ? {} : { error: stderr.trim() }) });
    }
  };
  const sdk = async (which: Sdk) => {
    const mine = calls.filter((c): c is Extract<Call, { sdk: Sdk }> => 'sdk' in c && c.sdk === which);
    if (!mine.length) return;
    const [command, script] = which === 'boto3' ? [PYTHON, 'boto3_calls.py'] : [process.execPath, 'js-sdk-calls.mjs'];
    const input = JSON.stringify(mine.map(({ service, operation, input: i }) => ({ service, operation, input: i })));
    const { stdout, stderr } = await run(command, [join(REPO, 'tests-integration/clients', script)], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' }, input);
    let results: Array<{ ok: boolean; error?: string }>;
    try {
      results = JSON.parse(stdout) as typeof results;
    } catch {
      results = mine.map(() => ({ ok: false, error: `${which} crashed: ${stderr.slice(-1000)}` }));
    }
    mine.forEach((call, i) => outcomes.set(call, { call: label(call), ok: results[i]?.ok === true, ...(results[i]?.ok ? {} : { error: String(results[i]?.error) }) }));
  };
  await Promise.all([cliWorker(), cliWorker(), sdk('boto3'), sdk('js')]);
  return calls.map((call) => outcomes.get(call)!);
}

const failures = (outcomes: Outcome[]) => outcomes.filter((o) => !o.ok).map((o) => `${o.call}: ${o.error}`);

/** The proxy learns its account id with a call of its own right after it starts; let it finish before counting requests. */
async function settled(): Promise<void> {
  for (const deadline = Date.now() + 3000; upstream.requests.length === 0 && Date.now() < deadline; ) await new Promise((wake) => setTimeout(wake, 50));
  await new Promise((wake) => setTimeout(wake, 200));
}

/** The log once the proxy has written a line per request it answered (lines follow the response). */
async function logOf(proxy: ProxyRun, count: number): Promise<Array<Record<string, unknown>>> {
  for (const deadline = Date.now() + 5000; actionRecords(proxy).length < count && Date.now() < deadline; ) await new Promise((wake) => setTimeout(wake, 50));
  return actionRecords(proxy);
}

const MODES = ['exact', 'collapse', 'wildcard'] as const;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'iap-roundtrip-'));
  writeFileSync(join(scratch, 'data.csv'), 'month,total\njan,1\n');
  upstream = await startFakeAws({ credentials: REAL, dir: scratch });
  expect(upstream.accountId).toBe(ACCOUNT);
  const recorder = await startProxy({ upstream });
  try {
    await settled();
    expect(failures(await runCalls(recorder, WORKLOAD))).toEqual([]);
  } finally {
    await recorder.stop();
  }
  const log = join(recorder.stateDir, 'actions.log');
  for (const mode of MODES) {
    const file = join(scratch, `${mode}.json`);
    const generated = await run(process.execPath, [PROXY_BIN, 'policy', '--resources', mode, '--output', file], { ...cleanEnv(recorder.home), ACTION_LOG_PATH: log });
    expect(generated.code, generated.stderr).toBe(0);
    policyFiles.set(mode, file);
  }
}, 240_000);
afterAll(async () => {
  await upstream?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the generated policies', () => {
  const resourcesOf = (mode: string) =>
    (JSON.parse(readFileSync(policyFiles.get(mode)!, 'utf8')) as { Statement: Array<{ Action: string | string[]; Resource: string | string[] }> }).Statement.filter((s) =>
      ([] as string[]).concat(s.Action).includes('s3:PutObject'),
    ).flatMap((s) => s.Resource);

  it('name the objects put, a prefix, or the buckets, as --resources says', () => {
    expect(resourcesOf('exact')).toEqual(expect.arrayContaining(['arn:aws:s3:::iap-reports/monthly/jan.csv', 'arn:aws:s3:::iap-reports/monthly/feb.csv', 'arn:aws:s3:::iap-reports/monthly/mar.csv']));
    expect(resourcesOf('collapse')).toEqual(expect.arrayContaining(['arn:aws:s3:::iap-reports/monthly/*', 'arn:aws:s3:::iap-data/boto3/a.txt']));
    expect(resourcesOf('wildcard')).toEqual(expect.arrayContaining(['arn:aws:s3:::iap-reports/*', 'arn:aws:s3:::iap-data/*', 'arn:aws:s3:::iap-archive/*']));
  });
});

describe.each(MODES)('enforce mode with the policy generated with --resources %s', (mode) => {
  let proxy: ProxyRun;
  beforeAll(async () => {
    proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: policyFiles.get(mode)! } });
    await settled();
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
  });

  it('lets the recorded workload through, every call of it forwarded, none blocked', async () => {
    upstream.reset();
    const before = actionRecords(proxy).length;
    expect(failures(await runCalls(proxy, WORKLOAD))).toEqual([]);
    const records = (await logOf(proxy, before + WORKLOAD.length)).slice(before);
    expect(records.filter((r) => r.decision !== 'allowed').map((r) => `${r.decision} ${r.operation}`)).toEqual([]);
    expect(upstream.requests.length).toBeGreaterThanOrEqual(WORKLOAD.length);
  }, 120_000);

  it('refuses another bucket, table, queue or action, and none of it reaches AWS', async () => {
    const outside = mode === 'wildcard' ? OUTSIDE_ANY_POLICY : [...OUTSIDE_ANY_POLICY, ...OUTSIDE_NARROW_POLICIES];
    upstream.reset();
    const outcomes = await runCalls(proxy, outside);
    expect(outcomes.filter((o) => o.ok || !/AccessDenied/.test(o.error ?? '')).map((o) => `${o.call}: ${o.error ?? 'allowed'}`)).toEqual([]);
    expect(upstream.requests.map((r) => `${r.method} ${r.host}${r.path}`)).toEqual([]);
  }, 120_000);

  it('policy --diff on the enforced log gives exactly what was refused, as a policy fragment', async () => {
    const log = join(proxy.stateDir, 'actions.log');
    const blocked = actionRecords(proxy).filter((r) => r.decision === 'blocked') as Array<{ authorizations: Array<{ action: string; resources: Array<{ arn: string }> }> }>;
    const refused = blocked.flatMap((r) => r.authorizations.flatMap((a) => a.resources.map((res) => `${a.action} ${res.arn}`)));
    const diff = await run(process.execPath, [PROXY_BIN, 'policy', '--diff', policyFiles.get(mode)!], { ...cleanEnv(proxy.home), ACTION_LOG_PATH: log });
    expect(diff.code, diff.stderr).toBe(0);
    const fragment = JSON.parse(diff.stdout) as { Statement: Array<{ Action: string | string[]; Resource: string | string[] }> };
    const added = fragment.Statement.flatMap((s) => ([] as string[]).concat(s.Action).flatMap((action) => ([] as string[]).concat(s.Resource).map((arn) => `${action} ${arn}`)));
    expect(added.sort()).toEqual([...new Set(refused)].sort());
  });

  if (mode === 'wildcard') {
    it('allows another resource of a type the workload used, in the same place: what wildcard means', async () => {
      upstream.reset();
      expect(failures(await runCalls(proxy, OUTSIDE_NARROW_POLICIES))).toEqual([]);
    }, 120_000);
  }
});
