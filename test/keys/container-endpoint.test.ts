import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { containerCredentialsEnv, containerEndpointUrl, containerToken, ContainerEndpointError, tokenMatches } from '../../src/keys/container-credentials.js';
import { serveContainerCredentials, type ContainerEndpoint } from '../../src/keys/container-endpoint.js';
import { loadOrCreateMasterKey } from '../../src/keys/master-key.js';
import type { ProxyMode } from '../../src/config.js';
import { fixture, MASTER } from './fixture.js';

const endpoints: ContainerEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

async function serve(mode: ProxyMode = 'record', options: { stateDir?: string; limits?: Parameters<typeof serveContainerCredentials>[0]['limits'] } = {}) {
  // The real clock: the SDKs compare Expiration with it.
  const f = fixture({ declared: [{ name: 'alice' }, { name: 'bob', ttlSeconds: 900 }], now: Date.now });
  const notices: string[] = [];
  const endpoint = await serveContainerCredentials({ port: 0, mode, master: MASTER, ...options }, { keys: f.store, agents: f.agents, notice: (line) => notices.push(line) });
  endpoints.push(endpoint);
  return { f, endpoint, notices, port: endpoint.port };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: body ? (JSON.parse(body) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end();
  });
}

const auth = (agent: string) => ({ authorization: containerToken(MASTER, agent) });

describe('containerToken', () => {
  it('is per agent and per master key, unguessable length, and stable across calls (restarts)', () => {
    const alice = containerToken(MASTER, 'alice');
    expect(alice).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(containerToken(MASTER, 'alice')).toBe(alice);
    expect(containerToken(MASTER, 'bob')).not.toBe(alice);
    expect(containerToken(Buffer.alloc(32, 8), 'alice')).not.toBe(alice);
  });

  it('matches only the exact token', () => {
    const alice = containerToken(MASTER, 'alice');
    expect(tokenMatches(MASTER, 'alice', alice)).toBe(true);
    for (const wrong of ['', alice.slice(1), `${alice}x`, `Bearer ${alice}`, containerToken(MASTER, 'bob')]) expect(tokenMatches(MASTER, 'alice', wrong)).toBe(false);
  });
});

describe('the container credential endpoint', () => {
  it("serves a declared agent its own key, issued as its socket would (its lifetime, the key store's key), with an empty Token", async () => {
    const { f, port } = await serve();
    const reply = await get(port, '/agents/bob', auth('bob'));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(Object.keys(reply.json)).toStrictEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
    const key = f.store.keyFor('bob');
    expect(reply.json).toStrictEqual({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Token: '', Expiration: new Date(key.expiresAt).toISOString() });
    expect(key.accessKeyId).toMatch(/^AKIAPROXY/);
    expect(key.expiresAt - key.issuedAt).toBe(900_000);
    expect(f.store.lookup(key.accessKeyId)).toMatchObject({ status: 'valid', key: { agent: 'bob' } });
    expect(reply.body.endsWith('}\n')).toBe(true);
    expect(reply.body.split('\n')).toHaveLength(2);
  });

  it('serves the default agent, and in record mode an undeclared agent (created on first use, as on the default socket)', async () => {
    const { f, port, notices } = await serve('record');
    expect((await get(port, '/agents/default', auth('default'))).json.AccessKeyId).toBe(f.store.keyFor('default').accessKeyId);
    const carol = await get(port, '/agents/carol', auth('carol'));
    expect(carol.status).toBe(200);
    expect(f.agents.tagOf('carol')).toBeDefined();
    expect(notices).toStrictEqual(['agent carol created on first use (record mode)']);
    expect(carol.json.AccessKeyId).toBe(f.store.keyFor('carol').accessKeyId);
  });

  it('enforce mode issues no keys to undeclared agents, whatever the token', async () => {
    const { f, port } = await serve('enforce');
    const carol = await get(port, '/agents/carol', auth('carol'));
    expect(carol.status).toBe(403);
    expect(carol.json).toStrictEqual({ Code: 'AccessDenied', Message: 'unknown agent "carol": in enforce mode only declared agents (PROXY_AGENTS) and "default" get keys' });
    expect(f.agents.tagOf('carol')).toBeUndefined();
    expect((await get(port, '/agents/alice', auth('alice'))).status).toBe(200);
    expect((await get(port, '/agents/default', auth('default'))).status).toBe(200);
  });

  it('no token: 401; a wrong one or another agent\'s: 403; never a key', async () => {
    const { f, port } = await serve();
    const cases: Array<[Record<string, string>, number, string]> = [
      [{}, 401, "no Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN to the agent's token"],
      [{ authorization: '' }, 401, "no Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN to the agent's token"],
      [{ authorization: 'x'.repeat(43) }, 403, 'this is not agent "alice"\'s token'],
      [auth('bob'), 403, 'this is not agent "alice"\'s token'],
      [{ authorization: `Bearer ${containerToken(MASTER, 'alice')}` }, 403, 'this is not agent "alice"\'s token'],
      [{ authorization: containerToken(Buffer.alloc(32, 9), 'alice') }, 403, 'this is not agent "alice"\'s token'],
    ];
    for (const [headers, status, message] of cases) {
      const reply = await get(port, '/agents/alice', headers);
      expect(reply.status).toBe(status);
      expect(reply.json).toStrictEqual({ Code: status === 401 ? 'Unauthorized' : 'AccessDenied', Message: message });
      expect(reply.body).not.toMatch(/AKIA|Secret/);
    }
    expect(f.store.liveKeys()).toStrictEqual([]);
  });

  it('refuses browsers and rebound hosts: an Origin header, a Host that is not this loopback port', async () => {
    const { port } = await serve();
    for (const headers of [
      { ...auth('alice'), origin: 'http://127.0.0.1' },
      { ...auth('alice'), origin: 'null' },
      { ...auth('alice'), host: `evil.example:${port}` },
      { ...auth('alice'), host: '127.0.0.1' },
      { ...auth('alice'), host: `127.0.0.1:${port + 1}` },
      { ...auth('alice'), host: `[::1]:${port}` },
    ]) {
      const reply = await get(port, '/agents/alice', headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      expect(reply.json.Code).toBe('AccessDenied');
    }
    expect((await get(port, '/agents/alice', { ...auth('alice'), host: `localhost:${port}` })).status).toBe(200);
    expect((await get(port, '/agents/alice', { ...auth('alice'), host: `LOCALHOST:${port}` })).status).toBe(200);
  });

  it('GET only (405 with Allow), /agents/<name> only (404)', async () => {
    const { port } = await serve();
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      const reply = await get(port, '/agents/alice', auth('alice'), method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET');
    }
    for (const path of ['/', '/agents/', '/agents/alice/', '/agents/alice?ttl=60', '/agents/a%2Fb', '/agents/%zz', '/latest/meta-data/', `/agents/${'a'.repeat(65)}`]) {
      const reply = await get(port, path, auth('alice'));
      expect(reply.status, path).toBe(404);
      expect(reply.json).toStrictEqual({ Code: 'NotFound', Message: 'credentials are served at /agents/<agent name>, with no query' });
    }
  });

  it('refuses a body, oversized headers and a request that never completes', async () => {
    const limits = { maxHeaderBytes: 1024, requestTimeoutMs: 300, keepAliveMs: 300, maxConnections: 4 };
    const { port } = await serve('record', { limits });
    expect((await get(port, '/agents/alice', { ...auth('alice'), 'content-length': '5' })).status).toBe(400);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let got = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.setEncoding('utf8').on('data', (chunk: string) => (got += chunk));
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
      });
    const big = await raw(`GET /agents/alice HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Pad: ${'x'.repeat(2000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 4(00|31)/);
    expect(big).not.toContain('AKIA');
    const started = Date.now();
    const slow = await raw(`GET /agents/alice HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    expect(slow).not.toContain('AKIA');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('caps its connections: beyond the cap they are closed, the rest are served', async () => {
    const limits = { maxHeaderBytes: 1024, requestTimeoutMs: 1000, keepAliveMs: 1000, maxConnections: 3 };
    const { port } = await serve('record', { limits });
    const idle = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof connect>>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); })));
    await expect(get(port, '/agents/alice', auth('alice'))).rejects.toThrow();
    idle.forEach((socket) => socket.destroy());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await get(port, '/agents/alice', auth('alice'))).status).toBe(200);
  });

  it('never serves a revoked key: after revoking the agent it issues a new one, as the socket does', async () => {
    const { f, port } = await serve();
    const first = (await get(port, '/agents/alice', auth('alice'))).json.AccessKeyId as string;
    f.store.revoke({ agent: 'alice' });
    const second = (await get(port, '/agents/alice', auth('alice'))).json.AccessKeyId as string;
    expect(second).not.toBe(first);
    expect(f.store.lookup(first).status).toBe('revoked');
    expect(f.store.lookup(second).status).toBe('valid');
  });

  it("counts toward the re-elevation warning like the socket's keys", async () => {
    const { f, port } = await serve();
    for (let i = 0; i < 12; i++) {
      await get(port, '/agents/alice', auth('alice'));
      f.store.revoke({ agent: 'alice' });
    }
    expect(f.warnings.some((line) => /agent alice/.test(line))).toBe(true);
  });

  it('the JS SDK v3 fromHttp takes its keys as they are (an empty session token)', async () => {
    const { f, port } = await serve();
    const credentials = await fromHttp({ awsContainerCredentialsFullUri: containerEndpointUrl(port, 'alice'), awsContainerAuthorizationToken: containerToken(MASTER, 'alice') })();
    const key = f.store.keyFor('alice');
    expect(credentials).toMatchObject({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: '' });
    expect(credentials.expiration?.getTime()).toBe(key.expiresAt);
    await expect(fromHttp({ awsContainerCredentialsFullUri: containerEndpointUrl(port, 'alice'), awsContainerAuthorizationToken: containerToken(MASTER, 'bob'), maxRetries: 0 })()).rejects.toThrow(/403/);
  });

  it('writes its port 0600 for containerCredentialsEnv, and removes it on close', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'iap-cc-'));
    const master = loadOrCreateMasterKey(stateDir);
    const f = fixture({ master });
    const endpoint = await serveContainerCredentials({ port: 0, mode: 'record', master, stateDir }, { keys: f.store, agents: f.agents, notice: () => {} });
    const file = join(stateDir, 'credentials-endpoint.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ port: endpoint.port });
    expect(containerCredentialsEnv({ stateDir, credentialsPort: 0 }, 'alice')).toStrictEqual({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${endpoint.port}/agents/alice`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: containerToken(master, 'alice'),
    });
    await endpoint.close();
    expect(existsSync(file)).toBe(false);
    expect(() => containerCredentialsEnv({ stateDir, credentialsPort: 0 }, 'alice')).toThrow(ContainerEndpointError);
  });
});

describe('containerCredentialsEnv', () => {
  it('names the configured port and the token from master.key; off or a bad name is an error', () => {
    const HOME = mkdtempSync(join(tmpdir(), 'iap-cc-home-'));
    const config = loadConfig({ HOME, PROXY_CREDENTIALS_PORT: '9911' });
    const env = containerCredentialsEnv(config, 'bob');
    expect(env).toStrictEqual({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9911/agents/bob',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: containerToken(loadOrCreateMasterKey(config.stateDir), 'bob'),
    });
    expect(() => containerCredentialsEnv(loadConfig({ HOME }), 'bob')).toThrow('the container credential endpoint is off: start the proxy with PROXY_CREDENTIALS_PORT=<port>');
    expect(() => containerCredentialsEnv(config, 'no/such')).toThrow(/must match/);
  });
});
