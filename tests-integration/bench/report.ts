/** The benchmark's printed report: a header, one table per measurement, and what the figures mean. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { REPO } from '../support/proxy-process.js';
import { BODY, STS_HOST } from './client.js';
import { summariseProfile } from './cpu-profile.js';
import type { LatencyResult } from './latency.js';
import type { DecisionResult } from './decision.js';
import type { FirstRequest, NewHostResults } from './new-hosts.js';
import type { Memory } from './proc-sampling.js';
import { CONCURRENCY, CPU_PROF_FILE, ENFORCE_WARMUP_MS, LATENCY_BLOCK, LATENCY_N, LATENCY_WARMUP, NEW_HOST_REGIONS, THROUGHPUT_MS } from './settings.js';
import type { ResolutionResult } from './resolution.js';
import type { SigningResult } from './signing.js';
import { mean, median, quantile, sortNum } from './stats.js';
import { f0, f1, f2, f3, table } from './table.js';
import type { ModeComparison, ThroughputComparison, ThroughputResult } from './throughput.js';

export const out = (text = ''): void => void process.stdout.write(`${text}\n`);

export function printHeader(): void {
  const cpuList = cpus();
  out('iam-agent-proxy benchmark');
  out(`  node ${process.version}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? 'unknown'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(`  commit ${gitCommit()}; proxy = dist/ built by npm run build; upstream = startFakeAws (aws4-verifying) in its own process`);
  out(`  client: this process, Node http over one TLS connection per client; requests: POST / ${BODY} (host ${STS_HOST}, us-east-1, sts)`);
  if (CPU_PROF_FILE) out(`  the proxy is CPU-profiled during the proxied throughput run, and the enforce-mode one during its last block of (2b) (${CPU_PROF_FILE}, -enforce): their figures there are slowed by the profiler`);
  out();
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

export function printLatency(latency: { proxied: LatencyResult; direct: LatencyResult }): void {
  const lp = sortNum(latency.proxied.samples);
  const ld = sortNum(latency.direct.samples);
  out(`1. Added latency: ${LATENCY_N} sequential requests on ONE keep-alive connection each (after ${LATENCY_WARMUP} warm-up), ms`);
  out(`   requests pre-signed with aws4 before the timed section; proxied and direct alternate in blocks of ${LATENCY_BLOCK}`);
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
}

export function printThroughput({ direct, proxied, directUpstream, proxiedUpstream }: ThroughputComparison, proxyLogLines: number): void {
  const cpuCount = cpus().length;
  const rps = (r: ThroughputResult): number => r.requests / r.seconds;
  const cpuPct = (ms: number, r: ThroughputResult): string => `${f1(ms / 10 / r.seconds)}%`;
  const perReq = (ms: number, r: ThroughputResult): string => f3(ms / Math.max(1, r.requests + r.errors));
  const othersMs = (r: ThroughputResult): number => Math.max(0, r.machine.processes - r.proxyCpuMs - r.upstreamCpuMs - r.clientCpuMs);
  const idleMs = (r: ThroughputResult): number => Math.max(0, cpuCount * r.seconds * 1000 - r.machine.processes - r.machine.interrupts - r.machine.steal);
  const dl = sortNum(direct.latencies);
  const pl = sortNum(proxied.latencies);
  out(`2. Throughput: ${CONCURRENCY} concurrent keep-alive clients (each its own connection / CONNECT tunnel) for ${THROUGHPUT_MS / 1000} s`);
  out('   each request signed with aws4 inside the loop, in both cases; CPU% is of one core (100% = one core busy;');
  out(`   this machine has ${cpuCount * 100}%); "all other processes" or "steal" above a few % means`);
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
        ['proxy stdout lines', '-', f0(proxyLogLines), ''],
      ],
    ),
  );
  if (directUpstream.firstFailure || proxiedUpstream.firstFailure) out(`   upstream refusal: ${directUpstream.firstFailure ?? proxiedUpstream.firstFailure}`);
  out();
}

export function printEnforceThroughput(c: ModeComparison, policy: { statements: number; enforceStderr: string; enforceLogSummary: string }): void {
  const { record, enforce } = c;
  const rps = (r: ThroughputResult): number => r.requests / r.seconds;
  const cpuPct = (ms: number, r: ThroughputResult): string => `${f1(ms / 10 / r.seconds)}%`;
  const perReq = (r: ThroughputResult): number => r.proxyCpuMs / Math.max(1, r.requests + r.errors);
  const othersMs = (r: ThroughputResult): number => Math.max(0, r.machine.processes - r.proxyCpuMs - r.upstreamCpuMs - r.clientCpuMs);
  const rl = sortNum(record.latencies);
  const el = sortNum(enforce.latencies);
  out(`2b. Enforce mode vs record mode: the proxied run of (2), ${CONCURRENCY} clients, against two new proxies started together, PROXY_MODE=record`);
  out(`    and PROXY_MODE=enforce, ALLOWLIST_PATH = a ${policy.statements}-statement policy allowing sts:GetCallerIdentity among statements about`);
  out(`    other services (some conditional); after ${ENFORCE_WARMUP_MS / 1000} s of warm-up of both at once, alternately, ${c.blocks} blocks of ${f1(THROUGHPUT_MS / c.blocks / 1000)} s each (R E E R …)`);
  out(
    table(
      ['', 'record', 'enforce', 'enforce ÷ record', 'goal'],
      [
        ['requests/s', f0(rps(record)), f0(rps(enforce)), `${f2(rps(enforce) / rps(record))}x`, '≥ 0.90x'],
        ['proxy CPU per request, ms', f3(perReq(record)), f3(perReq(enforce)), `${f2(perReq(enforce) / perReq(record))}x`, ''],
        ['requests completed', f0(record.requests), f0(enforce.requests), '', ''],
        ['errors / non-200', String(record.errors), String(enforce.errors), '', ''],
        ['latency median, ms', f2(quantile(rl, 0.5)), f2(quantile(el, 0.5)), '', ''],
        ['latency p99, ms', f2(quantile(rl, 0.99)), f2(quantile(el, 0.99)), '', ''],
        ['proxy CPU', cpuPct(record.proxyCpuMs, record), cpuPct(enforce.proxyCpuMs, enforce), '', ''],
        ['all other processes, CPU', cpuPct(othersMs(record), record), cpuPct(othersMs(enforce), enforce), '', ''],
        ['steal (hypervisor)', cpuPct(record.machine.steal, record), cpuPct(enforce.machine.steal, enforce), '', ''],
        ['upstream verified / refused', `${f0(c.recordUpstream.verified)} / ${c.recordUpstream.refused}`, `${f0(c.enforceUpstream.verified)} / ${c.enforceUpstream.refused}`, '', ''],
      ],
    ),
  );
  const failure = c.recordUpstream.firstFailure ?? c.enforceUpstream.firstFailure;
  if (failure) out(`   upstream refusal: ${failure}`);
  out(`   enforce-mode action log (warm-up included): ${policy.enforceLogSummary}`);
  const warnings = policy.enforceStderr.split('\n').filter((l) => l.startsWith('iam-agent-proxy: ') && !/listening on/.test(l));
  if (warnings.length) out(`   enforce-mode proxy stderr (${warnings.length}): ${warnings.slice(0, 3).join(' | ')}`);
  out();
}

export function printNewHosts({ newHosts, seenHosts, directNew }: NewHostResults): void {
  const medianAndMax = (rows: FirstRequest[], pick: (r: FirstRequest) => number | undefined): [string, string] => {
    const values = rows.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? [f2(median(values)), f2(Math.max(...values))] : ['-', '-'];
  };
  const row = (label: string, rows: FirstRequest[]): string[] => [
    label,
    ...medianAndMax(rows, (r) => r.total),
    ...medianAndMax(rows, (r) => r.tunnel),
    ...medianAndMax(rows, (r) => r.tls),
    ...medianAndMax(rows, (r) => r.request),
    ...medianAndMax(rows, (r) => r.second),
    String(rows.filter((r) => r.status !== 200).length),
  ];
  out(`3. Time to first response on a new connection, ${NEW_HOST_REGIONS.length} hosts sts.<region>.amazonaws.com (${NEW_HOST_REGIONS[0]} … ${NEW_HOST_REGIONS.at(-1)}), ms, median / max`);
  out('   total = start of CONNECT (or TCP connect) to the end of the first response = CONNECT + tls (handshake) + 1st req;');
  out('   2nd req = a second request on the same connection, for reference');
  out(
    table(
      ['', 'total med', 'total max', 'CONNECT med', 'CONNECT max', 'tls med', 'tls max', '1st req med', '1st req max', '2nd req med', '2nd req max', 'non-200'],
      [row('proxy, new host (mints a leaf)', newHosts), row('proxy, host already seen', seenHosts), row('direct, new TLS connection', directNew)],
    ),
  );
  const slowest = newHosts.reduce((a, b) => (b.total > a.total ? b : a));
  out(`   slowest new host: ${slowest.host}; first new host (${newHosts[0]!.host}): ${f2(newHosts[0]!.total)} ms`);
  out();
}

export function printSigning(signing: SigningResult): void {
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
}

export interface MemoryReadings {
  start: Memory;
  afterLatency: Memory;
  afterThroughput: Memory;
  idle: Memory;
}

export function printMemory(memory: MemoryReadings, throughputRequests: number, proxyStderr: string): void {
  const row = (label: string, m: Memory): string[] => [label, f1(m.rssMiB), f1(m.hwmMiB)];
  out('5. Proxy memory (from /proc/<pid>/status), MiB');
  out(
    table(
      ['', 'VmRSS', 'VmHWM (peak)'],
      [
        row('after start', memory.start),
        row('after latency test', memory.afterLatency),
        row(`after throughput run (${f0(throughputRequests)} req)`, memory.afterThroughput),
        row('after 3 s idle', memory.idle),
      ],
    ),
  );
  const warnings = proxyStderr.split('\n').filter((l) => l.startsWith('iam-agent-proxy: ') && !/listening on/.test(l));
  if (warnings.length) out(`   proxy stderr warnings (${warnings.length}): ${warnings.slice(0, 3).join(' | ')}`);
  out();
}

export function printProfile(file: string, mode: string): void {
  out(`Proxy CPU profile (proxied throughput run, ${mode})`);
  for (const line of summariseProfile(file)) out(line);
  out();
}

export function printResolution(r: ResolutionResult): void {
  out(`6. Resolution: ${r.requests} golden-case requests (${r.services} services), resolved by the built proxy code in a process of its own; proxy start-up`);
  out(
    table(
      ['', 'figure', 'goal'],
      [
        ['resolve one request, median (µs, after 100 warm-up rounds)', f1(r.medianUs), '≤ 20'],
        ['resolve one request, p99 (µs, warm)', f1(r.p99Us), ''],
        ['interleaved with one SigV4 signature of each request: resolve, median (µs)', f1(r.interleavedMedianUs), ''],
        ['  baseline: that signature, median (µs; the proxy makes two per request)', f1(r.signMedianUs), ''],
        ['  resolution ÷ signature', `${(r.interleavedMedianUs / r.signMedianUs).toFixed(2)}x`, ''],
        ['first pass over all requests (ms, cold: models and IAM data loaded)', f1(r.firstPassMs), ''],
        ['catalog index + endpoint patterns load (ms)', f1(r.loadMs), ''],
        ['resident: catalog, IAM data and the services in use (MiB, after GC)', f1(r.inUseMiB), '≤ 60'],
        ['heap added by loading every other service model (MiB)', f1(r.allModelsHeapMiB), ''],
        ['proxy start-up: spawn to listening, CA already made (ms, median of 6)', f0(r.startupMs), '≤ 1000'],
        ['first start: the same, making the CA (ms, median of 3)', f0(r.firstStartupMs), ''],
      ],
    ),
  );
  out();
}

export function printDecision(d: DecisionResult): void {
  const verdicts = Object.entries(d.verdicts)
    .sort((a, b) => b[1] - a[1])
    .map(([verdict, n]) => `${verdict} ${n}`)
    .join(', ');
  out(`7. Decision: enforce mode, ${d.calls} calls (the ${d.requests} golden-case requests that resolve), ${d.pairs} (action, resource) pairs, decided`);
  out(`   by the built decider in a process of its own against a policy built from them: ${d.allowStatements} Allow statements (the calls'`);
  out(`   ARNs, * where unresolved, grouped by resource set) + ${d.statements - d.allowStatements} Deny (aws:SecureTransport, aws:RequestedRegion, destructive actions), ${f0(d.policyChars)} characters`);
  out(
    table(
      ['', 'figure', 'goal'],
      [
        ['decide one call, warm, median (µs, cache hits, after 100 warm-up rounds)', f1(d.medianUs), '≤ 50'],
        ['decide one call, warm, p99 (µs)', f1(d.p99Us), ''],
        ['interleaved with one SigV4 signature of each request: decide, median (µs)', f1(d.interleavedMedianUs), ''],
        ['  baseline: that signature, median (µs; the proxy makes two per request)', f1(d.signMedianUs), ''],
        ['  decision ÷ signature', `${(d.interleavedMedianUs / d.signMedianUs).toFixed(2)}x`, ''],
        ['decide one call, cold (its first decision: iam-simulate runs), median (µs)', f1(d.coldMedianUs), ''],
        ['decide one call, cold, p99 / max (µs)', `${f0(d.coldP99Us)} / ${f0(d.coldMaxUs)}`, ''],
        ['the run\'s first decision (µs, iam-simulate\'s first use)', f0(d.firstDecisionUs), ''],
        ['first pass over all calls (ms)', f1(d.firstPassMs), ''],
      ],
    ),
  );
  out(`   first decisions: ${verdicts}`);
  out();
}

export function printExplanations(): void {
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
    'handshake; the direct row is a plain new TLS connection for reference. (2b) is what enforcing a policy',
    'costs under load: the proxied run against two proxies started and warmed up together, alike but for the',
    'mode, one recording, one evaluating each request against the policy (after the first, a cached verdict),',
    'alternating in short blocks so that this shared machine\'s drift hits both alike. The ratio is the point,',
    'not the absolute figures: these processes are young (V8 still optimising, heaps still growing), unlike',
    '(2)\'s, and a proxy a few seconds old is slower than one that has served thousands of requests. With both',
    'proxies in record mode the ratios came out between 0.97 and 1.15 on this machine, the widest with other',
    'processes busy: read them beside "all other processes".',
    '(4) justifies node:crypto behind @smithy/signature-v4: the proxy signs twice per request',
    '(verify and re-sign) and hashes every signed body once. (5) is the proxy process\'s resident memory;',
    'VmHWM is its peak. The fake upstream verifies every request with aws4 and is slower than AWS would be;',
    'read the proxied numbers against the direct ones, which are the baseline. (6) and (7) time the built',
    'code in child processes, each beside one SigV4 signature of the same request timed in the same process.',
    '(7) "warm" is a decision whose verdicts are cached (keyed by policy version, principal, action, resource',
    'and the context keys the policy uses): every repeat of a call; "cold" is a call\'s first decision, where',
    'iam-simulate evaluates each (action, resource) not seen before against the whole policy, so it grows with',
    'the policy\'s size. Denials are expected: the Deny statements name some of the calls.',
  ])
    out(`  ${line}`);
  out();
}
