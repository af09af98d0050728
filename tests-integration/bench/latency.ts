/** 1. Added latency: sequential requests on one keep-alive connection, through the proxy, direct, and through mitmdump when there is one. */
import { REAL } from '../support/proxy-process.js';
import { OneConnectionAgent, send, signGetCallerIdentity, type Connector, type Credentials } from './client.js';
import { LATENCY_BLOCK, LATENCY_N, LATENCY_WARMUP } from './settings.js';

export interface LatencyResult {
  samples: number[];
  connections: number;
  errors: number;
}

export interface LatencyResults {
  proxied: LatencyResult;
  direct: LatencyResult;
  /** The same requests through mitmdump (mitmdump.ts), when it ran. */
  mitmdump?: LatencyResult;
  /** The same requests through Node's bare pass-through (floor-proxy.ts), when it ran. */
  floor?: LatencyResult;
}

export async function measureLatency(proxyConnector: Connector, directConnector: Connector, agentCreds: Credentials, mitmConnector?: Connector, floorConnector?: Connector): Promise<LatencyResults> {
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
  // mitmdump passes the client's signature on as it is: the fake upstream checks the real key's.
  const mitm = mitmConnector ? makeCase(mitmConnector, REAL) : undefined;
  const floor = floorConnector ? makeCase(floorConnector, REAL) : undefined;
  const cases = [proxied, direct, ...(mitm ? [mitm] : []), ...(floor ? [floor] : [])];
  const runRange = async (c: Case, from: number, to: number, record: boolean): Promise<void> => {
    for (let i = from; i < to; i++) {
      const started = performance.now();
      const { status } = await send(c.agent, c.presigned[i]!);
      const elapsed = performance.now() - started;
      if (status !== 200) c.errors++;
      if (record) c.samples.push(elapsed);
    }
  };
  for (const c of cases) await runRange(c, 0, LATENCY_WARMUP, false);
  for (let from = LATENCY_WARMUP; from < total; from += LATENCY_BLOCK) {
    const to = Math.min(from + LATENCY_BLOCK, total);
    for (const c of cases) await runRange(c, from, to, true);
  }
  const result = (c: Case): LatencyResult => {
    c.agent.destroy();
    return { samples: c.samples, connections: c.agent.connectionsOpened, errors: c.errors };
  };
  return { proxied: result(proxied), direct: result(direct), ...(mitm && { mitmdump: result(mitm) }), ...(floor && { floor: result(floor) }) };
}
