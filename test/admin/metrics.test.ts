import { describe, expect, it } from 'vitest';
import { createMetrics, LATENCY_BUCKETS_SECONDS, type MetricsSources } from '../../src/admin/metrics.js';
import { upstreamErrorKind } from '../../src/pipeline/forward/upstream-failure.js';
import { UpstreamTimeoutError } from '../../src/pipeline/forward/timeouts.js';
import { ACTION_RECORD_VERSION, type ActionRecord } from '../../src/pipeline/log/action-log.js';
import { sample, samples } from './metrics-text.js';

const KEY_ID = 'AKIAPROXYSECRETIDXYZ';
const record = (overrides: Partial<ActionRecord> = {}): ActionRecord =>
  ({
    v: ACTION_RECORD_VERSION,
    time: '2026-01-02T03:04:05.000Z',
    accessKeyId: KEY_ID,
    agent: 'default',
    host: 'private-bucket.s3.eu-west-3.amazonaws.com',
    service: 's3',
    region: 'eu-west-3',
    protocol: 'restXml',
    operation: 'GetObject',
    authorizations: [{ action: 's3:GetObject', known: true, resources: [{ arn: 'arn:aws:s3:::private-bucket/payroll.csv', resolved: true }] }],
    context: { 'aws:RequestedRegion': 'eu-west-3' },
    decision: 'allowed',
    upstreamStatus: 200,
    latencyMs: 1.5,
    ...overrides,
  }) as ActionRecord;
const denied = (action: string, verdict: 'blocked' | 'would-block', known = true): ActionRecord =>
  record({
    decision: verdict,
    error: verdict === 'blocked' ? 'AccessDenied' : undefined,
    upstreamStatus: verdict === 'blocked' ? undefined : 200,
    authorizations: [{ action, known, resources: [] }],
    evaluation: { mode: verdict === 'blocked' ? 'enforce' : 'shadow', policy: '/p.json', version: 1, denied: { action, resource: '*', verdict: 'implicitly denied', statements: [] } as never },
  });

function metricsWith(sources: Partial<MetricsSources> = {}) {
  return createMetrics({ liveKeys: () => [], isDeclared: (agent) => agent === 'claude', ...sources }, { defaultMetrics: false });
}

describe('createMetrics', () => {
  it('counts each record once, by service, decision and agent', async () => {
    const metrics = metricsWith();
    metrics.observer.onRecord(record());
    metrics.observer.onRecord(record());
    metrics.observer.onRecord(record({ service: 'sts', agent: 'claude' }));
    metrics.observer.onRecord(record({ decision: 'refused', error: 'SignatureDoesNotMatch', accessKeyId: undefined, agent: undefined, upstreamStatus: undefined }));
    const text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 's3', decision: 'allowed', agent: 'default' })).toBe(2);
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 'sts', decision: 'allowed', agent: 'claude' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 's3', decision: 'refused', agent: 'none' })).toBe(1);
    expect([...samples(text).keys()].filter((k) => k.startsWith('iam_agent_proxy_requests_total'))).toHaveLength(3);
  });

  it('names only declared agents and default: agents created on first use are "other"', async () => {
    const metrics = metricsWith();
    for (const agent of ['made-up-1', 'made-up-2', 'made-up-3']) metrics.observer.onRecord(record({ agent }));
    const text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 's3', decision: 'allowed', agent: 'other' })).toBe(3);
    expect(text).not.toContain('made-up');
  });

  it('counts a service id it does not expect as "other", and a record with no service as "none"', async () => {
    const metrics = metricsWith();
    metrics.observer.onRecord(record({ service: 'S3"} 1\nevil' }));
    metrics.observer.onRecord(record({ service: undefined }));
    const text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 'other', decision: 'allowed', agent: 'default' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_requests_total', { service: 'none', decision: 'allowed', agent: 'default' })).toBe(1);
    expect(text).not.toContain('evil');
  });

  it('counts policy decisions by verdict, only when a policy was evaluated', async () => {
    const metrics = metricsWith();
    metrics.observer.onRecord(record()); // record mode: no evaluation
    metrics.observer.onRecord(record({ evaluation: { mode: 'enforce', policy: '/p.json', version: 1, allowedBy: ['s1'] } }));
    metrics.observer.onRecord(denied('s3:GetObject', 'blocked'));
    metrics.observer.onRecord(denied('s3:GetObject', 'would-block'));
    const text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_policy_decisions_total', { verdict: 'allowed' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_policy_decisions_total', { verdict: 'blocked' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_policy_decisions_total', { verdict: 'would-block' })).toBe(1);
  });

  it('counts denials by the IAM action denied; an action AWS does not define, or one the call did not need, is "unresolved"', async () => {
    const metrics = metricsWith();
    metrics.observer.onRecord(denied('s3:ListAllMyBuckets', 'blocked'));
    metrics.observer.onRecord(denied('s3:ListAllMyBuckets', 'blocked'));
    metrics.observer.onRecord(denied('dynamodb:ListTables', 'would-block'));
    metrics.observer.onRecord(denied('s3:AgentChosenName123', 'blocked', false));
    const forged = denied('s3:GetObject', 'blocked');
    forged.evaluation!.denied!.action = 'iam:NotInThisCall';
    metrics.observer.onRecord(forged);
    const text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_denials_total', { action: 's3:ListAllMyBuckets', verdict: 'blocked' })).toBe(2);
    expect(sample(text, 'iam_agent_proxy_denials_total', { action: 'dynamodb:ListTables', verdict: 'would-block' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_denials_total', { action: 'unresolved', verdict: 'blocked' })).toBe(2);
    expect(text).not.toContain('AgentChosenName123');
    expect(text).not.toContain('NotInThisCall');
  });

  it('observes latency in seconds, in buckets from 0.5 ms to 10 s', async () => {
    expect(LATENCY_BUCKETS_SECONDS[0]).toBe(0.0005);
    expect(LATENCY_BUCKETS_SECONDS.at(-1)).toBe(10);
    const metrics = metricsWith();
    metrics.observer.onRecord(record({ latencyMs: 0.4 }));
    metrics.observer.onRecord(record({ latencyMs: 3 }));
    metrics.observer.onRecord(record({ latencyMs: 20_000 }));
    const text = await metrics.scrape();
    const bucket = (le: string) => sample(text, 'iam_agent_proxy_request_duration_seconds_bucket', { decision: 'allowed', le });
    expect([bucket('0.0005'), bucket('0.0025'), bucket('0.005'), bucket('10'), bucket('+Inf')]).toEqual([1, 1, 2, 2, 3]);
    expect(sample(text, 'iam_agent_proxy_request_duration_seconds_count', { decision: 'allowed' })).toBe(3);
    expect(sample(text, 'iam_agent_proxy_request_duration_seconds_sum', { decision: 'allowed' })).toBeCloseTo(20.0034, 6);
  });

  it('counts upstream errors by kind: 5xx answers from records, failures from the pipeline; every kind is shown from the start', async () => {
    const metrics = metricsWith();
    let text = await metrics.scrape();
    for (const kind of ['refused', 'reset', 'timeout', 'tls', 'dns', '5xx', 'other']) expect(samples(text).get(`iam_agent_proxy_upstream_errors_total{kind="${kind}"}`)).toBe(0);
    metrics.observer.onRecord(record({ upstreamStatus: 503 }));
    metrics.observer.onRecord(record({ upstreamStatus: 500 }));
    metrics.observer.onRecord(record({ upstreamStatus: 404 }));
    metrics.observer.onUpstreamError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    metrics.observer.onUpstreamError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_upstream_errors_total', { kind: '5xx' })).toBe(2);
    expect(sample(text, 'iam_agent_proxy_upstream_errors_total', { kind: 'refused' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_upstream_errors_total', { kind: 'reset' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_upstream_errors_total', { kind: 'other' })).toBe(0);
  });

  it('computes live keys and active agents at scrape time from the key store', async () => {
    let keys: Array<{ agent: string; session?: unknown }> = [];
    const metrics = metricsWith({ liveKeys: () => keys });
    let text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_live_keys', { kind: 'agent' })).toBe(0);
    expect(sample(text, 'iam_agent_proxy_active_agents')).toBe(0);
    keys = [{ agent: 'default' }, { agent: 'default' }, { agent: 'claude' }, { agent: 'claude', session: { accessKeyId: KEY_ID } }];
    text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_live_keys', { kind: 'agent' })).toBe(3);
    expect(sample(text, 'iam_agent_proxy_live_keys', { kind: 'session' })).toBe(1);
    expect(sample(text, 'iam_agent_proxy_active_agents')).toBe(2);
    keys = [];
    text = await metrics.scrape();
    expect(sample(text, 'iam_agent_proxy_active_agents')).toBe(0);
  });

  it('says how the last lookup of upstream credentials went: ok, failing, or unknown before the first', async () => {
    let health: 'ok' | 'failing' | 'unknown' = 'unknown';
    const metrics = metricsWith({ upstreamCredentials: () => health });
    const states = async () => {
      const text = await metrics.scrape();
      return ['ok', 'failing', 'unknown'].map((state) => samples(text).get(`iam_agent_proxy_upstream_credentials{state="${state}"}`));
    };
    expect(await states()).toEqual([0, 0, 1]);
    health = 'ok';
    expect(await states()).toEqual([1, 0, 0]);
    health = 'failing';
    expect(await states()).toEqual([0, 1, 0]);
    expect(samples(await metricsWith().scrape()).has('iam_agent_proxy_upstream_credentials{state="unknown"}')).toBe(false);
  });

  it('never shows a key id, a host, a region, a resource or a condition value', async () => {
    const metrics = metricsWith({ liveKeys: () => [{ agent: 'default', session: {} }] });
    metrics.observer.onRecord(record());
    metrics.observer.onRecord(denied('s3:GetObject', 'blocked'));
    const text = await metrics.scrape();
    for (const secret of [KEY_ID, 'private-bucket', 'payroll', 'eu-west-3', 'amazonaws.com', '/p.json']) expect(text).not.toContain(secret);
  });

  it('adds the process and Node.js metrics of prom-client unless asked not to', async () => {
    const withDefaults = createMetrics({ liveKeys: () => [], isDeclared: () => false });
    expect(samples(await withDefaults.scrape()).has('process_cpu_user_seconds_total')).toBe(true);
    expect(samples(await metricsWith().scrape()).has('process_cpu_user_seconds_total')).toBe(false);
    expect(withDefaults.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('upstreamErrorKind', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['EWHATEVER', 'other'],
  ])('%s is %s', (code, kind) => {
    expect(upstreamErrorKind(Object.assign(new Error(code), { code }))).toBe(kind);
  });

  it("the proxy's own connect and response limits are timeouts", () => {
    for (const phase of ['connect', 'response', 'body'] as const) expect(upstreamErrorKind(new UpstreamTimeoutError(phase, 100))).toBe('timeout');
  });

  it('an error with no code, or no error at all, is other', () => {
    expect(upstreamErrorKind(new Error('an error response larger than 262144 bytes'))).toBe('other');
    expect(upstreamErrorKind(undefined)).toBe('other');
    expect(upstreamErrorKind('ECONNREFUSED')).toBe('other');
  });
});
