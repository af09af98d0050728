/**
 * 2. Throughput: CONCURRENCY keep-alive clients sending as fast as they can for THROUGHPUT_MS, direct
 * and then through the proxy, with the CPU of every party measured over the same window.
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
}

export async function compareThroughput(options: {
  directConnector: Connector;
  proxyConnector: Connector;
  agentCreds: Credentials;
  upstream: Upstream;
  proxyPid: number;
  proxyLog: LineCounter;
  profiler?: Profiler;
}): Promise<ThroughputComparison> {
  const { upstream, proxyLog, profiler } = options;
  const pids = { proxy: options.proxyPid, upstream: upstream.child.pid! };
  // Reading the upstream's counters resets them, so each run counts only its own timed requests.
  const direct = await measureThroughput(options.directConnector, REAL, pids, () => upstream.stats());
  const directUpstream = await upstream.stats();
  await sleep(500);
  const proxied = await measureThroughput(options.proxyConnector, options.agentCreds, pids, async () => {
    await upstream.stats();
    await sleep(100); // the warm-up requests' log lines
    proxyLog.mark();
    profiler?.start();
  });
  await profiler?.stop();
  const proxiedUpstream = await upstream.stats();
  return { direct, proxied, directUpstream, proxiedUpstream };
}

async function measureThroughput(
  connector: Connector,
  creds: Credentials,
  pids: { proxy: number; upstream: number },
  beforeClock: () => Promise<unknown>,
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
    proxyCpuMs: cpuMsOf(pids.proxy) - proxyBefore,
    upstreamCpuMs: cpuMsOf(pids.upstream) - upstreamBefore,
    clientCpuMs: clientCpuMs() - clientBefore,
    machine: machineCpuMsSince(machineBefore),
  };
  for (const agent of agents) agent.destroy();
  return result;
}
