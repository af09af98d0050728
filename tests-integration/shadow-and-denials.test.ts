/**
 * Enforcement as clients see it: every client reads a denial as the service's own access-denied
 * error in every protocol, and shadow mode forwards everything while logging exactly what enforce
 * mode would block.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';

/** Allows reading one bucket and nothing else. */
const POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'] }] };

/** One denied call per protocol, and the code each SDK must report. */
const DENIED = [
  { protocol: 'ec2Query', cli: ['ec2', 'describe-instances'], sdk: { service: 'ec2', operation: 'DescribeInstances', input: {} }, code: 'AccessDenied' },
  { protocol: 'awsQuery', cli: ['sns', 'list-topics'], sdk: { service: 'sns', operation: 'ListTopics', input: {} }, code: 'AccessDenied' },
  { protocol: 'awsJson1_1', cli: ['logs', 'describe-log-groups'], sdk: { service: 'cloudwatch-logs', operation: 'DescribeLogGroups', input: {} }, code: 'AccessDeniedException' },
  { protocol: 'restJson1', cli: ['lambda', 'list-functions'], sdk: { service: 'lambda', operation: 'ListFunctions', input: {} }, code: 'AccessDeniedException' },
  { protocol: 'restXml', cli: ['s3api', 'list-buckets'], sdk: { service: 's3', operation: 'ListBuckets', input: {} }, code: 'AccessDenied' },
] as const;
/** CBOR: the JS SDK v3 speaks it when asked (the CLI 2.9 and boto3 1.26 do not). */
const CBOR = { service: 'cloudwatch', operation: 'ListMetrics', input: {}, protocol: 'rpcv2Cbor' };

let upstream: FakeAws;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-denials-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY));
  upstream = await startFakeAws({ credentials: REAL, dir });
});
afterAll(async () => upstream?.close());

async function withProxy(mode: 'enforce' | 'shadow', body: (proxy: ProxyRun) => Promise<void>): Promise<void> {
  const proxy = await startProxy({ upstream, env: { PROXY_MODE: mode, ALLOWLIST_PATH: join(dir, 'policy.json') } });
  try {
    await body(proxy);
  } finally {
    await proxy.stop();
  }
}

async function sdkCalls(proxy: ProxyRun, client: 'boto3' | 'js', calls: object[]): Promise<Array<{ ok: boolean; error?: string; status?: number }>> {
  const [command, script] = client === 'boto3' ? [PYTHON, 'boto3_calls.py'] : [process.execPath, 'js-sdk-calls.mjs'];
  const { stdout, stderr } = await run(command, [join(REPO, 'tests-integration/clients', script)], proxy.agentEnv, JSON.stringify(calls));
  expect(stdout, stderr).toMatch(/^\[/);
  return JSON.parse(stdout) as Array<{ ok: boolean; error?: string; status?: number }>;
}

describe('enforce mode: each client reads the denial as the service says it', () => {
  it('AWS CLI v2, boto3 and the JS SDK v3, for query, EC2, JSON, REST-JSON, REST-XML and CBOR services', async () => {
    await withProxy('enforce', async (proxy) => {
      const before = upstream.requests.length;
      for (const { cli, code } of DENIED) {
        const result = await run(AWS_CLI, [...cli], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
        expect(result.stderr).toContain(`An error occurred (${code}) when calling`);
        expect(result.stderr).toContain('is not authorized to perform');
      }
      const boto = await sdkCalls(proxy, 'boto3', DENIED.map((d) => d.sdk));
      expect(boto.map((r) => [r.error, r.status])).toEqual(DENIED.map((d) => [d.code, 403]));
      const js = await sdkCalls(proxy, 'js', [...DENIED.map((d) => d.sdk), CBOR]);
      expect(js.map((r) => r.error?.split(':')[0])).toEqual([...DENIED.map((d) => d.code), 'AccessDeniedException']);
      expect(js.every((r) => r.status === 403 && /is not authorized to perform: \S+ on resource: \S+ because no identity-based policy allows/.test(r.error ?? ''))).toBe(true);
      // Nothing denied reached AWS (the proxy's own sts:GetCallerIdentity at start aside).
      expect(upstream.requests.slice(before).filter((r) => !/Action=GetCallerIdentity/.test(r.body.toString()))).toEqual([]);
    });
  });
});

describe('shadow mode', () => {
  it('forwards everything and logs as would-block exactly what enforce mode blocks', async () => {
    const calls = [
      ['s3api', 'list-objects-v2', '--bucket', 'reports'],
      ['s3api', 'list-objects-v2', '--bucket', 'payroll'],
      ['sns', 'list-topics'],
      ['s3api', 'list-buckets'],
    ];
    const outcomes = async (mode: 'enforce' | 'shadow') => {
      const seen: Array<{ code: number | null; decisions: string[] }> = [];
      await withProxy(mode, async (proxy) => {
        for (const args of calls) {
          const before = actionRecords(proxy).length;
          const result = await run(AWS_CLI, args, { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });
          await new Promise((wake) => setTimeout(wake, 50));
          seen.push({ code: result.code, decisions: actionRecords(proxy).slice(before).map((r) => String(r.decision)) });
        }
        if (mode === 'shadow') {
          await proxy.waitForStdout(/^\[\d\d:\d\d:\d\d\] WOULD-BLOCK  s3:ListBucket$/);
          await proxy.waitForStdout(/^\[\d\d:\d\d:\d\d\] WOULD-BLOCK  sns:ListTopics$/);
          const wouldBlock = actionRecords(proxy).find((r) => r.decision === 'would-block') as { evaluation?: { mode: string; denied?: { action: string } } };
          expect(wouldBlock.evaluation).toMatchObject({ mode: 'shadow', denied: { action: 's3:ListBucket' } });
        }
      });
      return seen;
    };
    const enforce = await outcomes('enforce');
    const shadow = await outcomes('shadow');
    expect(enforce.map((o) => o.decisions)).toEqual([['allowed'], ['blocked'], ['blocked'], ['blocked']]);
    expect(shadow.map((o) => o.decisions)).toEqual([['allowed'], ['would-block'], ['would-block'], ['would-block']]);
    expect(enforce.map((o) => o.code)).toEqual([0, 254, 254, 254]);
    expect(shadow.map((o) => o.code)).toEqual([0, 0, 0, 0]);
  });
});
