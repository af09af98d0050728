/**
 * The AWS CLI, boto3 and the JS SDK call 16 services through the real proxy (record mode) to the
 * fake AWS. First: every call succeeds and every request reaches the fake re-signed and verified.
 * Then: the action log (record version 3) names, per call, the operation and exactly the IAM
 * authorizations AWS documents for it — the specification is support/service-scenarios.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { RESOURCES_THE_PROXY_CANNOT_NAME, SCENARIOS, SEEDED_OBJECTS, wireProtocol, type Client, type Scenario } from './support/service-scenarios.js';

const CLIENTS: Client[] = ['cli', 'boto3', 'js'];
/** AWS CLI processes at once: each is about a second of Python start-up. */
const CLI_CONCURRENCY = 2;
/** Debian's AWS CLI 2.9 and boto3 1.26 predate Bedrock: they get InvokeModel's model from here. */
const BOTOCORE_DATA = join(REPO, 'tests-integration/clients/botocore-data');

interface Outcome {
  ok: boolean;
  output?: unknown;
  error?: string;
}

interface LogRecord {
  v?: number;
  agent?: string;
  host?: string;
  service?: string;
  region?: string;
  protocol?: string;
  operation?: string;
  authorizations?: Array<{ action: string; known?: boolean; resources?: Array<{ arn: string }> }>;
  decision?: string;
  upstreamStatus?: number;
}

let upstream: FakeAws;
let proxy: ProxyRun;
let scratch: string;
let log: LogRecord[] = [];
const outcomes = new Map<Scenario, Outcome>();

const of = (client: Client): Scenario[] => SCENARIOS.filter((s) => s.client === client);
const label = (s: Scenario): string => `${s.client} ${s.service} ${s.operation}`;
const envFor = (client: Client): Record<string, string> => ({ ...proxy.agentEnv, PROXY_AGENT_NAME: client, AWS_DATA_PATH: BOTOCORE_DATA });

async function runCli(scenario: Scenario): Promise<Outcome> {
  const args = (scenario.call as string[]).map((arg) => arg.replace('${TMP}', scratch));
  const { code, stdout, stderr } = await run(AWS_CLI, [...args, '--output', 'json'], envFor('cli'));
  if (code !== 0) return { ok: false, error: stderr.trim() || `exit ${code}` };
  return { ok: true, output: stdout.trim() ? JSON.parse(stdout) : undefined };
}

/** One SDK process for all of a client's calls, in table order. */
async function runSdk(client: 'boto3' | 'js', scenarios: Scenario[]): Promise<Outcome[]> {
  const [command, script] = client === 'boto3' ? [PYTHON, 'boto3_calls.py'] : [process.execPath, 'js-sdk-calls.mjs'];
  const calls = scenarios.map(({ service, operation, call, protocol }) => ({ service, operation, input: call, protocol }));
  const { stdout, stderr } = await run(command, [join(REPO, 'tests-integration/clients', script)], envFor(client), JSON.stringify(calls));
  try {
    return JSON.parse(stdout) as Outcome[];
  } catch {
    return scenarios.map(() => ({ ok: false, error: `${client} crashed: ${stderr.slice(-2000)}` }));
  }
}

async function runAll(): Promise<void> {
  const cliQueue = [...of('cli')];
  const cliWorker = async (): Promise<void> => {
    for (let scenario = cliQueue.shift(); scenario; scenario = cliQueue.shift()) outcomes.set(scenario, await runCli(scenario));
  };
  const sdk = async (client: 'boto3' | 'js'): Promise<void> => {
    const results = await runSdk(client, of(client));
    of(client).forEach((scenario, i) => outcomes.set(scenario, results[i] ?? { ok: false, error: 'no result' }));
  };
  await Promise.all([...Array.from({ length: CLI_CONCURRENCY }, cliWorker), sdk('boto3'), sdk('js')]);
}

/** Requests the clients made (the proxy makes its own too: it learns the account id with sts:GetCallerIdentity). */
const clientRequests = () => upstream.requests.filter((r) => /^(aws-cli|Boto3|aws-sdk-js)\//.test(String(r.headers['user-agent'])));

/** Resource ARNs need the account id the proxy learns right after it starts: let that request finish first. */
async function proxyStartSettled(): Promise<void> {
  for (const deadline = Date.now() + 3000; upstream.requests.length === 0 && Date.now() < deadline; ) await new Promise((wake) => setTimeout(wake, 50));
  await new Promise((wake) => setTimeout(wake, 200));
}

/** The log, once a line per call has been written (lines follow the upstream response). */
async function readLog(): Promise<LogRecord[]> {
  const path = join(proxy.stateDir, 'actions.log');
  for (const deadline = Date.now() + 5000; ; ) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line && !line.includes('"kind":"header"')) : [];
    if (lines.length >= clientRequests().length || Date.now() > deadline) return lines.map((line) => JSON.parse(line) as LogRecord);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'iap-services-'));
  writeFileSync(join(scratch, 'upload.txt'), 'uploaded by the AWS CLI\n');
  upstream = await startFakeAws({ credentials: REAL, dir: scratch });
  for (const [id, text] of Object.entries(SEEDED_OBJECTS)) upstream.objects.set(id, Buffer.from(text));
  proxy = await startProxy({ upstream });
  await proxyStartSettled();
  await runAll();
  log = await readLog();
}, 180_000);
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The log line of a call: the n-th line of its agent and operation, n being its rank among such calls. */
function recordOf(scenario: Scenario): LogRecord | undefined {
  const twins = SCENARIOS.filter((s) => s.client === scenario.client && s.operation === scenario.operation);
  const lines = log.filter((r) => r.agent === scenario.client && r.operation === scenario.operation);
  return lines[twins.indexOf(scenario)];
}

/** action → sorted ARNs, whatever the grouping of the record's authorizations. */
function authorizationsOf(record: LogRecord): Record<string, string[]> {
  const byAction = new Map<string, Set<string>>();
  for (const { action, resources = [] } of record.authorizations ?? []) {
    const arns = byAction.get(action) ?? new Set<string>();
    resources.forEach(({ arn }) => arns.add(arn));
    byAction.set(action, arns);
  }
  return Object.fromEntries([...byAction].map(([action, arns]) => [action, [...arns].sort()]));
}

function expectedAuthorizations(scenario: Scenario): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(scenario.authorizations).map(([action, arns]) => [action, Array.isArray(arns) ? [...arns].sort() : expect.any(Array)]),
  );
}

describe('16 services called by real clients through the proxy in record mode', () => {
  it('names each client call once per operation, so its log line can be found', () => {
    const keys = SCENARIOS.map((s) => `${s.client} ${s.operation}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const client of CLIENTS) expect(new Set(of(client).map((s) => s.service)).size).toBeGreaterThanOrEqual(14);
  });

  it.each(CLIENTS)('%s: every call succeeds and gets the answer it needs to go on', (client) => {
    const failures = of(client).flatMap((s) => (outcomes.get(s)?.ok ? [] : [`${label(s)}: ${outcomes.get(s)?.error ?? 'not run'}`]));
    expect(failures).toEqual([]);
    for (const scenario of of(client).filter((s) => s.returns)) {
      expect(outcomes.get(scenario)?.output, label(scenario)).toMatchObject(scenario.returns!);
    }
  });

  it('every request reached the fake re-signed with the real key and verified, one per call', () => {
    expect(upstream.requests.map((r) => r.failure ?? 'verified')).toEqual(upstream.requests.map(() => 'verified'));
    for (const request of upstream.requests) {
      expect(request.accessKeyId).toBe(REAL.accessKeyId);
      expect(JSON.stringify(request.headers)).not.toMatch(/AKIAPROXY/);
    }
    expect(clientRequests().length).toBe(SCENARIOS.length);
  });
});

describe('the action log names the operation and exactly the IAM authorizations each call needs', () => {
  it.each(SCENARIOS.map((s) => [label(s), s] as const))('%s', (_label, scenario) => {
    const record = recordOf(scenario);
    const logged = log.filter((r) => r.agent === scenario.client).map((r) => `${r.service}:${r.operation}`);
    expect(record, `no ${scenario.operation} line for agent ${scenario.client}; its lines: ${logged.join(', ')}`).toBeDefined();
    expect(authorizationsOf(record!)).toEqual(expectedAuthorizations(scenario));
  });
});

describe('resources the proxy cannot name: only the action is checked', () => {
  it.each(RESOURCES_THE_PROXY_CANNOT_NAME.map((entry) => [`${label(entry.scenario)} ${entry.action} (${entry.why})`, entry] as const))(
    '%s',
    (_label, { scenario, action }) => {
      expect(recordOf(scenario)?.authorizations?.map((a) => a.action)).toContain(action);
    },
  );
});

describe('the action log records what each call was', () => {
  it.each(CLIENTS)('%s: version 3 lines with the service id, wire protocol, region, known actions and the upstream answer', (client) => {
    const summary = (s: Scenario, r: LogRecord | undefined) => ({
      call: label(s),
      v: r?.v,
      service: r?.service,
      protocol: r?.protocol,
      region: r?.region,
      decision: r?.decision,
      upstreamStatus: r?.upstreamStatus !== undefined && r.upstreamStatus >= 200 && r.upstreamStatus < 300 ? '2xx' : r?.upstreamStatus,
      unknownActions: (r?.authorizations ?? []).filter((a) => a.known !== true).map((a) => a.action),
    });
    const expected = of(client).map((s) => ({
      call: label(s),
      v: 3,
      service: s.service,
      protocol: wireProtocol(s),
      region: 'us-east-1',
      decision: 'allowed',
      upstreamStatus: '2xx',
      unknownActions: [],
    }));
    expect(of(client).map((s) => summary(s, recordOf(s)))).toEqual(expected);
  });
});
