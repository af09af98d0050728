/**
 * `npm run bench`: what the proxy costs an agent, measured against the same fake AWS reached directly.
 *
 *   1. added latency of one sequential request on one keep-alive connection;
 *   2. throughput of 32 concurrent keep-alive clients, with the proxy's CPU use;
 *   3. time to the first response on a host the proxy has not seen (leaf certificate minting);
 *   4. SigV4 signing and hashing speed, node:crypto (NodeSha256) vs @aws-crypto/sha256-js;
 *   5. the proxy's memory;
 *   6. resolution: the resolver's time per request, the service catalog's load time and memory,
 *      the proxy's start-up time.
 *
 * It prints figures and asserts nothing. All traffic stays on 127.0.0.1. Knobs (environment):
 *   BENCH_LATENCY_N (2000), BENCH_THROUGHPUT_SECONDS (10), BENCH_CONCURRENCY (32),
 *   BENCH_PROXY_CPU_PROF=<dir>: profile the proxy's CPU during the proxied throughput run (V8 profiler,
 *   started and stopped by SIGUSR2 through cpu-profile-preload.mjs, as Node 20 refuses --cpu-prof in
 *   NODE_OPTIONS), write <dir>/proxy-throughput.cpuprofile and print its top self-time functions.
 *   Profiling slows the proxy: quote the figures of a run without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeAws } from '../support/fake-aws.js';
import { REAL, startProxy, type ProxyRun } from '../support/proxy-process.js';
import { STS_HOST, directToUpstream, expectCallerIdentity, tunnelThroughProxy, type Connector } from './client.js';
import { profilingEnv, proxyProfiler } from './cpu-profile.js';
import { measureLatency } from './latency.js';
import { measureNewHosts } from './new-hosts.js';
import { memoryOf } from './proc-sampling.js';
import { countStdoutLines, issueAgentCredentials, startUpstream } from './processes.js';
import { out, printExplanations, printHeader, printLatency, printMemory, printNewHosts, printProfile, printResolution, printSigning, printThroughput } from './report.js';
import { CONCURRENCY, CPU_PROF_FILE, LATENCY_N, THROUGHPUT_MS } from './settings.js';
import { measureResolution } from './resolution.js';
import { measureSigning } from './signing.js';
import { compareThroughput } from './throughput.js';

/** The whole run must end by itself; this is the backstop. */
const WATCHDOG_MS = 170_000;

const progress = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  const benchStarted = performance.now();
  printHeader();

  const upstream = await startUpstream();
  let proxy: ProxyRun | undefined;
  const watchdog = setTimeout(() => {
    progress(`still running after ${WATCHDOG_MS / 1000} s; stopping`);
    proxy?.child.kill('SIGKILL');
    upstream.child.kill('SIGKILL');
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    proxy = await startProxy({ upstream: { endpoint: upstream.endpoint, caFile: upstream.caFile } as FakeAws, env: profilingEnv(CPU_PROF_FILE) });
    const proxyPid = proxy.child.pid!;
    const proxyPort = proxy.port;
    const proxyLog = countStdoutLines(proxy);
    const proxyCa = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
    await sleep(500); // let the proxy's own startup work (account discovery) finish
    const memStart = memoryOf(proxyPid);
    const agentCreds = await issueAgentCredentials(proxy);

    const proxyConnector: Connector = () => tunnelThroughProxy(proxyPort, STS_HOST, proxyCa);
    const directConnector: Connector = () => directToUpstream(upstream.port, upstream.caPem);
    await expectCallerIdentity('proxied', proxyConnector, agentCreds);
    await expectCallerIdentity('direct', directConnector, REAL);

    progress(`1/5 latency (${LATENCY_N} sequential requests each way)...`);
    const latency = await measureLatency(proxyConnector, directConnector, agentCreds);
    const memAfterLatency = memoryOf(proxyPid);

    // Before the throughput run, so new hosts are timed on a quiet proxy.
    progress('3/5 first request on new hosts...');
    const newHosts = await measureNewHosts({ port: proxyPort, ca: proxyCa }, upstream, agentCreds);

    progress(`2/5 throughput (${CONCURRENCY} clients, ${THROUGHPUT_MS / 1000} s each way)...`);
    const profiler = CPU_PROF_FILE ? proxyProfiler(proxyPid, CPU_PROF_FILE) : undefined;
    const throughput = await compareThroughput({ directConnector, proxyConnector, agentCreds, upstream, proxyPid, proxyLog, profiler });
    const memAfterThroughput = memoryOf(proxyPid);
    await sleep(200); // the run's last log lines
    const proxyLogLines = proxyLog.linesSinceMark();
    await sleep(2800);
    const memIdle = memoryOf(proxyPid);
    const proxyStderr = proxy.stderr();
    await proxy.stop();
    await upstream.stop();

    // Last, once the proxy and upstream are gone: this process has the machine to itself.
    progress('4/5 signing and hashing...');
    const signing = await measureSigning();
    progress('6/6 resolution and start-up...');
    const resolution = await measureResolution();

    printLatency(latency);
    printThroughput(throughput, proxyLogLines);
    printNewHosts(newHosts);
    printSigning(signing);
    const throughputRequests = throughput.direct.requests + throughput.proxied.requests;
    printMemory({ start: memStart, afterLatency: memAfterLatency, afterThroughput: memAfterThroughput, idle: memIdle }, throughputRequests, proxyStderr);
    printResolution(resolution);
    if (CPU_PROF_FILE) printProfile(CPU_PROF_FILE);
    printExplanations();
    out(`bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    await proxy?.stop();
    await upstream.stop();
  }
}

await main();
