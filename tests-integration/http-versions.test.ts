/**
 * HTTP versions at the proxy's TLS front door: it offers only http/1.1 by ALPN. A client that offers
 * h2 and http/1.1 (Go's net/http, curl, botocore's urllib3) gets http/1.1 and completes its call;
 * one that offers h2 alone is refused in the TLS handshake with no_application_protocol. And what
 * the JS SDK v3 makes of an operation that needs HTTP/2 when it is routed through the proxy.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import aws4 from 'aws4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { REAL, REPO, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY } from './support/raw-client.js';

const HOST = GET_CALLER_IDENTITY.host;
const NO_H2 = 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL';

let upstream: FakeAws;
let proxy: ProxyRun;
let ca: string;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
  ca = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
  await new Promise((r) => setTimeout(r, 300)); // let the startup account-id lookup reach upstream first
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

/** A CONNECT tunnel to `host` through the proxy, before any TLS. */
function openTunnel(host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const connect = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: `${host}:443` });
    connect.on('connect', (res, socket) => (res.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT answered ${res.statusCode}`))));
    connect.on('error', reject);
    connect.end();
  });
}

/** TLS inside a tunnel, offering `alpn`; resolves once the handshake is done. */
async function tlsThroughProxy(alpn: string[]): Promise<tls.TLSSocket> {
  const socket = await openTunnel(HOST);
  const secure = tls.connect({ socket, servername: HOST, ca, ALPNProtocols: alpn });
  await once(secure, 'secureConnect');
  return secure;
}

describe('ALPN at the proxy', () => {
  it('a client offering h2 and http/1.1 gets http/1.1 and completes a signed call', async () => {
    const socket = await tlsThroughProxy(['h2', 'http/1.1']);
    expect(socket.alpnProtocol).toBe('http/1.1');
    const signed = aws4.sign({ ...GET_CALLER_IDENTITY, method: 'POST', path: '/', headers: { ...GET_CALLER_IDENTITY.headers } }, await agentKeys(proxy));
    const req = http.request({ method: 'POST', path: '/', headers: signed.headers as Record<string, string>, createConnection: () => socket });
    req.end(GET_CALLER_IDENTITY.body);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    let body = '';
    for await (const chunk of res.setEncoding('utf8')) body += chunk;
    socket.destroy();
    expect(res.statusCode, body).toBe(200);
    expect(body).toContain(`<Account>${upstream.accountId}</Account>`);
    expect(upstream.requests.map((r) => r.verified)).toEqual([true]);
  });

  it('a client offering only h2 is refused in the TLS handshake; nothing reaches upstream', async () => {
    await expect(tlsThroughProxy(['h2'])).rejects.toMatchObject({ code: NO_H2 });
    expect(upstream.requests).toEqual([]);
    // The proxy says why, once, without blaming the CA.
    for (let i = 0; i < 50 && !/offered only HTTP\/2/.test(proxy.stderr()); i++) await sleep(100);
    expect(proxy.stderr()).toMatch(/a client for \S+ offered only HTTP\/2/);
    expect(proxy.stderr()).not.toMatch(/does it trust|malformed request/);
  });

  it("node's http2.connect through the tunnel fails with the same alert", async () => {
    const socket = await openTunnel(HOST);
    const session = http2.connect(`https://${HOST}`, { createConnection: () => tls.connect({ socket, servername: HOST, ca, ALPNProtocols: ['h2'] }) });
    const [error] = (await once(session, 'error')) as [NodeJS.ErrnoException];
    session.destroy();
    expect(error.code).toBe(NO_H2);
    expect(error.message).toMatch(/no application protocol/);
  });
});

/** InvokeModelWithBidirectionalStream with one event, through the proxy over HTTP/1.1 (NodeHttpHandler: the SDK's HTTP/2 handler takes no proxy). */
const BIDIRECTIONAL_CALL = `
import { BedrockRuntimeClient, InvokeModelWithBidirectionalStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';
const client = new BedrockRuntimeClient({ requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) }) });
async function* events() { yield { chunk: { bytes: new TextEncoder().encode('{"event":{"sessionStart":{}}}') } }; }
try {
  await client.send(new InvokeModelWithBidirectionalStreamCommand({ modelId: 'amazon.nova-sonic-v1:0', body: events() }));
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));
}`;

describe('an operation that needs HTTP/2', () => {
  it('the JS SDK v3 sends a bidirectional stream over HTTP/1.1 when given an HTTP/1.1 handler; the proxy refuses its event-signed body', async () => {
    // Evaluated in the repository, where its imports resolve.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', BIDIRECTIONAL_CALL], { env: proxy.agentEnv, cwd: REPO });
    const result = JSON.parse(stdout) as { name: string; status: number; message: string };
    expect(result).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(result.message).toMatch(/^x-amz-content-sha256 must be a hex SHA-256/);
    expect(upstream.requests).toEqual([]);
  });
});
