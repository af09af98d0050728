/**
 * 9. Load and soak, against a proxy of their own (record mode, started for this section):
 * LOAD_CONCURRENCY keep-alive clients send as fast as they can. The load figures are those of the
 * first LOAD_SECONDS (every error counted: the goal is none); the run then goes on with the same
 * clients, if need be, until SOAK_REQUESTS have been answered, and the proxy's VmRSS is read when
 * SOAK_REQUESTS / 10 and SOAK_REQUESTS requests have completed: a proxy that keeps something per
 * request grows between the two.
 */
import { OneConnectionAgent, send, signGetCallerIdentity, type Connector, type Credentials } from './client.js';
import { cpuMsOf, memoryOf, type Memory } from './proc-sampling.js';
import type { Upstream, UpstreamStats } from './processes.js';
import { LOAD_CONCURRENCY, LOAD_MS, SOAK_REQUESTS } from './settings.js';

export interface LoadResult {
  clients: number;
  /** The first LOAD_MS. */
  load: { seconds: number; requests: number; errors: number; latencies: number[]; proxyCpuMs: number; firstError?: string };
  /** The whole run, load included. */
  soak: { seconds: number; requests: number; errors: number; firstError?: string; early: Memory & { at: number }; late: Memory & { at: number }; start: Memory; peakRssMiB: number };
  connections: number;
  upstream: UpstreamStats;
}

export async function measureLoad(options: { proxyConnector: Connector; agentCreds: Credentials; proxyPid: number; upstream: Upstream }): Promise<LoadResult> {
  const { proxyConnector, agentCreds, proxyPid, upstream } = options;
  const agents = Array.from({ length: LOAD_CONCURRENCY }, () => new OneConnectionAgent(proxyConnector));
  await Promise.all(agents.map((agent) => send(agent, signGetCallerIdentity(agentCreds))));
  await upstream.stats();
  const earlyAt = Math.max(1, Math.round(SOAK_REQUESTS / 10));
  const start = memoryOf(proxyPid);
  let early: (Memory & { at: number }) | undefined;
  let late: (Memory & { at: number }) | undefined;
  let peakRssMiB = start.rssMiB;
  const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, memoryOf(proxyPid).rssMiB)), 1000);
  const load = { seconds: 0, requests: 0, errors: 0, latencies: [] as number[], proxyCpuMs: 0, firstError: undefined as string | undefined };
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpuBefore = cpuMsOf(proxyPid);
  const started = performance.now();
  const loadEnds = started + LOAD_MS;
  let loadOver = false;
  const endLoad = (): void => {
    if (loadOver) return;
    loadOver = true;
    load.seconds = (performance.now() - started) / 1000;
    load.proxyCpuMs = cpuMsOf(proxyPid) - cpuBefore;
  };
  await Promise.all(
    agents.map(async (agent) => {
      while (requests < SOAK_REQUESTS || performance.now() < loadEnds) {
        const t0 = performance.now();
        const inLoad = t0 < loadEnds;
        if (!inLoad) endLoad();
        let failure: string | undefined;
        try {
          const { status } = await send(agent, signGetCallerIdentity(agentCreds));
          if (status !== 200) failure = `HTTP ${status}`;
        } catch (error) {
          failure = (error as Error).message;
        }
        if (failure) {
          errors++;
          firstError ??= failure;
        } else requests++;
        if (inLoad) {
          load.latencies.push(performance.now() - t0);
          if (failure) {
            load.errors++;
            load.firstError ??= failure;
          } else load.requests++;
        }
        if (!early && requests >= earlyAt) early = { ...memoryOf(proxyPid), at: requests };
        if (!late && requests >= SOAK_REQUESTS) late = { ...memoryOf(proxyPid), at: requests };
      }
    }),
  );
  endLoad();
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const result: LoadResult = {
    clients: LOAD_CONCURRENCY,
    load,
    soak: { seconds, requests, errors, firstError, start, early: early ?? { ...memoryOf(proxyPid), at: requests }, late: late ?? { ...memoryOf(proxyPid), at: requests }, peakRssMiB },
    connections: agents.reduce((n, agent) => n + agent.connectionsOpened, 0),
    upstream: await upstream.stats(),
  };
  for (const agent of agents) agent.destroy();
  return result;
}
