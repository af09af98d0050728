/**
 * Faults on the far side: an upstream that refuses, fails TLS, never finishes its handshake, hangs,
 * resets mid-answer, stalls mid-body or answers 5xx, and a credential source that fails and
 * recovers. Each time the agent gets a clear AWS-style error within the configured limit (or, once
 * headers are out, a cut connection), and the proxy goes on serving.
 */
import http from 'node:http';
import aws4 from 'aws4';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, freePort, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, openTunnel, sendThroughProxy, type RawResponse } from './support/raw-client.js';
import { BIG_BODY_BYTES, faultyUpstream, IDENTITY } from './support/faulty-upstream.js';
import { createTestCa } from './support/test-ca.js';

const LIMIT_MS = 1500;
const LIMITS = { PROXY_UPSTREAM_TIMEOUT_MS: String(LIMIT_MS), PROXY_UPSTREAM_CONNECT_TIMEOUT_MS: String(LIMIT_MS) };
/** A signed GetCallerIdentity whose answer may be cut short: what arrived, and whether it was whole. */
async function callAllowingCut(proxy: ProxyRun, keys: { accessKeyId: string; secretAccessKey: string }): Promise<{ status: number; body: string; complete: boolean }> {
  const signed = { ...GET_CALLER_IDENTITY, method: 'POST', path: '/', headers: { ...GET_CALLER_IDENTITY.headers } as Record<string, string> };
  aws4.sign(signed, keys);
  const socket = await openTunnel(proxy, signed.host);
  return new Promise((resolve, reject) => {
    const req = http.request({ method: 'POST', path: '/', headers: signed.headers, createConnection: () => socket });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
    });
    req.on('error', reject);
    req.end(signed.body);
  });
}

async function timed(call: () => Promise<RawResponse>): Promise<{ response: RawResponse; ms: number }> {
  const started = Date.now();
  const response = await call().catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
  return { response, ms: Date.now() - started };
}

describe('an upstream that misbehaves', () => {
  let faulty: Awaited<ReturnType<typeof faultyUpstream>>;
  let proxy: ProxyRun;
  let keys: Awaited<ReturnType<typeof agentKeys>>;
  const call = () => sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys });

  beforeAll(async () => {
    faulty = await faultyUpstream();
    proxy = await startProxy({ upstream: faulty.upstream, env: LIMITS });
    keys = await agentKeys(proxy);
  });
  afterAll(async () => {
    await proxy?.stop();
    faulty?.close();
  });

  const expectStillServing = async () => {
    faulty.setMode('ok');
    expect((await call()).status).toBe(200);
  };

  it('hung: 504 GatewayTimeout in the client protocol, once the limit has passed and well before the SDKs give up', async () => {
    faulty.setMode('hang');
    const { response, ms } = await timed(call);
    expect(response.status).toBe(504);
    expect(response.body).toContain('<Code>GatewayTimeout</Code>');
    expect(response.body).toContain(`did not answer within ${LIMIT_MS / 1000} s (PROXY_UPSTREAM_TIMEOUT_MS)`);
    expect(ms).toBeGreaterThanOrEqual(LIMIT_MS - 50);
    expect(ms).toBeLessThan(LIMIT_MS + 3000);
    expect(actionRecords(proxy).at(-1)).toMatchObject({ decision: 'allowed', error: 'GatewayTimeout' });
    await expectStillServing();
  });

  it('503 from upstream is relayed as it came', async () => {
    faulty.setMode('503');
    const response = await call();
    expect(response.status).toBe(503);
    expect(response.body).toContain('<Code>ServiceUnavailable</Code>');
    await expectStillServing();
  });

  it('reset after the headers: the agent sees its connection cut (the body never looks whole), then the proxy serves on', async () => {
    faulty.setMode('reset-mid');
    const cut = await callAllowingCut(proxy, keys);
    expect(cut).toMatchObject({ status: 200, complete: false });
    expect(cut.body.length).toBeLessThan(IDENTITY.length);
    await expectStillServing();
  });

  it('stalled mid-body: cut after the limit, not left hanging', async () => {
    faulty.setMode('stall-body');
    const started = Date.now();
    const cut = await callAllowingCut(proxy, keys);
    expect(cut).toMatchObject({ status: 200, complete: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS - 50);
    expect(Date.now() - started).toBeLessThan(LIMIT_MS + 3000);
    await expectStillServing();
  });

  it('an agent that reads slowly is not cut off: a pause held back by the agent is not a stalled upstream', async () => {
    faulty.setMode('big');
    const signed = { ...GET_CALLER_IDENTITY, method: 'POST', path: '/', headers: { ...GET_CALLER_IDENTITY.headers } as Record<string, string> };
    aws4.sign(signed, keys);
    const socket = await openTunnel(proxy, signed.host);
    const received = await new Promise<{ bytes: number; complete: boolean }>((resolve, reject) => {
      const req = http.request({ method: 'POST', path: '/', headers: signed.headers, createConnection: () => socket });
      req.on('response', (res) => {
        let bytes = 0;
        res.once('data', (first: Buffer) => {
          bytes += first.length;
          res.pause(); // longer than the limit, twice over
          setTimeout(() => res.resume(), 2 * LIMIT_MS + 1000); // two whole checks without progress
        });
        res.on('data', (chunk: Buffer) => void (bytes += chunk.length));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ bytes: bytes - 0, complete: res.complete }));
      });
      req.on('error', reject);
      req.end(signed.body);
    });
    expect(received.complete).toBe(true);
    expect(received.bytes).toBeGreaterThanOrEqual(BIG_BODY_BYTES);
  });

  it('the AWS CLI gets the error, with its retries, inside its own timeouts', async () => {
    faulty.setMode('hang');
    const started = Date.now();
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity'], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'standard' });
    const ms = Date.now() - started;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/GatewayTimeout|504/);
    expect(ms).toBeLessThan(2 * LIMIT_MS + 15_000);
    await expectStillServing();
  });
});

describe('an upstream that cannot be reached', () => {
  const proxies: ProxyRun[] = [];
  const servers: Array<TcpServer | HttpsServer> = [];
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    for (const server of servers) server.close();
  });

  async function proxyTo(endpoint: string, caFile: string): Promise<ProxyRun> {
    const proxy = await startProxy({ upstream: { endpoint, caFile } as FakeAws, env: LIMITS });
    proxies.push(proxy);
    return proxy;
  }
  const callThrough = async (proxy: ProxyRun) => sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(proxy) });

  it('refused: 502 BadGateway saying so', async () => {
    const closedPort = await freePort();
    const proxy = await proxyTo(`https://127.0.0.1:${closedPort}`, createTestCa(mkdtempSync(join(tmpdir(), 'iap-ca-'))).caFile);
    const response = await callThrough(proxy);
    expect(response.status).toBe(502);
    expect(response.body).toContain('<Code>BadGateway</Code>');
    expect(response.body).toContain('iam-agent-proxy: sts.amazonaws.com refused the connection'); // the AWS host the agent called
    expect((await callThrough(proxy)).status).toBe(502); // and it keeps answering
  });

  it('a certificate the proxy does not trust: 502 naming the TLS failure; nothing signed reaches it', async () => {
    const untrusted = createTestCa(mkdtempSync(join(tmpdir(), 'iap-untrusted-')));
    let requests = 0;
    const server = createHttpsServer({ key: untrusted.serverKeyPem, cert: untrusted.serverCertPem }, (_req, res) => {
      requests++;
      res.end();
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const trustedElsewhere = createTestCa(mkdtempSync(join(tmpdir(), 'iap-other-'))).caFile;
    const proxy = await proxyTo(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, trustedElsewhere);
    const response = await callThrough(proxy);
    expect(response.status).toBe(502);
    expect(response.body).toContain('failed the TLS handshake');
    expect(requests).toBe(0);
  });

  it('a handshake that never completes: 504 after the connect limit', async () => {
    const silent = createTcpServer((socket) => socket.on('error', () => undefined)); // accepts, says nothing
    servers.push(silent);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const proxy = await proxyTo(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, createTestCa(mkdtempSync(join(tmpdir(), 'iap-ca-'))).caFile);
    const { response, ms } = await timed(() => callThrough(proxy));
    expect(response.status).toBe(504);
    expect(response.body).toContain(`did not accept a connection within ${LIMIT_MS / 1000} s (PROXY_UPSTREAM_CONNECT_TIMEOUT_MS)`);
    expect(ms).toBeLessThan(LIMIT_MS + 3000);
  });
});

describe('a credential source that fails mid-run', () => {
  let proxy: ProxyRun;
  let home: string;
  let broken: string;
  let upstream: Awaited<ReturnType<typeof faultyUpstream>>;
  beforeAll(async () => {
    upstream = await faultyUpstream();
    home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    broken = join(home, 'credentials-broken');
    const script = join(home, 'real-creds.sh');
    // Keys that expire in seconds: the SDK keeps still-valid keys when a refresh fails, so only
    // expired ones show a failing source.
    writeFileSync(
      script,
      `#!/bin/sh\n[ -e "${broken}" ] && { echo "the SSO session expired" >&2; exit 1; }\nprintf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s","Expiration":"%s"}' '${REAL.accessKeyId}' '${REAL.secretAccessKey}' "$(date -u -d '+3 sec' +%Y-%m-%dT%H:%M:%SZ)"\n`,
    );
    chmodSync(script, 0o700);
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), `[profile real]\ncredential_process = ${script}\n`);
    proxy = await startProxy({ upstream: upstream.upstream, home, env: { AWS_PROFILE: 'real', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
  });
  afterAll(async () => {
    await proxy?.stop();
    upstream?.close();
  });

  it('503 ServiceUnavailable saying what to do while it fails, and calls go through again once it recovers', async () => {
    const keys = await agentKeys(proxy);
    const call = () => sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys });
    expect((await call()).status).toBe(200);
    writeFileSync(broken, '');
    await new Promise((wake) => setTimeout(wake, 4_000)); // the last good keys expire
    const failing = await call();
    expect(failing.status).toBe(503);
    expect(failing.body).toContain('<Code>ServiceUnavailable</Code>');
    expect(failing.body).toContain('has no real AWS credentials to re-sign with from AWS_PROFILE=real');
    expect(failing.body).not.toContain(REAL.secretAccessKey);
    rmSync(broken);
    // Failures are remembered for 5 s so a broken chain is not walked on every request.
    await new Promise((wake) => setTimeout(wake, 5_500));
    expect((await call()).status).toBe(200);
  }, 30_000);
});
