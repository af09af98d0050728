/**
 * 2. Throughput: CONCURRENCY keep-alive clients sending as fast as they can for THROUGHPUT_MS, direct
 * and then through the proxy, with the CPU of every party measured over the same window; then (2b)
 * the proxied run alone, alternately against that proxy and one in enforce mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { REAL } from '../support/proxy-process.js';
import { OneConnectionAgent, send, signGetCallerIdentity, type Connector, type Credentials } from './client.js';
import type { Profiler } from './cpu-profile.js';
import { clientCpuMs, cpuMsOf, machineCpuMs, machineCpuMsSince, type MachineCpu } from './proc-sampling.js';
import type { LineCounter, Upstream, UpstreamStats } from './processes.js';
import { CONCURRENCY, THROUGHPUT_MS } from './settings.js';

export interface ThroughputResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  connections: number;
  proxyCpuMs: number;
  upstreamCpuMs: number;
  clientCpuMs: number;
  /** Machine-wide CPU time during the run, to spot other processes (or the hypervisor) competing. */
  machine: MachineCpu;
}

export interface ThroughputComparison {
  direct: ThroughputResult;
  proxied: ThroughputResult;
  directUpstream: UpstreamStats;
  proxiedUpstream: UpstreamStats;
  /** The same run through mitmdump (its CPU as "proxy CPU"), when it ran. */
  mitmdump?: ThroughputResult;
  mitmdumpUpstream?: UpstreamStats;
  /** The same run through Node's bare pass-through (floor-proxy.ts). */
  floor?: ThroughputResult;
}

export interface ProxiedRunOptions {
  proxyConnector: Connector;
  agentCreds: Credentials;
  upstream: Upstream;
  proxyPid: number;
  /** Marked when the clock starts, so its count is of the timed requests' lines. */
  proxyLog?: LineCounter;
  profiler?: Profiler;
  /** Default THROUGHPUT_MS; a shorter run serves as a warm-up. */
  durationMs?: number;
}

export async function compareThroughput(options: ProxiedRunOptions & { directConnector: Connector; mitmdump?: { connector: Connector; pid: number }; floor?: { connector: Connector; pid: number } }): Promise<ThroughputComparison> {
  const { upstream } = options;
  const pids = { proxy: options.proxyPid, upstream: upstream.child.pid! };
  // Reading the upstream's counters resets them, so each run counts only its own timed requests.
  const direct = await measureThroughput(options.directConnector, REAL, pids, () => upstream.stats());
  const directUpstream = await upstream.stats();
  await sleep(500);
  const { proxied, proxiedUpstream } = await measureProxiedThroughput(options);
  let floor: ThroughputResult | undefined;
  if (options.floor) {
    await sleep(500);
    floor = await measureThroughput(options.floor.connector, REAL, { proxy: options.floor.pid, upstream: upstream.child.pid! }, () => upstream.stats());
    await upstream.stats();
  }
  if (!options.mitmdump) return { direct, proxied, directUpstream, proxiedUpstream, floor };
  await sleep(500);
  const mitmPids = { proxy: options.mitmdump.pid, upstream: upstream.child.pid! };
  const mitmdump = await measureThroughput(options.mitmdump.connector, REAL, mitmPids, () => upstream.stats());
  const mitmdumpUpstream = await upstream.stats();
  return { direct, proxied, directUpstream, proxiedUpstream, mitmdump, mitmdumpUpstream, floor };
}

/** The proxied half alone: also run against the proxy restarted in enforce mode. */
export async function measureProxiedThroughput(options: ProxiedRunOptions): Promise<{ proxied: ThroughputResult; proxiedUpstream: UpstreamStats }> {
  const { upstream, proxyLog, profiler } = options;
  const pids = { proxy: options.proxyPid, upstream: upstream.child.pid! };
  const proxied = await measureThroughput(
    options.proxyConnector,
    options.agentCreds,
    pids,
    async () => {
      await upstream.stats();
      await sleep(100); // the warm-up requests' log lines
      proxyLog?.mark();
      profiler?.start();
    },
    options.durationMs,
  );
  await profiler?.stop();
  const proxiedUpstream = await upstream.stats();
  return { proxied, proxiedUpstream };
}

export interface ModeComparison {
  record: ThroughputResult;
  enforce: ThroughputResult;
  recordUpstream: UpstreamStats;
  enforceUpstream: UpstreamStats;
  blocks: number;
}

/**
 * 2b. The proxied run against two proxies, one in record mode and one in enforce mode, alternately
 * in blocks (record, enforce, enforce, record, …) that add up to THROUGHPUT_MS each, so that this
 * shared machine's drift and other processes' bursts fall on both alike. `profileLast`: the
 * enforce-mode proxy's profiler, run over its last block only.
 */
export async function compareModes(record: ProxiedRunOptions, enforce: ProxiedRunOptions, blocksPerMode: number, profileLast?: Profiler): Promise<ModeComparison> {
  const durationMs = THROUGHPUT_MS / blocksPerMode;
  const runs = { record: [] as ThroughputResult[], enforce: [] as ThroughputResult[] };
  const upstreams = { record: [] as UpstreamStats[], enforce: [] as UpstreamStats[] };
  const order = Array.from({ length: blocksPerMode * 2 }, (_, i) => ((i + 1) >> 1) % 2 === 0 ? ('record' as const) : ('enforce' as const));
  for (const [i, mode] of order.entries()) {
    const last = mode === 'enforce' && !order.slice(i + 1).includes('enforce');
    const options = mode === 'record' ? record : enforce;
    const { proxied, proxiedUpstream } = await measureProxiedThroughput({ ...options, durationMs, proxyLog: undefined, profiler: last ? profileLast : undefined });
    runs[mode].push(proxied);
    upstreams[mode].push(proxiedUpstream);
    await sleep(200);
  }
  return { record: combined(runs.record), enforce: combined(runs.enforce), recordUpstream: combinedUpstream(upstreams.record), enforceUpstream: combinedUpstream(upstreams.enforce), blocks: blocksPerMode };
}

function combined(results: ThroughputResult[]): ThroughputResult {
  const sum = (pick: (r: ThroughputResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    seconds: sum((r) => r.seconds),
    latencies: results.flatMap((r) => r.latencies),
    connections: sum((r) => r.connections),
    proxyCpuMs: sum((r) => r.proxyCpuMs),
    upstreamCpuMs: sum((r) => r.upstreamCpuMs),
    clientCpuMs: sum((r) => r.clientCpuMs),
    machine: { processes: sum((r) => r.machine.processes), interrupts: sum((r) => r.machine.interrupts), steal: sum((r) => r.machine.steal) },
  };
}

function combinedUpstream(stats: UpstreamStats[]): UpstreamStats {
  return { verified: stats.reduce((n, s) => n + s.verified, 0), refused: stats.reduce((n, s) => n + s.refused, 0), firstFailure: stats.find((s) => s.firstFailure)?.firstFailure };
}

export async function measureThroughput(
  connector: Connector,
  creds: Credentials,
  pids: { proxy: number; upstream: number },
  beforeClock: () => Promise<unknown>,
  durationMs = THROUGHPUT_MS,
): Promise<ThroughputResult> {
  const agents = Array.from({ length: CONCURRENCY }, () => new OneConnectionAgent(connector));
  // Open every connection (and tunnel) before the clock starts.
  await Promise.all(agents.map((agent) => send(agent, signGetCallerIdentity(creds))));
  await beforeClock();
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const proxyBefore = cpuMsOf(pids.proxy);
  const upstreamBefore = cpuMsOf(pids.upstream);
  const clientBefore = clientCpuMs();
  const machineBefore = machineCpuMs();
  const started = performance.now();
  const deadline = started + durationMs;
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
    proxyCpuMs: cpuMsOf(pids.proxy) - proxyBefore,
    upstreamCpuMs: cpuMsOf(pids.upstream) - upstreamBefore,
    clientCpuMs: clientCpuMs() - clientBefore,
    machine: machineCpuMsSince(machineBefore),
  };
  for (const agent of agents) agent.destroy();
  return result;
}
