/** 1. Added latency: sequential requests on one keep-alive connection, through the proxy and direct. */
import { REAL } from '../support/proxy-process.js';
import { OneConnectionAgent, send, signGetCallerIdentity, type Connector, type Credentials } from './client.js';
import { LATENCY_BLOCK, LATENCY_N, LATENCY_WARMUP } from './settings.js';

export interface LatencyResult {
  samples: number[];
  connections: number;
  errors: number;
}

export async function measureLatency(proxyConnector: Connector, directConnector: Connector, agentCreds: Credentials): Promise<{ proxied: LatencyResult; direct: LatencyResult }> {
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
