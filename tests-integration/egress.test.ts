// The egress policy through the real proxy: non-AWS CONNECTs and plain-HTTP requests are held
// to PROXY_EGRESS; refusals are answered 403 with a one-line reason and logged (stdout + actions.log).
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, cleanEnv, PROXY_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

/** A TCP echo server on 127.0.0.1 that counts its connections. */
async function echoServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
    socket.on('error', () => undefined);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** An HTTP server on 127.0.0.1 answering `hello`. */
async function httpServer(): Promise<{ server: http.Server; port: number; requests: () => number }> {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    requests++;
    res.end('hello');
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as AddressInfo).port, requests: () => requests };
}

interface ConnectResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What came back through the tunnel after sending `ping` (admitted tunnels only). */
  echo?: string;
}

function connectThrough(proxy: ProxyRun, target: string): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: target });
    req.on('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        let body = head.toString();
        socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
        socket.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        socket.on('error', reject);
        return;
      }
      socket.write('ping');
      socket.once('data', (data) => {
        socket.destroy();
        resolve({ status: 200, headers: res.headers, body: '', echo: data.toString() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function plainHttpThrough(proxy: ProxyRun, url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: url, headers: { host: target.host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const egressRecords = (proxy: ProxyRun) => actionRecords(proxy).filter((record) => record.service === 'egress');

describe('PROXY_EGRESS=deny', () => {
  let upstream: FakeAws;
  let proxy: ProxyRun;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let web: Awaited<ReturnType<typeof httpServer>>;
  beforeAll(async () => {
    upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
    proxy = await startProxy({ upstream, env: { PROXY_EGRESS: 'deny' } });
    echo = await echoServer();
    web = await httpServer();
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    echo?.server.close();
    web?.server.close();
  });

  it('announces the mode in the banner', () => {
    expect(proxy.stderr()).toContain('non-AWS egress: deny (AWS API hosts only)');
  });

  it('refuses a CONNECT to a local TCP server: 403, one-line reason, Connection: close, nothing reaches it', async () => {
    const result = await connectThrough(proxy, `127.0.0.1:${echo.port}`);
    expect(result.status).toBe(403);
    expect(result.headers.connection).toBe('close');
    expect(result.body).toBe('iam-agent-proxy: egress refused: non-AWS egress is denied (PROXY_EGRESS=deny)\n');
    expect(echo.connections()).toBe(0);
    const line = await proxy.waitForStdout(new RegExp(`REFUSED  egress:CONNECT 127\\.0\\.0\\.1:${echo.port} `));
    expect(line).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] REFUSED  egress:CONNECT 127\\.0\\.0\\.1:${echo.port} \\(non-AWS egress is denied \\(PROXY_EGRESS=deny\\)\\)$`));
    const record = egressRecords(proxy).find((r) => r.host === `127.0.0.1:${echo.port}`);
    expect(record).toMatchObject({ v: 3, service: 'egress', operation: 'CONNECT', decision: 'refused', error: 'non-AWS egress is denied (PROXY_EGRESS=deny)', authorizations: [] });
    expect(record!.client).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('refuses a plain-HTTP request with 403 and logs it', async () => {
    const result = await plainHttpThrough(proxy, `http://127.0.0.1:${web.port}/x`);
    expect(result.status).toBe(403);
    expect(result.body).toBe('iam-agent-proxy: egress refused: non-AWS egress is denied (PROXY_EGRESS=deny)\n');
    expect(web.requests()).toBe(0);
    await proxy.waitForStdout(new RegExp(`REFUSED  egress:GET 127\\.0\\.0\\.1:${web.port} `));
    expect(egressRecords(proxy).some((r) => r.operation === 'GET' && r.host === `127.0.0.1:${web.port}`)).toBe(true);
  });

  it('refuses a WebSocket upgrade over plain HTTP (the library would otherwise connect on its own)', async () => {
    let upgrades = 0;
    web.server.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.destroy();
    });
    const raw = connect(proxy.port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.write(`GET http://127.0.0.1:${web.port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await proxy.waitForStdout(new RegExp(`REFUSED  egress:GET 127\\.0\\.0\\.1:${web.port} `));
    await new Promise((r) => setTimeout(r, 200));
    raw.destroy();
    expect(upgrades).toBe(0);
    expect(web.requests()).toBe(0);
  });

  it('still serves AWS calls, and `policy` material stays AWS-only', async () => {
    upstream.reset();
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(proxy) });
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('PROXY_EGRESS=allowlist', () => {
  let proxy: ProxyRun;
  let listed: Awaited<ReturnType<typeof echoServer>>;
  let unlisted: Awaited<ReturnType<typeof echoServer>>;
  let web: Awaited<ReturnType<typeof httpServer>>;
  beforeAll(async () => {
    listed = await echoServer();
    unlisted = await echoServer();
    web = await httpServer();
    const file = join(mkdtempSync(join(tmpdir(), 'iap-egress-')), 'egress-allowlist');
    // Exact entries: they admit loopback for these host:ports. `*.localhost` is a wildcard, which never admits loopback.
    writeFileSync(file, `# test allowlist\n127.0.0.1:${listed.port}\nlocalhost:${web.port}\n*.localhost\n`);
    // (That a wildcard never admits a loopback or private resolution is unit-tested: no *.x name resolves to loopback here.)
    proxy = await startProxy({ env: { PROXY_EGRESS: 'allowlist', PROXY_EGRESS_ALLOWLIST: file } });
  });
  afterAll(async () => {
    await proxy?.stop();
    listed?.server.close();
    unlisted?.server.close();
    web?.server.close();
  });

  it('admits a listed host:port and tunnels it', async () => {
    const result = await connectThrough(proxy, `127.0.0.1:${listed.port}`);
    expect(result.status).toBe(200);
    expect(result.echo).toBe('echo:ping');
  });

  it('refuses the same host on another port', async () => {
    const result = await connectThrough(proxy, `127.0.0.1:${unlisted.port}`);
    expect(result.status).toBe(403);
    expect(result.body).toBe('iam-agent-proxy: egress refused: not in the egress allowlist\n');
    expect(unlisted.connections()).toBe(0);
    await proxy.waitForStdout(new RegExp(`REFUSED  egress:CONNECT 127\\.0\\.0\\.1:${unlisted.port} \\(not in the egress allowlist\\)`));
  });

  it('admits a plain-HTTP request to a listed name, connecting to its checked address', async () => {
    const result = await plainHttpThrough(proxy, `http://localhost:${web.port}/`);
    expect(result).toMatchObject({ status: 200, body: 'hello' });
  });

  it('an exact entry for an address does not cover a name that resolves to it', async () => {
    const result = await connectThrough(proxy, `localhost:${listed.port}`);
    expect(result.status).toBe(403);
    expect(result.body).toBe('iam-agent-proxy: egress refused: not in the egress allowlist\n');
  });

  it('refuses metadata whatever the list says', async () => {
    const result = await connectThrough(proxy, '169.254.169.254:80');
    expect(result.status).toBe(403);
    expect(result.body).toBe('iam-agent-proxy: egress refused: 169.254.169.254 is a cloud metadata endpoint\n');
  });
});

describe('PROXY_EGRESS=allow-all (the default)', () => {
  let proxy: ProxyRun;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let listed: Awaited<ReturnType<typeof echoServer>>;
  beforeAll(async () => {
    echo = await echoServer();
    listed = await echoServer();
    const file = join(mkdtempSync(join(tmpdir(), 'iap-egress-')), 'egress-allowlist');
    // Exact entries admit local hosts besides public ones; `127.0.0.2` (any port) for the own-port check.
    writeFileSync(file, `127.0.0.1:${listed.port}\n127.0.0.2\n`);
    proxy = await startProxy({ env: { PROXY_AGENTS: 'claude', PROXY_EGRESS_ALLOWLIST: file } });
  });
  afterAll(async () => {
    await proxy?.stop();
    echo?.server.close();
    listed?.server.close();
  });

  it('refuses loopback unless the allowlist names it exactly, and then tunnels it', async () => {
    expect(proxy.stderr()).toContain('non-AWS egress: allow-all (any public host and 2 allowlist entries for local hosts;');
    const refused = await connectThrough(proxy, `localhost:${echo.port}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/^iam-agent-proxy: egress refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address \(PROXY_EGRESS=allow-all admits public addresses; name the host in PROXY_EGRESS_ALLOWLIST to admit it\)\n$/);
    expect(echo.connections()).toBe(0);
    const admitted = await connectThrough(proxy, `127.0.0.1:${listed.port}`);
    expect(admitted).toMatchObject({ status: 200, echo: 'echo:ping' });
  });

  it("refuses the proxy's own port, even on a listed loopback address", async () => {
    for (const target of [`127.0.0.1:${proxy.port}`, `127.0.0.2:${proxy.port}`, `[::ffff:127.0.0.2]:${proxy.port}`]) {
      const result = await connectThrough(proxy, target);
      expect(result.status).toBe(403);
      expect(result.body).toMatch(new RegExp(`port ${proxy.port} is the proxy's own`));
    }
  });

  it('logs a refusal with the agent its proxy URL names (curl with the HTTPS_PROXY that env prints)', async () => {
    const printed = await run(PROXY_BIN, ['env', '--agent', 'claude', '--shell', 'dotenv'], { ...cleanEnv(proxy.home), PROXY_AGENTS: 'claude', PROXY_PORT: String(proxy.port) });
    const url = /^HTTPS_PROXY=(.*)$/m.exec(printed.stdout)![1]!;
    expect(url).toMatch(new RegExp(`^http://claude:[A-Za-z0-9_-]{43}@127\\.0\\.0\\.1:${proxy.port}$`));
    const curl = (target: string, proxyUrl: string) => run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_connect} %{http_code}', '--noproxy', '', '-x', proxyUrl, target], cleanEnv(proxy.home));
    expect((await curl('https://169.254.169.254/latest/meta-data/', url)).stdout).toBe('403 000');
    expect((await curl(`http://10.255.255.1:${echo.port}/`, url)).stdout).toBe('000 403');
    // A wrong password, or none: logged by address only.
    expect((await curl('https://metadata.google.internal/', url.replace(/:([^:@]+)@/, ':wrong@'))).stdout).toBe('403 000');
    await proxy.waitForStdout(/REFUSED  egress:CONNECT metadata\.google\.internal:443 /);
    const records = egressRecords(proxy);
    expect(records.find((r) => r.host === '169.254.169.254:443')).toMatchObject({ agent: 'claude', operation: 'CONNECT' });
    expect(records.find((r) => r.host === `10.255.255.1:${echo.port}`)).toMatchObject({ agent: 'claude', operation: 'GET' });
    expect(records.find((r) => r.host === 'metadata.google.internal:443')?.agent).toBeUndefined();
    expect(proxy.stdout.join("\n")).toMatch(/REFUSED  egress:CONNECT 169\.254\.169\.254:443 by claude \(169\.254\.169\.254 is a cloud metadata endpoint\)/);
  });

  it.each([
    ['169.254.169.254:80', '169.254.169.254 is a cloud metadata endpoint'],
    ['[fd00:ec2::254]:80', 'fd00:ec2::254 is a cloud metadata endpoint'],
    ['[::ffff:169.254.169.254]:80', '::ffff:a9fe:a9fe is a cloud metadata endpoint'],
    ['169.254.170.2:80', '169.254.170.2 is a cloud metadata endpoint'],
    ['metadata.google.internal:80', 'metadata.google.internal is a cloud metadata endpoint'],
    ['100.100.100.200:80', '100.100.100.200 is a cloud metadata endpoint'],
    ['169.254.10.10:80', '169.254.10.10, a link-local address (PROXY_EGRESS=allow-all admits public addresses; name the host in PROXY_EGRESS_ALLOWLIST to admit it)'],
    // Names the resolver turns into metadata addresses are caught on the address the one lookup returned.
    ['2852039166:80', '2852039166 resolves to 169.254.169.254, a cloud metadata endpoint'],
    ['0xa9fea9fe:80', '0xa9fea9fe resolves to 169.254.169.254, a cloud metadata endpoint'],
    ['169.254.43518:80', '169.254.43518 resolves to 169.254.169.254, a cloud metadata endpoint'],
  ])('refuses %s', async (target, reason) => {
    const result = await connectThrough(proxy, target);
    expect(result.status).toBe(403);
    expect(result.body).toBe(`iam-agent-proxy: egress refused: ${reason}\n`);
  });

  it('refuses a plain-HTTP request to metadata', async () => {
    const result = await plainHttpThrough(proxy, 'http://169.254.169.254/latest/meta-data/');
    expect(result.status).toBe(403);
    expect(result.body).toBe('iam-agent-proxy: egress refused: 169.254.169.254 is a cloud metadata endpoint\n');
    expect(egressRecords(proxy).some((r) => r.operation === 'GET' && r.host === '169.254.169.254:80')).toBe(true);
  });
});
