/**
 * `npm run bench`: what the proxy costs an agent, measured against the same fake AWS reached directly.
 *
 *   1. added latency of one sequential request on one keep-alive connection;
 *   2. throughput of 32 concurrent keep-alive clients, with the proxy's CPU use;
 *   3. time to the first response on a host the proxy has not seen (leaf certificate minting);
 *   4. SigV4 signing and hashing speed, node:crypto (NodeSha256) vs @aws-crypto/sha256-js;
 *   5. the proxy's memory.
 *
 * It prints figures and asserts nothing. All traffic stays on 127.0.0.1. Knobs (environment):
 *   BENCH_LATENCY_N (2000), BENCH_THROUGHPUT_SECONDS (10), BENCH_CONCURRENCY (32),
 *   BENCH_PROXY_CPU_PROF=<dir>: profile the proxy's CPU during the proxied throughput run (V8 profiler,
 *   started and stopped by SIGUSR2 through cpu-profile-preload.mjs, as Node 20 refuses --cpu-prof in
 *   NODE_OPTIONS), write <dir>/proxy-throughput.cpuprofile and print its top self-time functions.
 *   Profiling slows the proxy: quote the figures of a run without it.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChecksumConstructor } from '@smithy/types';
import aws4 from 'aws4';
import { NodeSha256 } from '../../src/aws/node-sha256.js';
import type { FakeAws } from '../support/fake-aws.js';
import { PROXY_CREDS_BIN, REAL, REPO, run, startProxy, type ProxyRun } from '../support/proxy-process.js';

// ---------------------------------------------------------------------------------------------
// Settings

const LATENCY_N = envInt('BENCH_LATENCY_N', 2000);
const LATENCY_WARMUP = 300;
const LATENCY_BLOCK = 100; // proxied and direct alternate in blocks, so drift hits both alike
const THROUGHPUT_MS = envInt('BENCH_THROUGHPUT_SECONDS', 10) * 1000;
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 32);
const NEW_HOST_REGIONS = ['us-west-1', 'us-west-2', 'us-east-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-south-1', 'ap-northeast-1', 'ap-southeast-2', 'sa-east-1'];
const CPU_PROF_DIR = process.env.BENCH_PROXY_CPU_PROF ? resolve(process.env.BENCH_PROXY_CPU_PROF) : undefined;
const CPU_PROF_FILE = CPU_PROF_DIR ? join(CPU_PROF_DIR, 'proxy-throughput.cpuprofile') : undefined;
/** The whole run must end by itself; this is the backstop. */
const WATCHDOG_MS = 170_000;

const STS_HOST = 'sts.amazonaws.com';
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
const CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';
const CLK_TCK = clockTicks();

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

// ---------------------------------------------------------------------------------------------
// Small statistics and /proc helpers

const sortNum = (values: number[]): number[] => [...values].sort((a, b) => a - b);
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const median = (values: number[]): number => quantile(sortNum(values), 0.5);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** utime + stime of a process, in ms of CPU. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/** Machine-wide CPU time (all CPUs) from /proc/stat, in ms: processes, kernel interrupt work, hypervisor steal. */
function machineCpuMs(): { processes: number; interrupts: number; steal: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number);
  const ms = (t: number): number => (t * 1000) / CLK_TCK;
  return { processes: ms(user + nice + system), interrupts: ms(irq + softirq), steal: ms(steal) };
}

const clientCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// Client side: one connection per agent, created by a "connector"

type Connector = () => Promise<Duplex>;
interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}
interface SignedRequest {
  headers: Record<string, string>;
}

/** An http.Agent that holds at most one keep-alive connection and gets it from `connector`. */
class OneConnectionAgent extends http.Agent {
  connectionsOpened = 0;

  constructor(private readonly connector: Connector) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, keepAliveMsecs: 60_000 });
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.connectionsOpened++;
    this.connector().then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

interface ConnectTimings {
  start?: number;
  tunnelOpen?: number;
  tlsDone?: number;
}

/** CONNECT host:443 through the proxy, then TLS inside the tunnel trusting the proxy's CA. */
function tunnelThroughProxy(proxyPort: number, host: string, ca: string, timings?: ConnectTimings): Promise<Duplex> {
  return new Promise((resolveSocket, reject) => {
    if (timings) timings.start ??= performance.now();
    const connect = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxyPort, path: `${host}:443`, headers: { host: `${host}:443` }, agent: false });
    connect.once('error', reject);
    connect.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200 || head.length > 0) {
        socket.destroy();
        return reject(new Error(`CONNECT ${host}: ${response.statusCode}`));
      }
      if (timings) timings.tunnelOpen = performance.now();
      socket.setNoDelay(true);
      const secure = tls.connect({ socket, servername: host, ca }, () => {
        if (timings) timings.tlsDone = performance.now();
        resolveSocket(secure);
      });
      secure.once('error', reject);
    });
    connect.end();
  });
}

/** TLS straight to the fake upstream (its certificate names 127.0.0.1). */
function directToUpstream(port: number, ca: string, timings?: ConnectTimings): Promise<Duplex> {
  return new Promise((resolveSocket, reject) => {
    if (timings) timings.start ??= performance.now();
    const secure = tls.connect({ host: '127.0.0.1', port, ca }, () => {
      if (timings) timings.tlsDone = performance.now();
      resolveSocket(secure);
    });
    secure.setNoDelay(true);
    secure.once('error', reject);
  });
}

/** An STS GetCallerIdentity request signed with aws4 (SigV4) for `host` / `region`. */
function signGetCallerIdentity(credentials: Credentials, host = STS_HOST, region = 'us-east-1'): SignedRequest {
  const signed = aws4.sign({ host, method: 'POST', path: '/', service: 'sts', region, body: BODY, headers: { 'Content-Type': CONTENT_TYPE } }, credentials);
  return { headers: signed.headers as Record<string, string> };
}

/** Sends one signed request on `agent`; resolves with the status (and the body when asked). */
function send(agent: http.Agent, request: SignedRequest, keepBody = false): Promise<{ status: number; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = http.request({ agent, method: 'POST', path: '/', headers: request.headers }, (response) => {
      let body = '';
      if (keepBody) response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      else response.resume();
      response.once('end', () => resolveResponse({ status: response.statusCode ?? 0, body }));
      response.once('error', reject);
    });
    req.once('error', reject);
    req.end(BODY);
  });
}

// ---------------------------------------------------------------------------------------------
// Processes under test

interface Upstream {
  child: ChildProcess;
  endpoint: string;
  port: number;
  caFile: string;
  caPem: string;
  stats(): Promise<{ verified: number; refused: number; firstFailure?: string }>;
  stop(): Promise<void>;
}

function startUpstream(): Promise<Upstream> {
  const child = fork(join(import.meta.dirname, 'fake-upstream-process.ts'), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolveUpstream, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake upstream exited with ${code}`)));
    child.once('message', (message: { endpoint: string; caFile: string; caPem: string }) => {
      const nextMessage = <T>(): Promise<T> => new Promise((got) => child.once('message', (m) => got(m as T)));
      resolveUpstream({
        child,
        endpoint: message.endpoint,
        port: Number(new URL(message.endpoint).port),
        caFile: message.caFile,
        caPem: message.caPem,
        async stats() {
          const reply = nextMessage<{ stats: { verified: number; refused: number; firstFailure?: string } }>();
          child.send('stats');
          return (await reply).stats;
        },
        async stop() {
          if (child.exitCode !== null) return;
          const exited = new Promise<void>((done) => child.once('exit', () => done()));
          child.send('stop');
          await Promise.race([exited, sleep(3000).then(() => void child.kill())]);
        },
      });
    });
  });
}

/** Counts the proxy's stdout lines (one per request) without keeping them. */
function drainProxyStdout(proxy: ProxyRun): { lines: () => number } {
  let lines = 0;
  const stdout = proxy.child.stdout!;
  stdout.removeAllListeners('data');
  proxy.stdout.length = 0;
  stdout.on('data', (chunk: string) => {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
  });
  return { lines: () => lines };
}

// ---------------------------------------------------------------------------------------------
// 1. Added latency

interface LatencyResult {
  samples: number[];
  connections: number;
  errors: number;
}

async function measureLatency(proxyConnector: Connector, directConnector: Connector, agentCreds: Credentials): Promise<{ proxied: LatencyResult; direct: LatencyResult }> {
  const total = LATENCY_WARMUP + LATENCY_N;
  const makeCase = (connector: Connector, credentials: Credentials) => ({
    agent: new OneConnectionAgent(connector),
    // Pre-signed outside the timed section: each timed interval is one request's round trip only.
    presigned: Array.from({ length: total }, () => signGetCallerIdentity(credentials)),
    samples: [] as number[],
    errors: 0,
  });
  type Case = ReturnType<typeof makeCase>;
  const proxied = makeCase(proxyConnector, agentCreds);
  const direct = makeCase(directConnector, REAL);
  const runRange = async (c: Case, from: number, to: number, record: boolean): Promise<void> => {
    for (let i = from; i < to; i++) {
      const started = performance.now();
      const { status } = await send(c.agent, c.presigned[i]!);
      const elapsed = performance.now() - started;
      if (status !== 200) c.errors++;
      if (record) c.samples.push(elapsed);
    }
  };
  await runRange(proxied, 0, LATENCY_WARMUP, false);
  await runRange(direct, 0, LATENCY_WARMUP, false);
  for (let from = LATENCY_WARMUP; from < total; from += LATENCY_BLOCK) {
    const to = Math.min(from + LATENCY_BLOCK, total);
    await runRange(proxied, from, to, true);
    await runRange(direct, from, to, true);
  }
  const result = (c: Case): LatencyResult => {
    c.agent.destroy();
    return { samples: c.samples, connections: c.agent.connectionsOpened, errors: c.errors };
  };
  return { proxied: result(proxied), direct: result(direct) };
}

// ---------------------------------------------------------------------------------------------
// 2. Throughput

interface ThroughputResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  connections: number;
  proxyCpuMs?: number;
  upstreamCpuMs: number;
  clientCpuMs: number;
  /** Machine-wide CPU time during the run, to spot other processes (or the hypervisor) competing. */
  machine: { processes: number; interrupts: number; steal: number };
}

async function measureThroughput(
  connector: Connector,
  creds: Credentials,
  pids: { proxy?: number; upstream: number },
  beforeClock: () => Promise<unknown>,
): Promise<ThroughputResult> {
  const agents = Array.from({ length: CONCURRENCY }, () => new OneConnectionAgent(connector));
  // Open every connection (and tunnel) before the clock starts.
  await Promise.all(agents.map((agent) => send(agent, signGetCallerIdentity(creds))));
  await beforeClock();
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const proxyBefore = pids.proxy ? cpuMsOf(pids.proxy) : undefined;
  const upstreamBefore = cpuMsOf(pids.upstream);
  const clientBefore = clientCpuMs();
  const machineBefore = machineCpuMs();
  const started = performance.now();
  const deadline = started + THROUGHPUT_MS;
  await Promise.all(
    agents.map(async (agent) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          // Signed inside the loop, for proxied and direct alike (aws4, ~tens of µs of client CPU).
          const { status } = await send(agent, signGetCallerIdentity(creds));
          if (status === 200) requests++;
          else errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const result: ThroughputResult = {
    requests,
    errors,
    seconds,
    latencies,
    connections: agents.reduce((n, agent) => n + agent.connectionsOpened, 0),
    proxyCpuMs: pids.proxy ? cpuMsOf(pids.proxy) - proxyBefore! : undefined,
    upstreamCpuMs: cpuMsOf(pids.upstream) - upstreamBefore,
    clientCpuMs: clientCpuMs() - clientBefore,
    machine: (({ processes, interrupts, steal }) => ({
      processes: processes - machineBefore.processes,
      interrupts: interrupts - machineBefore.interrupts,
      steal: steal - machineBefore.steal,
    }))(machineCpuMs()),
  };
  for (const agent of agents) agent.destroy();
  return result;
}

// ---------------------------------------------------------------------------------------------
// 3. Time to first response on a new host

interface FirstRequest {
  host: string;
  total: number;
  tunnel?: number;
  tls: number;
  request: number;
  /** A second request on the same, now open, connection. */
  second: number;
  status: number;
}

async function firstRequest(connect: (timings: ConnectTimings) => Promise<Duplex>, request: SignedRequest, host: string): Promise<FirstRequest> {
  const timings: ConnectTimings = {};
  const agent = new OneConnectionAgent(() => connect(timings));
  const started = performance.now();
  timings.start = started;
  const { status } = await send(agent, request);
  const done = performance.now();
  await send(agent, request); // same signature again: fine within the 15-minute window
  const second = performance.now() - done;
  agent.destroy();
  return {
    host,
    total: done - started,
    tunnel: timings.tunnelOpen !== undefined ? timings.tunnelOpen - started : undefined,
    tls: timings.tlsDone! - (timings.tunnelOpen ?? started),
    request: done - timings.tlsDone!,
    second,
    status,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Signing and hashing speed (in this process, after the proxy has stopped)

type Sha = ChecksumConstructor;

async function signOnce(sha: Sha, signingDate: Date): Promise<string> {
  // A new signer per signature, as the proxy does (twice per request: verify, then re-sign).
  const signer = new SignatureV4({ credentials: REAL, region: 'us-east-1', service: 'sts', sha256: sha, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: STS_HOST,
      path: '/',
      query: {},
      headers: { host: STS_HOST, 'content-type': CONTENT_TYPE, 'content-length': String(BODY.length) },
      body: BODY,
    },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

async function signaturesPerSecond(sha: Sha, ms: number): Promise<number> {
  const signingDate = new Date();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 100; i++) await signOnce(sha, signingDate);
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

async function hashMs(sha: Sha, data: Uint8Array, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const hash = new sha();
    hash.update(data);
    await hash.digest();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function measureSigning(): Promise<{ node: number; js: number; sameSignature: boolean; hashNode: number; hashJs: number }> {
  const date = new Date();
  const sameSignature = (await signOnce(NodeSha256, date)) === (await signOnce(Sha256, date));
  for (let i = 0; i < 3000; i++) {
    await signOnce(NodeSha256, date);
    await signOnce(Sha256, date);
  }
  const node: number[] = [];
  const js: number[] = [];
  for (let round = 0; round < 7; round++) {
    node.push(await signaturesPerSecond(NodeSha256, 400));
    js.push(await signaturesPerSecond(Sha256, 400));
  }
  const mib = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
  await hashMs(NodeSha256, mib, 3);
  await hashMs(Sha256, mib, 3);
  return { node: median(node), js: median(js), sameSignature, hashNode: await hashMs(NodeSha256, mib, 21), hashJs: await hashMs(Sha256, mib, 9) };
}

// ---------------------------------------------------------------------------------------------
// CPU profile summary

function summariseProfile(file: string): string[] {
  if (!existsSync(file)) return [`  no profile was written to ${file}`];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
  }
  const shortUrl = (url: string): string =>
    url
      .replace(/^file:\/\//, '')
      .replace(`${REPO}/`, '')
      .replace(/^.*node_modules\//, 'node_modules/');
  const where = (url: string): string => {
    if (!url) return '(native / VM)';
    if (url.startsWith('node:')) return url.replace(/^node:internal\/(\w+).*/, 'node:internal/$1');
    const short = shortUrl(url);
    const pkg = /^node_modules\/((@[^/]+\/)?[^/]+)/.exec(short);
    return pkg ? pkg[1]! : short.startsWith('dist/') ? 'iam-agent-proxy (dist/)' : short;
  };
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const key = `${functionName || '(anonymous)'}  ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const place = ['(garbage collector)', '(program)'].includes(functionName) ? functionName : where(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const lines = [
    `  ${file}: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle during the proxied throughput run; % of busy time`,
    '  top self time by function:',
  ];
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`    ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  lines.push('  self time by place:');
  for (const [key, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`    ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Output

const f1 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(2));
const f3 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(3));
const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)].join('\n');
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() ? ' (src/ modified)' : '';
    return commit + dirty;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const out = (text = ''): void => void process.stdout.write(`${text}\n`);
  const cpuList = cpus();
  out('iam-agent-proxy benchmark');
  out(`  node ${process.version}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? 'unknown'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(`  commit ${gitCommit()}; proxy = dist/ built by npm run build; upstream = startFakeAws (aws4-verifying) in its own process`);
  out(`  client: this process, Node http over one TLS connection per client; requests: POST / ${BODY} (host ${STS_HOST}, us-east-1, sts)`);
  if (CPU_PROF_FILE) out(`  the proxy is CPU-profiled during the proxied throughput run (${CPU_PROF_FILE}): its figures there are slowed by the profiler`);
  out();

  const upstream = await startUpstream();
  let proxy: ProxyRun | undefined;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${WATCHDOG_MS / 1000} s; stopping\n`);
    proxy?.child.kill('SIGKILL');
    upstream.child.kill('SIGKILL');
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    if (CPU_PROF_DIR && CPU_PROF_FILE) {
      mkdirSync(CPU_PROF_DIR, { recursive: true });
      rmSync(CPU_PROF_FILE, { force: true });
    }
    const preload = pathToFileURL(join(import.meta.dirname, 'cpu-profile-preload.mjs')).href;
    proxy = await startProxy({
      upstream: { endpoint: upstream.endpoint, caFile: upstream.caFile } as FakeAws,
      env: CPU_PROF_FILE ? { NODE_OPTIONS: `--import ${preload}`, BENCH_CPU_PROFILE_OUT: CPU_PROF_FILE } : {},
    });
    const proxyPid = proxy.child.pid!;
    const stdoutLines = drainProxyStdout(proxy);
    const proxyCa = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
    await sleep(500); // let the proxy's own startup work (account discovery) finish
    const memStart = memoryOf(proxyPid);

    const creds = await run(process.execPath, [PROXY_CREDS_BIN], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: proxy.home });
    if (creds.code !== 0) throw new Error(`proxy-creds failed: ${creds.stderr}`);
    const issued = JSON.parse(creds.stdout) as { AccessKeyId: string; SecretAccessKey: string };
    const agentCreds: Credentials = { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey };

    const proxyConnector: Connector = () => tunnelThroughProxy(proxy!.port, STS_HOST, proxyCa);
    const directConnector: Connector = () => directToUpstream(upstream.port, upstream.caPem);

    // Sanity: both paths answer GetCallerIdentity with the fake's account.
    for (const [name, connector, credentials] of [['proxied', proxyConnector, agentCreds], ['direct', directConnector, REAL]] as const) {
      const agent = new OneConnectionAgent(connector);
      const reply = await send(agent, signGetCallerIdentity(credentials), true);
      agent.destroy();
      if (reply.status !== 200 || !reply.body.includes('<Account>')) throw new Error(`${name} sanity request failed: ${reply.status} ${reply.body}`);
    }
    await upstream.stats(); // reset the counters

    // 1. Latency
    process.stderr.write(`bench: 1/5 latency (${LATENCY_N} sequential requests each way)...\n`);
    const latency = await measureLatency(proxyConnector, directConnector, agentCreds);
    const memAfterLatency = memoryOf(proxyPid);

    // 3. New hosts (before the throughput run, on a quiet proxy)
    process.stderr.write('bench: 3/5 first request on new hosts...\n');
    const newHosts: FirstRequest[] = [];
    const seenHosts: FirstRequest[] = [];
    const directNew: FirstRequest[] = [];
    for (const region of NEW_HOST_REGIONS) {
      const host = `sts.${region}.amazonaws.com`;
      newHosts.push(await firstRequest((t) => tunnelThroughProxy(proxy!.port, host, proxyCa, t), signGetCallerIdentity(agentCreds, host, region), host));
    }
    for (const region of NEW_HOST_REGIONS) {
      const host = `sts.${region}.amazonaws.com`;
      seenHosts.push(await firstRequest((t) => tunnelThroughProxy(proxy!.port, host, proxyCa, t), signGetCallerIdentity(agentCreds, host, region), host));
    }
    for (const region of NEW_HOST_REGIONS) {
      const host = `sts.${region}.amazonaws.com`;
      directNew.push(await firstRequest((t) => directToUpstream(upstream.port, upstream.caPem, t), signGetCallerIdentity(REAL, host, region), host));
    }

    // 2. Throughput
    process.stderr.write(`bench: 2/5 throughput (${CONCURRENCY} clients, ${THROUGHPUT_MS / 1000} s each way)...\n`);
    const resetUpstreamCounters = () => upstream.stats();
    const direct = await measureThroughput(directConnector, REAL, { upstream: upstream.child.pid!, proxy: proxyPid }, resetUpstreamCounters);
    const directUpstream = await upstream.stats();
    await sleep(500);
    let linesBeforeProxied = 0;
    const proxied = await measureThroughput(proxyConnector, agentCreds, { upstream: upstream.child.pid!, proxy: proxyPid }, async () => {
      await resetUpstreamCounters();
      await sleep(100); // the warm-up requests' log lines
      linesBeforeProxied = stdoutLines.lines();
      if (CPU_PROF_FILE) process.kill(proxyPid, 'SIGUSR2'); // start profiling
    });
    if (CPU_PROF_FILE) {
      process.kill(proxyPid, 'SIGUSR2'); // stop profiling and write the profile
      for (let waited = 0; waited < 10_000 && !existsSync(CPU_PROF_FILE); waited += 100) await sleep(100);
    }
    const proxiedUpstream = await upstream.stats();
    const memAfterThroughput = memoryOf(proxyPid);
    await sleep(200);
    const linesDuringThroughput = stdoutLines.lines() - linesBeforeProxied;
    await sleep(2800);
    const memIdle = memoryOf(proxyPid);
    const proxyWarnings = proxy
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('iam-agent-proxy: ') && !/listening on/.test(l));

    await proxy.stop();
    await upstream.stop();

    // 4. Signing (the proxy and upstream are gone: this process has the machine to itself)
    process.stderr.write('bench: 4/5 signing and hashing...\n');
    const signing = await measureSigning();

    // ------------------------------------------------------------------ report
    const lp = sortNum(latency.proxied.samples);
    const ld = sortNum(latency.direct.samples);
    out(`1. Added latency: ${LATENCY_N} sequential requests on ONE keep-alive connection each (after ${LATENCY_WARMUP} warm-up), ms`);
    out('   requests pre-signed with aws4 before the timed section; proxied and direct alternate in blocks of 100');
    out(
      table(
        ['', 'direct', 'via proxy', 'added'],
        [
          ['median', f3(quantile(ld, 0.5)), f3(quantile(lp, 0.5)), f3(quantile(lp, 0.5) - quantile(ld, 0.5))],
          ['mean', f3(mean(ld)), f3(mean(lp)), f3(mean(lp) - mean(ld))],
          ['p90', f3(quantile(ld, 0.9)), f3(quantile(lp, 0.9)), f3(quantile(lp, 0.9) - quantile(ld, 0.9))],
          ['p99', f3(quantile(ld, 0.99)), f3(quantile(lp, 0.99)), f3(quantile(lp, 0.99) - quantile(ld, 0.99))],
          ['max', f3(quantile(ld, 1)), f3(quantile(lp, 1)), ''],
          ['connections opened', String(latency.direct.connections), String(latency.proxied.connections), ''],
          ['non-200 answers', String(latency.direct.errors), String(latency.proxied.errors), ''],
        ],
      ),
    );
    out();

    const rps = (r: ThroughputResult): number => r.requests / r.seconds;
    const cpuPct = (ms: number | undefined, r: ThroughputResult): string => (ms === undefined ? '-' : `${f1(ms / 10 / r.seconds)}%`);
    const perReq = (ms: number | undefined, r: ThroughputResult): string => (ms === undefined ? '-' : `${f3(ms / Math.max(1, r.requests + r.errors))}`);
    const othersMs = (r: ThroughputResult): number => Math.max(0, r.machine.processes - (r.proxyCpuMs ?? 0) - r.upstreamCpuMs - r.clientCpuMs);
    const idleMs = (r: ThroughputResult): number =>
      Math.max(0, cpuList.length * r.seconds * 1000 - r.machine.processes - r.machine.interrupts - r.machine.steal);
    const dl = sortNum(direct.latencies);
    const pl = sortNum(proxied.latencies);
    out(`2. Throughput: ${CONCURRENCY} concurrent keep-alive clients (each its own connection / CONNECT tunnel) for ${THROUGHPUT_MS / 1000} s`);
    out('   each request signed with aws4 inside the loop, in both cases; CPU% is of one core (100% = one core busy;');
    out(`   this machine has ${cpuList.length * 100}%); "all other processes" or "steal" above a few % means`);
    out('   something else competed for the CPUs during the run');
    out(
      table(
        ['', 'direct', 'via proxy', 'ratio'],
        [
          ['requests/s', f0(rps(direct)), f0(rps(proxied)), `${f2(rps(proxied) / rps(direct))}x`],
          ['requests completed', f0(direct.requests), f0(proxied.requests), ''],
          ['errors / non-200', String(direct.errors), String(proxied.errors), ''],
          ['latency median, ms', f2(quantile(dl, 0.5)), f2(quantile(pl, 0.5)), ''],
          ['latency p99, ms', f2(quantile(dl, 0.99)), f2(quantile(pl, 0.99)), ''],
          ['connections opened', String(direct.connections), String(proxied.connections), ''],
          ['proxy CPU', cpuPct(direct.proxyCpuMs, direct), cpuPct(proxied.proxyCpuMs, proxied), ''],
          ['proxy CPU per request, ms', '-', perReq(proxied.proxyCpuMs, proxied), ''],
          ['upstream CPU', cpuPct(direct.upstreamCpuMs, direct), cpuPct(proxied.upstreamCpuMs, proxied), ''],
          ['upstream CPU per request, ms', perReq(direct.upstreamCpuMs, direct), perReq(proxied.upstreamCpuMs, proxied), ''],
          ['client CPU (this process)', cpuPct(direct.clientCpuMs, direct), cpuPct(proxied.clientCpuMs, proxied), ''],
          ['client CPU per request, ms', perReq(direct.clientCpuMs, direct), perReq(proxied.clientCpuMs, proxied), ''],
          ['all other processes, CPU', cpuPct(othersMs(direct), direct), cpuPct(othersMs(proxied), proxied), ''],
          ['kernel irq+softirq (loopback TCP)', cpuPct(direct.machine.interrupts, direct), cpuPct(proxied.machine.interrupts, proxied), ''],
          ['steal (hypervisor)', cpuPct(direct.machine.steal, direct), cpuPct(proxied.machine.steal, proxied), ''],
          ['machine CPU idle', cpuPct(idleMs(direct), direct), cpuPct(idleMs(proxied), proxied), ''],
          ['upstream verified / refused', `${f0(directUpstream.verified)} / ${directUpstream.refused}`, `${f0(proxiedUpstream.verified)} / ${proxiedUpstream.refused}`, ''],
          ['proxy stdout lines', '-', f0(linesDuringThroughput), ''],
        ],
      ),
    );
    if (directUpstream.firstFailure || proxiedUpstream.firstFailure) out(`   upstream refusal: ${directUpstream.firstFailure ?? proxiedUpstream.firstFailure}`);
    out();

    const stat = (rows: FirstRequest[], pick: (r: FirstRequest) => number | undefined): [string, string] => {
      const values = rows.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? [f2(median(values)), f2(Math.max(...values))] : ['-', '-'];
    };
    const rowsFor = (label: string, rows: FirstRequest[]): string[] => [
      label,
      ...stat(rows, (r) => r.total),
      ...stat(rows, (r) => r.tunnel),
      ...stat(rows, (r) => r.tls),
      ...stat(rows, (r) => r.request),
      ...stat(rows, (r) => r.second),
      String(rows.filter((r) => r.status !== 200).length),
    ];
    out(`3. Time to first response on a new connection, ${NEW_HOST_REGIONS.length} hosts sts.<region>.amazonaws.com (${NEW_HOST_REGIONS[0]} … ${NEW_HOST_REGIONS.at(-1)}), ms, median / max`);
    out('   total = start of CONNECT (or TCP connect) to the end of the first response = CONNECT + tls (handshake) + 1st req;');
    out('   2nd req = a second request on the same connection, for reference');
    out(
      table(
        ['', 'total med', 'total max', 'CONNECT med', 'CONNECT max', 'tls med', 'tls max', '1st req med', '1st req max', '2nd req med', '2nd req max', 'non-200'],
        [
          rowsFor('proxy, new host (mints a leaf)', newHosts),
          rowsFor('proxy, host already seen', seenHosts),
          rowsFor('direct, new TLS connection', directNew),
        ],
      ),
    );
    out(`   slowest new host: ${newHosts.reduce((a, b) => (b.total > a.total ? b : a)).host}; first new host (${newHosts[0]!.host}): ${f2(newHosts[0]!.total)} ms`);
    out();

    out('4. SigV4 signing (@smithy/signature-v4, new signer per signature as in the proxy) and SHA-256 speed, in this process');
    out(
      table(
        ['', 'NodeSha256 (node:crypto)', '@aws-crypto/sha256-js', 'node:crypto faster by'],
        [
          ['signatures/s, small STS request (median of 7)', f0(signing.node), f0(signing.js), `${f2(signing.node / signing.js)}x`],
          ['µs per signature', f1(1e6 / signing.node), f1(1e6 / signing.js), ''],
          ['hash 1 MiB, ms (median)', f3(signing.hashNode), f3(signing.hashJs), `${f1(signing.hashJs / signing.hashNode)}x`],
        ],
      ),
    );
    out(`   both produce the same signature: ${signing.sameSignature ? 'yes' : 'NO'}`);
    out();

    out('5. Proxy memory (from /proc/<pid>/status), MiB');
    out(
      table(
        ['', 'VmRSS', 'VmHWM (peak)'],
        [
          ['after start', f1(memStart.rssMiB), f1(memStart.hwmMiB)],
          ['after latency test', f1(memAfterLatency.rssMiB), f1(memAfterLatency.hwmMiB)],
          [`after throughput run (${f0(direct.requests + proxied.requests)} req)`, f1(memAfterThroughput.rssMiB), f1(memAfterThroughput.hwmMiB)],
          ['after 3 s idle', f1(memIdle.rssMiB), f1(memIdle.hwmMiB)],
        ],
      ),
    );
    if (proxyWarnings.length) out(`   proxy stderr warnings (${proxyWarnings.length}): ${proxyWarnings.slice(0, 3).join(' | ')}`);
    out();

    if (CPU_PROF_FILE) {
      out('Proxy CPU profile (proxied throughput run)');
      for (const line of summariseProfile(CPU_PROF_FILE)) out(line);
      out();
    }

    out('What the figures mean');
    for (const line of [
      '(1) is what one agent that waits for each call pays: the same request on an already-open keep-alive',
      'connection, straight to the fake AWS versus through the proxy, which parses it, verifies the agent\'s SigV4',
      'signature, resolves the IAM action, logs it, re-signs it with the real key and relays it over its own pooled',
      'connection. "added" is the difference of the two distributions\' quantiles (an estimate, not a per-request',
      'figure). (2) is what many agents together can push. Clients, proxy and fake upstream share this machine\'s',
      'CPUs, so requests/s is bounded by total CPU and the ratio understates what the proxy alone could do;',
      '"proxy CPU per request" is the figure that carries over (1000 / it = requests/s one core of proxy could',
      'sustain). (3) is the one-off cost of opening a connection to an AWS host: a new host costs a leaf',
      'certificate minted and signed by the proxy CA during the TLS handshake, and on the first request a new',
      'upstream TLS connection (Node pools outbound connections by SNI, which it takes from the Host header, so',
      'each AWS host gets its own, as against real AWS); an already-seen host costs only the CONNECT and the',
      'handshake; the direct row is a plain new TLS connection for reference.',
      '(4) justifies node:crypto behind @smithy/signature-v4: the proxy signs twice per request',
      '(verify and re-sign) and hashes every signed body once. (5) is the proxy process\'s resident memory;',
      'VmHWM is its peak. The fake upstream verifies every request with aws4 and is slower than AWS would be;',
      'read the proxied numbers against the direct ones, which are the baseline.',
    ])
      out(`  ${line}`);
    out();
    out(`bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    if (proxy && proxy.child.exitCode === null) await proxy.stop();
    await upstream.stop();
  }
}

await main();
