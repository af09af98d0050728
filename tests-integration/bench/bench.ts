/**
 * `npm run bench`: what the proxy costs an agent, measured against the same fake AWS reached directly.
 *
 *   1. added latency of one sequential request on one keep-alive connection;
 *   2. throughput of 32 concurrent keep-alive clients, with the proxy's CPU use; 2b. the proxied run
 *      against two new proxies, one in record mode and one in enforce mode (ALLOWLIST_PATH,
 *      enforce-policy.ts), alternately in blocks;
 *   3. time to the first response on a host the proxy has not seen (leaf certificate minting);
 *   4. SigV4 signing and hashing speed, node:crypto (NodeSha256) vs @aws-crypto/sha256-js;
 *   5. the proxy's memory;
 *   6. resolution: the resolver's time per request, the service catalog's load time and memory,
 *      the proxy's start-up time;
 *   7. decision: the enforce-mode decider's time per call, cold (iam-simulate) and cached, over the
 *      golden cases' calls and a policy built from them (decision-child.ts);
 *   8. streaming: a GiB S3 PutObject (UNSIGNED-PAYLOAD) and GetObject through a proxy of its own against
 *      direct, to an upstream that buffers nothing, with the proxy's peak RSS; what it holds while the far
 *      side stalls and for a hash-signed body; a trickled response's first and last bytes (streaming.ts);
 *   9. load and soak: 64 keep-alive clients through a proxy of their own for 60 s, errors counted, then on
 *      until 200,000 requests, the proxy's VmRSS after a tenth of them and after all (load.ts).
 * (1) and (2) also run through floor-proxy.ts, Node's bare CONNECT + TLS + keep-alive relay with nothing
 * verified, signed or logged: the floor under the proxy's cost on this machine.
 * When Debian's mitmproxy is installed, (1) and (2) also run through `mitmdump` (mitmdump.ts), a plain
 * intercepting proxy that verifies and signs nothing, in the same run; otherwise one line says so.
 *
 * It prints figures and asserts nothing. All traffic stays on 127.0.0.1. Knobs (environment):
 *   BENCH_LATENCY_N (2000), BENCH_THROUGHPUT_SECONDS (10), BENCH_CONCURRENCY (32),
 *   BENCH_STREAM_MIB (1024), BENCH_STREAM_ROUNDS (2), BENCH_LOAD_SECONDS (60), BENCH_LOAD_CONCURRENCY (64),
 *   BENCH_SOAK_REQUESTS (200000), BENCH_MITMPROXY=0 (skip mitmdump),
 *   BENCH_PROXY_CPU_PROF=<dir>: profile the proxy's CPU during the proxied throughput runs (V8 profiler,
 *   started and stopped by SIGUSR2 through cpu-profile-preload.mjs, as Node 20 refuses --cpu-prof in
 *   NODE_OPTIONS), write <dir>/proxy-throughput.cpuprofile and, for the enforce-mode proxy's last block of
 *   2b, <dir>/proxy-throughput-enforce.cpuprofile, and print their top self-time functions.
 *   Profiling slows the proxy: quote the figures of a run without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeAws } from '../support/fake-aws.js';
import { REAL, actionRecords, startProxy, type ProxyRun } from '../support/proxy-process.js';
import { STS_HOST, directToUpstream, expectCallerIdentity, tunnelThroughProxy, type Connector } from './client.js';
import { profilingEnv, proxyProfiler } from './cpu-profile.js';
import { measureLatency } from './latency.js';
import { measureLoad } from './load.js';
import { mitmdumpMissing, startMitmdump, type Mitmdump } from './mitmdump.js';
import { startFloorProxy, type FloorProxy } from './floor.js';
import { measureNewHosts } from './new-hosts.js';
import { memoryOf } from './proc-sampling.js';
import { countStdoutLines, issueAgentCredentials, startUpstream } from './processes.js';
import { measureDecision } from './decision.js';
import { enforcedLogSummary, writeEnforcePolicy } from './enforce-policy.js';
import { out, printDecision, printEnforceThroughput, printExplanations, printHeader, printLatency, printLoad, printMemory, printNewHosts, printProfile, printResolution, printSigning, printThroughput } from './report.js';
import { LOAD_MS, SOAK_REQUESTS, CONCURRENCY, CPU_PROF_FILE, CPU_PROF_FILE_ENFORCE, ENFORCE_BLOCKS, ENFORCE_WARMUP_MS, LATENCY_N, THROUGHPUT_MS } from './settings.js';
import { measureResolution } from './resolution.js';
import { measureSigning } from './signing.js';
import { measureStreaming } from './streaming.js';
import { printStreaming } from './streaming-report.js';
import { compareModes, compareThroughput, measureProxiedThroughput, type ProxiedRunOptions } from './throughput.js';

/** The whole run must end by itself; this is the backstop (the soak allowed 1 ms a request). */
const WATCHDOG_MS = 420_000 + LOAD_MS + SOAK_REQUESTS;

const progress = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

async function main(): Promise<void> {
  const benchStarted = performance.now();
  printHeader();

  const upstream = await startUpstream();
  let proxy: ProxyRun | undefined;
  let enforceProxy: ProxyRun | undefined;
  let mitmdump: Mitmdump | undefined;
  let floor: FloorProxy | undefined;
  const watchdog = setTimeout(() => {
    progress(`still running after ${WATCHDOG_MS / 1000} s; stopping`);
    proxy?.child.kill('SIGKILL');
    enforceProxy?.child.kill('SIGKILL');
    if (mitmdump) process.kill(mitmdump.pid, 'SIGKILL');
    if (floor) process.kill(floor.pid, 'SIGKILL');
    upstream.child.kill('SIGKILL');
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    const fakeAws = { endpoint: upstream.endpoint, caFile: upstream.caFile } as FakeAws;
    proxy = await startProxy({ upstream: fakeAws, env: profilingEnv(CPU_PROF_FILE) });
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
    const mitmMissing = mitmdumpMissing();
    if (!mitmMissing) {
      mitmdump = await startMitmdump(upstream.port);
      await expectCallerIdentity('mitmdump', mitmdump.connector, REAL);
    }
    floor = await startFloorProxy(upstream.port);
    await expectCallerIdentity('floor', floor.connector, REAL);
    const mitmNote = mitmdump
      ? `mitmdump ${mitmdump.version} (Debian's mitmproxy; intercepts TLS with its own CA, verifies and signs nothing, one stdout line per request) ran in the same run`
      : `no mitmdump comparison: ${mitmMissing}`;

    progress(`1/9 latency (${LATENCY_N} sequential requests each way)...`);
    const latency = await measureLatency(proxyConnector, directConnector, agentCreds, mitmdump?.connector, floor.connector);
    const memAfterLatency = memoryOf(proxyPid);

    // Before the throughput run, so new hosts are timed on a quiet proxy.
    progress('3/9 first request on new hosts...');
    const newHosts = await measureNewHosts({ port: proxyPort, ca: proxyCa }, upstream, agentCreds);

    progress(`2/9 throughput (${CONCURRENCY} clients, ${THROUGHPUT_MS / 1000} s each way)...`);
    const profiler = CPU_PROF_FILE ? proxyProfiler(proxyPid, CPU_PROF_FILE) : undefined;
    const throughput = await compareThroughput({ directConnector, proxyConnector, agentCreds, upstream, proxyPid, proxyLog, profiler, mitmdump: mitmdump && { connector: mitmdump.connector, pid: mitmdump.pid }, floor: { connector: floor.connector, pid: floor.pid } });
    await mitmdump?.stop();
    mitmdump = undefined;
    await floor.stop();
    floor = undefined;
    const memAfterThroughput = memoryOf(proxyPid);
    await sleep(200); // the run's last log lines
    const proxyLogLines = proxyLog.linesSinceMark();
    await sleep(2800);
    const memIdle = memoryOf(proxyPid);
    const proxyStderr = proxy.stderr();
    await proxy.stop();

    // 2b. Two new proxies, record mode and enforce mode, alike but for the mode: the same age, the same warm-up.
    progress(`2b/9 enforce vs record mode (${ENFORCE_WARMUP_MS / 1000} s warm-up, ${THROUGHPUT_MS / 1000} s each mode in ${ENFORCE_BLOCKS} blocks)...`);
    const enforcePolicy = writeEnforcePolicy();
    const modeEnv = { ALLOWLIST_PATH: enforcePolicy.path };
    [proxy, enforceProxy] = await Promise.all([
      startProxy({ upstream: fakeAws, env: { ...modeEnv, PROXY_MODE: 'record' } }),
      startProxy({ upstream: fakeAws, env: { ...modeEnv, PROXY_MODE: 'enforce', ...profilingEnv(CPU_PROF_FILE_ENFORCE) } }),
    ]);
    const runs = await Promise.all(
      [proxy, enforceProxy].map(async (run) => {
        countStdoutLines(run); // its log lines, counted (unused) rather than kept
        const ca = readFileSync(join(run.stateDir, 'ca.pem'), 'utf8');
        const creds = await issueAgentCredentials(run);
        const options = { proxyConnector: () => tunnelThroughProxy(run.port, STS_HOST, ca), agentCreds: creds, upstream, proxyPid: run.child.pid! };
        await expectCallerIdentity(run === enforceProxy ? 'enforced' : 'record mode', options.proxyConnector, creds);
        return options;
      }),
    );
    const [recordRun, enforceRun] = runs as [ProxiedRunOptions, ProxiedRunOptions];
    // New processes: V8 optimises their request path (and sizes their heaps) over their first thousands of requests.
    await Promise.all(runs.map((run) => measureProxiedThroughput({ ...run, durationMs: ENFORCE_WARMUP_MS })));
    await sleep(500);
    const enforceProfiler = CPU_PROF_FILE_ENFORCE ? proxyProfiler(enforceRun.proxyPid, CPU_PROF_FILE_ENFORCE) : undefined;
    const modes = await compareModes(recordRun, enforceRun, ENFORCE_BLOCKS, enforceProfiler);
    await sleep(200); // the last log lines
    const enforceStderr = enforceProxy.stderr();
    await Promise.all([proxy.stop(), enforceProxy.stop()]);
    const enforceLogSummary = enforcedLogSummary(actionRecords(enforceProxy));
    enforcePolicy.remove();

    progress(`9/9 load (${LOAD_MS / 1000} s) and soak (${SOAK_REQUESTS} requests)...`);
    proxy = await startProxy({ upstream: fakeAws });
    countStdoutLines(proxy);
    const loadProxy = proxy;
    const loadCa = readFileSync(join(loadProxy.stateDir, 'ca.pem'), 'utf8');
    const loadCreds = await issueAgentCredentials(loadProxy);
    const loadConnector: Connector = () => tunnelThroughProxy(loadProxy.port, STS_HOST, loadCa);
    await expectCallerIdentity('load', loadConnector, loadCreds);
    const load = await measureLoad({ proxyConnector: loadConnector, agentCreds: loadCreds, proxyPid: loadProxy.child.pid!, upstream });
    const loadStderr = loadProxy.stderr();
    await loadProxy.stop();
    await upstream.stop();

    const streaming = await measureStreaming(progress);

    // Last, once the proxy and upstream are gone: this process has the machine to itself.
    progress('4/9 signing and hashing...');
    const signing = await measureSigning();
    progress('6/9 resolution and start-up...');
    const resolution = await measureResolution();
    progress('7/9 decision...');
    const decision = measureDecision();

    printLatency(latency, mitmNote);
    printThroughput(throughput, proxyLogLines, mitmNote);
    printEnforceThroughput(modes, { statements: enforcePolicy.statements, enforceStderr, enforceLogSummary });
    printNewHosts(newHosts);
    printSigning(signing);
    const throughputRequests = throughput.direct.requests + throughput.proxied.requests;
    printMemory({ start: memStart, afterLatency: memAfterLatency, afterThroughput: memAfterThroughput, idle: memIdle }, throughputRequests, proxyStderr);
    printResolution(resolution);
    printDecision(decision);
    printStreaming(streaming);
    printLoad(load, loadStderr);
    if (CPU_PROF_FILE) printProfile(CPU_PROF_FILE, 'record mode');
    if (CPU_PROF_FILE_ENFORCE) printProfile(CPU_PROF_FILE_ENFORCE, 'enforce mode');
    printExplanations();
    out(`bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    await proxy?.stop();
    await enforceProxy?.stop();
    await mitmdump?.stop();
    await floor?.stop();
    await upstream.stop();
  }
}

await main();
