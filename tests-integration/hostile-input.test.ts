/**
 * Issue 10, hostile input: ≥10,000 generated cases (support/hostile-cases.ts, seeded) against the
 * running proxy. After each family: nothing but the designed-valid calls reached the fake AWS, each
 * verified with the real key; every case was answered or closed in time; the proxy still serves.
 * At the end: no secret in anything the proxy said, and memory bounded.
 * Reproduce one case: HOSTILE_SEED=<seed> HOSTILE_FAMILY=<family> (failures name seed, family and index).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { askProxy } from '../src/keys/socket-client.js';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { FAMILIES, generateCases, type HostileCase, type Keys } from './support/hostile-cases.js';
import { pool, runCase, type Outcome } from './support/hostile-runner.js';
import { actionRecords, AWS_CLI, REAL, run, type ProxyRun } from './support/proxy-process.js';
import { GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 1010);
const ONLY = process.env.HOSTILE_FAMILY;
const CONCURRENCY = 24;
const AGENTS = 40;
const MAX_RSS_GROWTH_KIB = 150 * 1024;

let upstream: FakeAws;
let proxy: ProxyRun;
let keys: Keys;
let ca: Buffer;
let secrets: Array<{ what: string; needle: Buffer }>;
let cases: HostileCase[];
const rss: Array<{ after: string; kib: number; peakKib: number }> = [];
const leaks: string[] = [];

// Egress denied: a CONNECT to a non-AWS name is refused on the name, never looked up (hermetic, fast).
proxyInFrontOfFakeAws(
  async (started) => {
    ({ upstream, proxy } = started);
  },
  { PROXY_EGRESS: 'deny' },
);

function memory(after: string): void {
  const status = readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  rss.push({ after, kib: kib('VmRSS'), peakKib: kib('VmHWM') });
}

/** The keys of an agent, straight from the default socket (record mode creates agents on first use). */
async function keysOf(agent?: string): Promise<Keys> {
  const reply = await askProxy(join(proxy.stateDir, 'creds.sock'), { op: 'credentials', ...(agent ? { agent } : {}) });
  return { accessKeyId: reply.AccessKeyId as string, secretAccessKey: reply.SecretAccessKey as string };
}

function scan(where: string, data: Buffer | string): void {
  const haystack = Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (const { what, needle } of secrets) if (haystack.includes(needle)) leaks.push(`${what} in ${where}`);
}

beforeAll(async () => {
  await new Promise((r) => setTimeout(r, 300)); // the start-up account-id lookup reaches upstream first
  ca = readFileSync(join(proxy.stateDir, 'ca.pem'));
  keys = await keysOf();
  const agents: Keys[] = [];
  for (let n = 0; n < AGENTS; n++) agents.push(await keysOf(`hostile-agent-${n}`));
  const master = readFileSync(join(proxy.stateDir, 'master.key'));
  secrets = [
    { what: 'the real secret key', needle: Buffer.from(REAL.secretAccessKey) },
    { what: 'the real secret key (URL-encoded)', needle: Buffer.from(encodeURIComponent(REAL.secretAccessKey)) },
    { what: 'master.key (base64)', needle: Buffer.from(master.toString('base64')) },
    { what: 'master.key (hex)', needle: Buffer.from(master.toString('hex')) },
    { what: 'master.key (bytes)', needle: master },
    ...[keys, ...agents].map((k, n) => ({ what: `agent secret ${n}`, needle: Buffer.from(k.secretAccessKey) })),
  ];
  cases = generateCases(SEED, { keys, agents, now: new Date() }, ONLY);
  // Warm up (first TLS context, first call) before the memory baseline.
  expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
  memory('start');
}, 120_000);

/** What is wrong with one case's outcome, or undefined. */
function problem(c: HostileCase, o: Outcome): string | undefined {
  if (o.timedOut) return `no answer and no close within ${c.timeoutMs} ms (status so far ${o.status})`;
  if (o.error) return `client could not send it: ${o.error}`;
  if (c.expect === 'forward') return o.status === 200 && o.responses === 1 ? undefined : `designed valid, answered ${o.status}`;
  if (o.responses > 1) return `${o.responses} answers: a request smuggled inside it was served`;
  const refused = o.status === 0 || (o.status >= 400 && o.status < 500) || c.alsoAccept?.includes(o.status);
  return refused ? undefined : `answered ${o.status}`;
}

describe.each(FAMILIES.filter((f) => ONLY === undefined || f.family === ONLY).map((f) => f.family))(`hostile input (seed ${SEED})`, (family) => {
  it(`${family}: every case answered or closed in time, only the valid ones forwarded, the proxy still serving`, async () => {
    const mine = cases.filter((c) => c.family === family);
    // Slow cases first, so the rest run alongside them.
    const ordered = [...mine].sort((a, b) => Number(b.delayMs !== undefined) - Number(a.delayMs !== undefined));
    const started = performance.now();
    const outcomes = await pool(ordered, CONCURRENCY, async (c) => {
      const outcome = await runCase(proxy.port, ca, c);
      scan(`the answer to case ${c.index} (${c.family}: ${c.name})`, outcome.received);
      return { c, outcome, problem: problem(c, outcome) };
    });
    const seconds = (performance.now() - started) / 1000;
    const failures = outcomes.filter((o) => o.problem).map(({ c, problem: p }) => `seed=${SEED} index=${c.index} ${c.family}: ${c.name}: ${p}`);
    const forwardedByDesign = mine.filter((c) => c.expect === 'forward').length;
    const forwarded = upstream.requests.map((r) => ({ verified: r.verified, failure: r.failure, body: r.body.toString('latin1').slice(0, 80), path: r.path }));
    memory(family);
    console.log(`hostile ${family}: ${mine.length} cases (${forwardedByDesign} valid) in ${seconds.toFixed(1)} s; ${failures.length} failed; RSS ${rss.at(-1)!.kib} KiB`);
    expect(failures.slice(0, 30), `${failures.length} of ${mine.length} cases failed`).toEqual([]);
    expect(forwarded.filter((r) => !r.verified)).toEqual([]);
    expect(forwarded).toHaveLength(forwardedByDesign);
    // Still serving, still alive.
    expect(proxy.child.exitCode).toBeNull();
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
  }, 300_000);
});

describe('after every family', () => {
  it('the AWS CLI still gets its identity through the proxy', async () => {
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], proxy.agentEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).Account).toBe(upstream.accountId);
    expect(proxy.child.exitCode).toBeNull();
  });

  it('no secret in any answer, on stdout or stderr, or in actions.log', () => {
    scan('stdout', proxy.stdout.join('\n'));
    scan('stderr', proxy.stderr());
    scan('actions.log', readFileSync(join(proxy.stateDir, 'actions.log')));
    expect(leaks).toEqual([]);
    expect(actionRecords(proxy).length).toBeGreaterThan(0);
  });

  it(`memory stays bounded: RSS grows by less than ${MAX_RSS_GROWTH_KIB / 1024} MiB`, () => {
    memory('end');
    console.log(`hostile RSS (KiB): ${rss.map((s) => `${s.after}=${s.kib} (peak ${s.peakKib})`).join(', ')}`);
    expect(rss.at(-1)!.kib - rss[0]!.kib).toBeLessThan(MAX_RSS_GROWTH_KIB);
  });
});
