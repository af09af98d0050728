/**
 * 3. Time to the first response on a new connection: to hosts the proxy has not seen (it mints a leaf
 * certificate), to the same hosts again, and straight to the fake upstream for reference.
 */
import type { Duplex } from 'node:stream';
import { REAL } from '../support/proxy-process.js';
import {
  OneConnectionAgent,
  directToUpstream,
  send,
  signGetCallerIdentity,
  tunnelThroughProxy,
  type ConnectTimings,
  type Credentials,
  type SignedRequest,
} from './client.js';
import type { Upstream } from './processes.js';
import { NEW_HOST_REGIONS, PREMINTED_REGIONS } from './settings.js';

export interface FirstRequest {
  host: string;
  total: number;
  tunnel?: number;
  tls: number;
  request: number;
  /** A second request on the same, now open, connection. */
  second: number;
  status: number;
}

export interface NewHostResults {
  newHosts: FirstRequest[];
  /** Hosts the proxy mints a certificate for at start, in the background (PREMINTED_HOSTS), not yet connected to. */
  preminted: FirstRequest[];
  seenHosts: FirstRequest[];
  directNew: FirstRequest[];
}

type TimedConnect = (host: string, timings: ConnectTimings) => Promise<Duplex>;

export async function measureNewHosts(proxy: { port: number; ca: string }, upstream: Upstream, agentCreds: Credentials): Promise<NewHostResults> {
  const viaProxy: TimedConnect = (host, timings) => tunnelThroughProxy(proxy.port, host, proxy.ca, timings);
  const direct: TimedConnect = (_host, timings) => directToUpstream(upstream.port, upstream.caPem, timings);
  const newHosts = await eachRegion(viaProxy, agentCreds);
  const preminted = await eachRegion(viaProxy, agentCreds, PREMINTED_REGIONS);
  const seenHosts = await eachRegion(viaProxy, agentCreds);
  const directNew = await eachRegion(direct, REAL);
  return { newHosts, preminted, seenHosts, directNew };
}

/** One new connection per region, one after the other, so they do not compete. */
async function eachRegion(connect: TimedConnect, credentials: Credentials, regions = NEW_HOST_REGIONS): Promise<FirstRequest[]> {
  const rows: FirstRequest[] = [];
  for (const region of regions) {
    const host = `sts.${region}.amazonaws.com`;
    rows.push(await firstRequest((timings) => connect(host, timings), signGetCallerIdentity(credentials, host, region), host));
  }
  return rows;
}

async function firstRequest(connect: (timings: ConnectTimings) => Promise<Duplex>, request: SignedRequest, host: string): Promise<FirstRequest> {
  const timings: ConnectTimings = {};
  const agent = new OneConnectionAgent(() => connect(timings));
  const started = performance.now();
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
