/**
 * Unsigned S3 bucket probes: the proxy refuses them, but its refusal carries the bucket's region
 * (from an unsigned HEAD of its own), so clients that find a bucket's region that way recover.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, PYTHON, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys } from './support/raw-client.js';

/** The fake puts a bucket named `…-in-<region>` in that region. */
const BUCKET = 'probe-bucket-in-eu-west-1';

let upstream: FakeAws;
let proxy: ProxyRun;
let agentEnv: Record<string, string>;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
  agentEnv = { ...proxy.agentEnv, AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem') };
  await new Promise((r) => setTimeout(r, 300)); // let the startup account-id lookup reach upstream first
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

/** What reached the fake unsigned: no Authorization, and no key id, real or issued, anywhere in it. */
async function expectBareProbes(): Promise<FakeAws['requests']> {
  const probes = upstream.requests.filter((r) => r.unsigned);
  const agent = await agentKeys(proxy);
  for (const probe of probes) {
    expect(probe.method).toBe('HEAD');
    expect(probe.headers.authorization).toBeUndefined();
    expect(probe.body.length).toBe(0);
    const seen = JSON.stringify(probe);
    for (const secret of [REAL.accessKeyId, REAL.secretAccessKey, agent.accessKeyId]) expect(seen).not.toContain(secret);
  }
  return probes;
}

describe('unsigned S3 bucket probes', () => {
  it('the AWS CLI with --no-sign-request follows the 301 to the bucket region; the answer there stays a refusal', async () => {
    const out = await run(AWS_CLI, ['s3api', 'head-bucket', '--bucket', BUCKET, '--no-sign-request', '--region', 'us-east-1', '--debug'], agentEnv);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/An error occurred \(403\) when calling the HeadBucket operation: Forbidden/);
    const probes = await expectBareProbes();
    expect(probes.map((p) => p.host)).toEqual([`${BUCKET}.s3.us-east-1.amazonaws.com`, `${BUCKET}.s3.eu-west-1.amazonaws.com`]);
    expect(upstream.requests).toHaveLength(2);
    // botocore logs the redirect it took because of the relayed header.
    expect(out.stderr).toMatch(/bucket probe-bucket-in-eu-west-1 is in region eu-west-1/);
    const logged = actionRecords(proxy).filter((r) => r.operation === 'HeadBucket').slice(-2);
    expect(logged.map((r) => [r.host, r.decision, r.error])).toEqual([
      [`${BUCKET}.s3.us-east-1.amazonaws.com`, 'refused', 'PermanentRedirect'],
      [`${BUCKET}.s3.eu-west-1.amazonaws.com`, 'refused', 'MissingAuthenticationToken'],
    ]);
  });

  it('boto3 learns the region from an unsigned HeadBucket (as Go\'s GetBucketRegion does) and then calls there, signed', async () => {
    const script = [
      'import boto3, json',
      'from botocore import UNSIGNED',
      'from botocore.config import Config',
      'from botocore.exceptions import ClientError',
      `bucket = "${BUCKET}"`,
      'anonymous = boto3.client("s3", region_name="us-west-2", config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))',
      'try:',
      '    anonymous.head_bucket(Bucket=bucket)',
      '    headers = {}',
      'except ClientError as e:',
      '    headers = e.response["ResponseMetadata"]["HTTPHeaders"]',
      '    status = e.response["ResponseMetadata"]["HTTPStatusCode"]',
      'region = headers.get("x-amz-bucket-region")',
      'listed = boto3.client("s3", region_name=region).list_objects_v2(Bucket=bucket)',
      'print(json.dumps({"region": region, "status": status, "listed": listed["ResponseMetadata"]["HTTPStatusCode"]}))',
    ].join('\n');
    const out = await run(PYTHON, ['-c', script], agentEnv);
    expect(out.code, out.stderr).toBe(0);
    // boto3 follows the first 301 itself (to eu-west-1) and hands the caller the 403 from there, region attached.
    expect(JSON.parse(out.stdout)).toEqual({ region: 'eu-west-1', status: 403, listed: 200 });
    const probes = await expectBareProbes();
    expect(probes.map((p) => p.host)).toEqual([`${BUCKET}.s3.us-west-2.amazonaws.com`, `${BUCKET}.s3.eu-west-1.amazonaws.com`]);
    const signed = upstream.requests.filter((r) => !r.unsigned);
    expect(signed.map((r) => [r.method, r.host, r.region, r.verified])).toEqual([['GET', `${BUCKET}.s3.eu-west-1.amazonaws.com`, 'eu-west-1', true]]);
  });

  it('sends nothing upstream for an unsigned object request', async () => {
    const out = await run(AWS_CLI, ['s3api', 'head-object', '--bucket', BUCKET, '--key', 'k', '--no-sign-request', '--region', 'us-east-1'], agentEnv);
    expect(out.code).not.toBe(0);
    expect(upstream.requests).toEqual([]);
  });
});
