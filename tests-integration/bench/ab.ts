/**
 * A/B of two builds of the proxy, on this machine at the same time, alternately: `node --import tsx
 * tests-integration/bench/ab.ts <other checkout>` compares that checkout's build (A, built there with
 * npm run build) with this one's (B). Both proxies are started together against one fake upstream,
 * warmed up together, then measured in alternating blocks, so drift and other processes hit both:
 * added latency (one keep-alive connection, sequential, against direct to the same upstream) and the
 * throughput of 32 clients with each proxy's CPU per request. Prints B ÷ A ratios.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../support/fake-aws.js';
import { REAL, startProxy, type ProxyRun } from '../support/proxy-process.js';
import { OneConnectionAgent, STS_HOST, directToUpstream, expectCallerIdentity, send, signGetCallerIdentity, tunnelThroughProxy, type Connector, type Credentials } from './client.js';
import { countStdoutLines, issueAgentCredentials, startUpstream } from './processes.js';
import { quantile, sortNum } from './stats.js';
import { f2, f3, table } from './table.js';
import { compareModes, measureProxiedThroughput, type ProxiedRunOptions } from './throughput.js';

const other = process.argv[2];
if (!other) throw new Error('usage: ab.ts <other checkout, built>');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 20);
const BLOCK = 100;

const upstream = await startUpstream();
const fakeAws = { endpoint: upstream.endpoint, caFile: upstream.caFile } as FakeAws;
const runs: ProxyRun[] = await Promise.all([startProxy({ upstream: fakeAws, bin: join(resolve(other), 'bin', 'iam-agent-proxy') }), startProxy({ upstream: fakeAws })]);
try {
  const sides = await Promise.all(
    runs.map(async (run) => {
      countStdoutLines(run);
      const ca = readFileSync(join(run.stateDir, 'ca.pem'), 'utf8');
      const creds = await issueAgentCredentials(run);
      const connector: Connector = () => tunnelThroughProxy(run.port, STS_HOST, ca);
      await expectCallerIdentity('proxy', connector, creds);
      return { proxyConnector: connector, agentCreds: creds, upstream, proxyPid: run.child.pid! } as ProxiedRunOptions;
    }),
  );
  const [a, b] = sides as [ProxiedRunOptions, ProxiedRunOptions];
  await Promise.all(sides.map((side) => measureProxiedThroughput({ ...side, durationMs: 5000 })));
  // Latency: A, B, direct, in blocks.
  const direct: Connector = () => directToUpstream(upstream.port, upstream.caPem);
  const cases = [
    { name: 'A', agent: new OneConnectionAgent(a.proxyConnector), creds: a.agentCreds, samples: [] as number[] },
    { name: 'B', agent: new OneConnectionAgent(b.proxyConnector), creds: b.agentCreds, samples: [] as number[] },
    { name: 'direct', agent: new OneConnectionAgent(direct), creds: REAL as Credentials, samples: [] as number[] },
  ];
  for (let round = -3; round < ROUNDS; round++) {
    for (const c of cases) {
      const signed = Array.from({ length: BLOCK }, () => signGetCallerIdentity(c.creds));
      for (const request of signed) {
        const t0 = performance.now();
        const { status } = await send(c.agent, request);
        if (status !== 200) throw new Error(`${c.name}: ${status}`);
        if (round >= 0) c.samples.push(performance.now() - t0);
      }
    }
  }
  for (const c of cases) c.agent.destroy();
  const [la, lb, ld] = cases.map((c) => sortNum(c.samples)) as [number[], number[], number[]];
  const modes = await compareModes(a, b, 4);
  const perReq = (r: { proxyCpuMs: number; requests: number; errors: number }) => r.proxyCpuMs / Math.max(1, r.requests + r.errors);
  const rps = (r: { requests: number; seconds: number }) => r.requests / r.seconds;
  const added = (l: number[], q: number) => quantile(l, q) - quantile(ld, q);
  console.log(`A = ${resolve(other)}, B = this checkout; ${ROUNDS * BLOCK} sequential requests each, then 32 clients ABBA`);
  console.log(
    table(
      ['', 'A', 'B', 'B ÷ A'],
      [
        ['added latency median, ms', f3(added(la, 0.5)), f3(added(lb, 0.5)), f2(added(lb, 0.5) / added(la, 0.5))],
        ['added latency p90, ms', f3(added(la, 0.9)), f3(added(lb, 0.9)), f2(added(lb, 0.9) / added(la, 0.9))],
        ['added latency p99, ms', f3(added(la, 0.99)), f3(added(lb, 0.99)), f2(added(lb, 0.99) / added(la, 0.99))],
        ['direct median / p99, ms', `${f3(quantile(ld, 0.5))} / ${f3(quantile(ld, 0.99))}`, '', ''],
        ['32 clients, requests/s', f2(rps(modes.record)), f2(rps(modes.enforce)), f2(rps(modes.enforce) / rps(modes.record))],
        ['proxy CPU per request, ms', f3(perReq(modes.record)), f3(perReq(modes.enforce)), f2(perReq(modes.enforce) / perReq(modes.record))],
        ['errors', String(modes.record.errors), String(modes.enforce.errors), ''],
      ],
    ),
  );
} finally {
  await Promise.all(runs.map((run) => run.stop()));
  await upstream.stop();
}
