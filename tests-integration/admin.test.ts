// PROXY_ADMIN_PORT: /healthz and /metrics on 127.0.0.1, driven through the built proxy with real
// signed calls; the counters must move by exactly the calls made.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample, samples } from '../test/admin/metrics-text.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { loopbackRequest, type HttpAnswer } from './support/loopback-http.js';
import { faultyUpstream, type FaultyUpstream } from './support/faulty-upstream.js';
import { cleanEnv, freePort, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, openTunnel, sendThroughProxy } from './support/raw-client.js';

function adminGet(port: number, path: string, headers: Record<string, string> = {}, address = '127.0.0.1'): Promise<HttpAnswer> {
  return loopbackRequest(port, { path, headers, address });
}

/** GetCallerIdentity, read until the connection closes: a reset after the headers is a cut, not an error. */
async function callAllowingCut(proxy: ProxyRun, keys: { accessKeyId: string; secretAccessKey: string }): Promise<{ status: number; complete: boolean }> {
  const signed = { ...GET_CALLER_IDENTITY, method: 'POST', path: '/', headers: { ...GET_CALLER_IDENTITY.headers } as Record<string, string> };
  aws4.sign(signed, keys);
  const socket = await openTunnel(proxy, signed.host);
  return new Promise((resolve, reject) => {
    const req = http.request({ method: 'POST', path: '/', headers: signed.headers, createConnection: () => socket });
    req.on('response', (res) => {
      res.resume();
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
    });
    req.on('error', reject);
    req.end(signed.body);
  });
}

function bannerAdminPort(proxy: ProxyRun): number {
  const match = /^ {2}metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics and \/healthz \(loopback only\)$/m.exec(proxy.stderr());
  if (!match) throw new Error(`no metrics line in the banner: ${proxy.stderr()}`);
  return Number(match[1]);
}

async function scrape(port: number): Promise<string> {
  const answer = await adminGet(port, '/metrics');
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return answer.body;
}

/** What moved between two scrapes, for the samples named: a counter not yet shown counts as 0. */
function moved(before: string, after: string, prefix: string): Record<string, number> {
  const old = samples(before);
  const changes: Record<string, number> = {};
  for (const [key, value] of samples(after)) {
    if (!key.startsWith(prefix)) continue;
    const delta = value - (old.get(key) ?? 0);
    if (delta !== 0) changes[key] = delta;
  }
  return changes;
}

describe('PROXY_ADMIN_PORT=0 in enforce mode, in front of the fake AWS', () => {
  let upstream: FakeAws;
  let proxy: ProxyRun;
  let port: number;
  let keys: Awaited<ReturnType<typeof agentKeys>>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-admin-'));
    writeFileSync(join(dir, 'allowlist.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] }));
    upstream = await startFakeAws({ credentials: REAL, dir });
    proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'allowlist.json'), PROXY_ADMIN_PORT: '0' } });
    port = bannerAdminPort(proxy);
    keys = await agentKeys(proxy);
    // The startup account lookup asks for the real credentials once.
    for (let i = 0; i < 50 && !(await adminGet(port, '/healthz')).body.includes('"upstreamCredentials":"ok"'); i++) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  it('answers /healthz with status, mode, uptime and whether real credentials were had', async () => {
    const answer = await adminGet(port, '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', mode: 'enforce', uptimeSeconds: expect.any(Number), upstreamCredentials: 'ok' });
  });

  it('counts exactly the calls made: two allowed, one blocked, one refused', async () => {
    const before = await scrape(port);
    upstream.reset();
    for (let i = 0; i < 2; i++) expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
    const listBuckets = await sendThroughProxy(proxy, { host: 's3.amazonaws.com', method: 'GET', path: '/', service: 's3', region: 'us-east-1', signWith: keys });
    expect(listBuckets.status).toBe(403);
    const forged = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: { accessKeyId: keys.accessKeyId, secretAccessKey: 'not-the-secret-00000000000000000000000000' } });
    expect(forged.status).toBe(403);
    expect(upstream.requests).toHaveLength(2);
    await proxy.waitForStdout(/REFUSED  sts:GetCallerIdentity \(SignatureDoesNotMatch\)$/);

    const after = await scrape(port);
    expect(moved(before, after, 'iam_agent_proxy_requests_total')).toEqual({
      'iam_agent_proxy_requests_total{agent="default",decision="allowed",service="sts"}': 2,
      'iam_agent_proxy_requests_total{agent="default",decision="blocked",service="s3"}': 1,
      'iam_agent_proxy_requests_total{agent="none",decision="refused",service="sts"}': 1,
    });
    expect(moved(before, after, 'iam_agent_proxy_policy_decisions_total')).toEqual({
      'iam_agent_proxy_policy_decisions_total{verdict="allowed"}': 2,
      'iam_agent_proxy_policy_decisions_total{verdict="blocked"}': 1,
    });
    expect(moved(before, after, 'iam_agent_proxy_denials_total')).toEqual({ 'iam_agent_proxy_denials_total{action="s3:ListAllMyBuckets",verdict="blocked"}': 1 });
    expect(moved(before, after, 'iam_agent_proxy_request_duration_seconds_count')).toEqual({
      'iam_agent_proxy_request_duration_seconds_count{decision="allowed"}': 2,
      'iam_agent_proxy_request_duration_seconds_count{decision="blocked"}': 1,
      'iam_agent_proxy_request_duration_seconds_count{decision="refused"}': 1,
    });
    expect(moved(before, after, 'iam_agent_proxy_upstream_errors_total')).toEqual({});
    expect(sample(after, 'iam_agent_proxy_live_keys', { kind: 'agent' })).toBe(1);
    expect(sample(after, 'iam_agent_proxy_live_keys', { kind: 'session' })).toBe(0);
    expect(sample(after, 'iam_agent_proxy_active_agents')).toBe(1);
    expect(sample(after, 'iam_agent_proxy_upstream_credentials', { state: 'ok' })).toBe(1);
    expect(samples(after).has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('shows no key id, secret, host or resource', async () => {
    await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys });
    const text = await scrape(port);
    const health = (await adminGet(port, '/healthz')).body;
    for (const secret of [keys.accessKeyId, keys.secretAccessKey, REAL.accessKeyId, REAL.secretAccessKey, 'amazonaws.com', 'arn:aws', proxy.stateDir]) {
      expect(text).not.toContain(secret);
      expect(health).not.toContain(secret);
    }
    expect(text).not.toMatch(/AKIA|ASIA/);
  });

  it('refuses a foreign Host (DNS rebinding) and any Origin; serves GET only, and nothing else', async () => {
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost']) {
      const answer = await adminGet(port, '/metrics', { host });
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain('iam_agent_proxy');
    }
    const browser = await adminGet(port, '/metrics', { origin: 'http://evil.example' });
    expect(browser.status).toBe(403);
    expect(browser.body).toBe('requests from a browser (with an Origin header) are refused\n');
    expect((await adminGet(port, '/healthz', { origin: 'null' })).status).toBe(403);
    expect((await adminGet(port, '/metrics', { host: `localhost:${port}` })).status).toBe(200);
    expect((await adminGet(port, '/')).status).toBe(404);
    const post = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/metrics', headers: { host: `127.0.0.1:${port}` }, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    });
    expect(post).toBe(405);
  });

  it('listens on 127.0.0.1 only', async () => {
    await expect(adminGet(port, '/healthz', {}, '127.0.0.2')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) await expect(adminGet(port, '/healthz', {}, external.address)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const ipv6 = await adminGet(port, '/healthz', {}, '::1').then(() => 'answered', (error: NodeJS.ErrnoException) => error.code);
    expect(ipv6).not.toBe('answered');
  });
});

describe('PROXY_ADMIN_PORT with an upstream that misbehaves', () => {
  const LIMIT_MS = 500;
  let faulty: FaultyUpstream;
  let proxy: ProxyRun;
  let port: number;
  let keys: Awaited<ReturnType<typeof agentKeys>>;
  const call = () => sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys }).catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
  /** The upstream error counters that moved while `action` ran. */
  const errorsDuring = async (action: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = await scrape(port);
    await action();
    await new Promise((r) => setTimeout(r, 100)); // a cut connection is recorded just after the agent sees it
    return moved(before, await scrape(port), 'iam_agent_proxy_upstream_errors_total');
  };

  beforeAll(async () => {
    port = await freePort();
    faulty = await faultyUpstream();
    const allowlist = join(mkdtempSync(join(tmpdir(), 'iap-admin-')), 'egress-allowlist');
    writeFileSync(allowlist, `127.0.0.1:${port}\n`); // listed, and still refused: the proxy's own port
    proxy = await startProxy({
      upstream: faulty.upstream,
      env: { PROXY_ADMIN_PORT: String(port), PROXY_UPSTREAM_TIMEOUT_MS: String(LIMIT_MS), PROXY_UPSTREAM_CONNECT_TIMEOUT_MS: String(LIMIT_MS), PROXY_EGRESS_ALLOWLIST: allowlist },
    });
    keys = await agentKeys(proxy);
  });
  afterAll(async () => {
    await proxy?.stop();
    faulty?.close();
  });

  it('listens on the port given, and says so in the banner', () => {
    expect(bannerAdminPort(proxy)).toBe(port);
  });

  it('counts no upstream error for a good answer, and each failure once by its kind: 5xx, timeout, reset, refused', async () => {
    faulty.setMode('ok');
    expect(await errorsDuring(async () => expect((await call()).status).toBe(200))).toEqual({});
    faulty.setMode('503');
    expect(await errorsDuring(async () => expect((await call()).status).toBe(503))).toEqual({ 'iam_agent_proxy_upstream_errors_total{kind="5xx"}': 1 });
    faulty.setMode('hang');
    expect(await errorsDuring(async () => expect((await call()).status).toBe(504))).toEqual({ 'iam_agent_proxy_upstream_errors_total{kind="timeout"}': 1 });
    faulty.setMode('reset-mid');
    expect(await errorsDuring(async () => expect(await callAllowingCut(proxy, keys)).toMatchObject({ status: 200, complete: false }))).toEqual({ 'iam_agent_proxy_upstream_errors_total{kind="reset"}': 1 });
    faulty.close(); // nothing listens there any more
    expect(await errorsDuring(async () => expect((await call()).status).toBe(502))).toEqual({ 'iam_agent_proxy_upstream_errors_total{kind="refused"}': 1 });
    expect(JSON.parse((await adminGet(port, '/healthz')).body)).toMatchObject({ mode: 'record', upstreamCredentials: 'ok' });
  });

  it("refuses agents a tunnel to it, as to the proxy's other own ports, and counts the refusal as egress", async () => {
    const before = await scrape(port);
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: `127.0.0.1:${port}` });
      req.on('connect', (res, socket, head) => {
        let body = head.toString();
        socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
        socket.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        socket.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(new RegExp(`port ${port} is the proxy's own`));
    const after = await scrape(port);
    expect(moved(before, after, 'iam_agent_proxy_requests_total')).toEqual({ 'iam_agent_proxy_requests_total{agent="none",decision="refused",service="egress"}': 1 });
  });
});

describe('PROXY_ADMIN_PORT at start', () => {
  it('is off unless set: no banner line', async () => {
    const proxy = await startProxy();
    await proxy.stop();
    expect(proxy.stderr()).not.toContain('metrics:');
  });

  it('stops with one line saying what to do when the port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as { port: number }).port;
    try {
      const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
      const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), AWS_ACCESS_KEY_ID: REAL.accessKeyId, AWS_SECRET_ACCESS_KEY: REAL.secretAccessKey, PROXY_PORT: String(await freePort()), PROXY_ADMIN_PORT: String(busy) });
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toEqual([`iam-agent-proxy: PROXY_ADMIN_PORT ${busy} is in use on 127.0.0.1: pick another port, or 0 for any free one`]);
    } finally {
      taken.close();
    }
  });
});
