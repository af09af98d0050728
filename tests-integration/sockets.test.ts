// The proxy's Unix sockets under misuse and abuse, and the owner-only state they guard.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { agentEnvFor, AWS_CLI, cleanEnv, freePort, PROXY_BIN, PROXY_CREDS_BIN, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

let upstream: FakeAws;
beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
});
afterAll(async () => upstream?.close());

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const socketsOf = (proxy: ProxyRun) => ({
  default: join(proxy.stateDir, 'creds.sock'),
  alice: join(proxy.stateDir, 'agents', 'alice.sock'),
  admin: join(proxy.stateDir, 'admin.sock'),
});

/** Connects, writes, and collects the answer until the proxy closes the connection; '' when it closed without one. */
function talk(path: string, write?: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(path, () => write !== undefined && socket.write(write, () => undefined));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET: the proxy hung up, as it may
  });
}

/**
 * A client that sends a request, never reads the answer and never closes its side. After a while it
 * writes again: that fails only if the proxy has closed the connection.
 */
function neverReads(path: string): Promise<'closed by the proxy' | 'still open'> {
  return new Promise((resolve) => {
    const socket = createConnection({ path, allowHalfOpen: true }, () => socket.write('{"op":"credentials"}\n'));
    socket.pause();
    socket.on('error', () => resolve('closed by the proxy'));
    setTimeout(() => {
      socket.write('more\n', (error) => resolve(error ? 'closed by the proxy' : 'still open'));
      setTimeout(() => socket.destroy(), 1000);
    }, 4000);
  });
}

const proxyCreds = (proxy: ProxyRun, args: string[], env = proxy.agentEnv) => run(process.execPath, [PROXY_CREDS_BIN, ...args], env);

describe('state files and sockets', () => {
  it('are owner-only: keys, revocations, agent names and every socket 0600, directories 0700', async () => {
    const proxy = await startProxy({ upstream, env: { PROXY_AGENTS: 'alice' } });
    await agentKeys(proxy, 'carol');
    const alice = await agentKeys(proxy, 'alice');
    expect((await run(process.execPath, [PROXY_BIN, 'revoke', '--key', alice.accessKeyId], proxy.agentEnv)).stdout).toBe(`revoked ${alice.accessKeyId} (agent alice)\n`);
    await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(proxy) });
    for (const name of ['master.key', 'ca.key', 'revocations.json', 'recorded-agents.json', 'actions.log', 'creds.sock', 'admin.sock', 'agents/alice.sock']) {
      expect(modeOf(join(proxy.stateDir, name)), name).toBe('600');
    }
    expect(modeOf(proxy.stateDir)).toBe('700');
    expect(modeOf(join(proxy.stateDir, 'agents'))).toBe('700');
    expect(statSync(join(proxy.stateDir, 'master.key')).size).toBe(32);
    await proxy.stop();
  });
});

describe('abuse of the sockets', () => {
  it('garbage, oversized, half-written, never-reading and 1,000 concurrent clients each get a one-line JSON error or are closed; the proxy keeps serving', async () => {
    const proxy = await startProxy({ upstream, env: { PROXY_AGENTS: 'alice' } });
    const sockets = socketsOf(proxy);
    const jsonLine = (text: string) => {
      expect(text).toMatch(/^[^\n]+\n$/);
      return JSON.parse(text) as Record<string, unknown>;
    };
    for (const path of Object.values(sockets)) {
      expect(jsonLine(await talk(path, 'GET / HTTP/1.1\r\n\r\n')).error, path).toBe('a request is one line of JSON, e.g. {"op":"credentials"}');
      expect(jsonLine(await talk(path, Buffer.from([0, 0xff, 0xfe, 10]))).error).toBe('a request is one line of JSON, e.g. {"op":"credentials"}');
      expect(jsonLine(await talk(path, 'x'.repeat(1024 * 1024))).error).toBe('request too large: at most 65536 bytes');
      expect(jsonLine(await talk(path, `{"op":"credentials","agent":"${'a'.repeat(70_000)}"}\n`)).error).toBe('request too large: at most 65536 bytes');
    }
    const halfWritten = await Promise.all(Object.values(sockets).map((path) => talk(path, '{"op":"cred')));
    for (const text of halfWritten) expect(jsonLine(text).error).toBe('incomplete request: send one line of JSON ending in a newline within 2000 ms');

    // Clients that never read and never close hold nothing for long.
    const idle = Object.values(sockets).map((path) => neverReads(path));
    // 1,000 at once on the default socket and on the admin socket.
    const flood = [
      ...Array.from({ length: 1000 }, () => talk(sockets.default, '{"op":"credentials"}\n')),
      ...Array.from({ length: 1000 }, () => talk(sockets.admin, '{"op":"keys"}\n')),
    ];
    // Each socket has its own limits: alice's is served while the others are flooded.
    const during = await talk(sockets.alice, '{"op":"credentials"}\n');
    expect(jsonLine(during).AccessKeyId).toMatch(/^AKIAPROXY/);
    const outcomes = new Map<string, number>();
    for (const text of await Promise.all(flood)) {
      const kind = text === '' ? 'closed' : 'AccessKeyId' in jsonLine(text) ? 'credentials' : 'keys' in jsonLine(text) ? 'keys' : String(jsonLine(text).error);
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    }
    expect([...outcomes.keys()].every((kind) => ['closed', 'credentials', 'keys', 'busy: too many requests on this socket at once; try again'].includes(kind)), JSON.stringify([...outcomes])).toBe(true);
    expect(outcomes.get('credentials')).toBeGreaterThan(0);
    expect(outcomes.get('keys')).toBeGreaterThan(0);
    expect(await Promise.all(idle)).toStrictEqual(['closed by the proxy', 'closed by the proxy', 'closed by the proxy']);

    for (const path of Object.values(sockets)) expect(modeOf(path), path).toBe('600');
    expect(proxy.child.exitCode).toBeNull();
    const keys = await agentKeys(proxy);
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
    expect((await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv)).stdout).toContain(keys.accessKeyId);
    await proxy.stop();
  });
});

describe('proxy-creds', () => {
  it('misuse: one line and a non-zero exit for an unknown agent (enforce mode), a ttl out of bounds, a bad argument', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-allow-'));
    writeFileSync(join(dir, 'allow.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] }));
    const proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'allow.json'), PROXY_AGENTS: 'alice=120' } });
    const refused = async (args: string[], code: number, message: RegExp) => {
      const result = await proxyCreds(proxy, args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
    };
    await refused(['--agent', 'stranger'], 2, /^proxy-creds: .*creds\.sock refused: unknown agent "stranger": in enforce mode only declared agents \(PROXY_AGENTS\) and "default" get keys$/);
    await refused(['--agent', 'alice', '--ttl', '5'], 2, /refused: ttl 5 s is below the floor of 60 s \(PROXY_KEY_TTL_MIN\)$/);
    await refused(['--ttl', '50000'], 2, /refused: ttl 50000 s is above the ceiling of 43200 s \(PROXY_KEY_TTL_MAX\)$/);
    await refused(['--ttl', '1h'], 2, /^proxy-creds: --ttl must be a whole number of seconds, not "1h"$/);
    await refused(['--agent', 'no/slashes'], 2, /^proxy-creds: agent name "no\/slashes" must match/);
    await refused(['--bogus'], 2, /^proxy-creds: unexpected argument "--bogus"$/);

    const expiresIn = async (args: string[]) => Date.parse(JSON.parse((await proxyCreds(proxy, args)).stdout).Expiration) - Date.now();
    expect(await expiresIn(['--agent', 'alice'])).toBeGreaterThan(110_000);
    expect(await expiresIn(['--agent', 'alice'])).toBeLessThanOrEqual(120_000);
    expect(await expiresIn(['--agent', 'alice', '--ttl', '600'])).toBeGreaterThan(590_000);
    expect(JSON.parse((await proxyCreds(proxy, [])).stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^AKIAPROXY/) });

    // What an agent's AWS CLI shows when its name is not declared.
    const cli = await run(AWS_CLI, ['sts', 'get-caller-identity'], agentEnvFor(proxy, 'stranger'));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('unknown agent "stranger"');
    await proxy.stop();
  });
});

describe('admin commands', () => {
  it('revoke and keys talk to admin.sock; mistakes are one line and exit 2; without a proxy, exit 1', async () => {
    const proxy = await startProxy({ upstream, env: { PROXY_REFETCH_WARN: '2/300' } });
    for (const ttl of ['60', '61', '62']) expect((await proxyCreds(proxy, ['--ttl', ttl])).code).toBe(0);
    const warning = /^iam-agent-proxy: warning: agent default was issued 3 keys in the last 300 s \(more than 2\): is it re-fetching credentials/m;
    for (let i = 0; i < 20 && !warning.test(proxy.stderr()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(proxy.stderr()).toMatch(warning);
    const keys = await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv);
    expect(keys.stdout.match(/  agent=default  expires=\S+Z  REFETCH-WARNING$/gm)).toHaveLength(3);
    expect(keys.stdout).toMatch(/^warning: agent default was issued 3 keys/m);

    for (const [args, message] of [
      [['revoke', '--agent', 'nobody'], 'iam-agent-proxy: no agent is named "nobody"'],
      [['revoke', '--key', 'AKIAPROXYNOTISSUED00'], 'iam-agent-proxy: AKIAPROXYNOTISSUED00 is not a key this proxy issued'],
      [['revoke', '--all', '--agent', 'default'], 'iam-agent-proxy: revoke needs exactly one of --key <AccessKeyId>, --agent <name> or --all'],
    ] as const) {
      const result = await run(process.execPath, [PROXY_BIN, ...args], proxy.agentEnv);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`${message}\n`);
    }
    const all = await run(process.execPath, [PROXY_BIN, 'revoke', '--all'], proxy.agentEnv);
    expect(all.stdout.match(/^revoked AKIAPROXY\S+ \(agent default\)$/gm)).toHaveLength(3);
    expect((await run(process.execPath, [PROXY_BIN, 'revoke', '--all'], proxy.agentEnv)).stdout).toBe('no live keys matched (the revocation is recorded all the same, and kept across restarts)\n');
    await proxy.stop();

    const none = await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^iam-agent-proxy: cannot reach the proxy at .*admin\.sock \(ENOENT\): is iam-agent-proxy running, with the same IAM_AGENT_PROXY_HOME\?\n$/);
  });
});

describe('refusing to start', () => {
  it('while another proxy serves the same state dir: one line, and the first keeps serving', async () => {
    const first = await startProxy({ upstream });
    const second = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(first.home), PROXY_PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/another iam-agent-proxy is already serving .*creds\.sock: stop it first/);
    expect((await sendThroughProxy(first, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(first) })).status).toBe(200);
    await first.stop();
  });

  it.each([
    ['readable by others', (path: string) => chmodSync(path, 0o644), /master\.key is mode 0644, readable or writable by others: run chmod 600 .*master\.key/],
    ['the wrong size', (path: string) => writeFileSync(path, 'short'), /master\.key holds 5 bytes, not 32: delete .*master\.key to make a new one/],
  ])('with a master.key %s: one line saying how to fix it, nothing left behind', async (_, spoil, message) => {
    const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
    const stateDir = join(home, '.iam-agent-proxy');
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(join(stateDir, 'master.key'), Buffer.alloc(32, 1), { mode: 0o600 });
    spoil(join(stateDir, 'master.key'));
    const result = await run(process.execPath, [PROXY_BIN], { ...cleanEnv(home), PROXY_PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(stateDir).filter((name) => name.endsWith('.sock'))).toStrictEqual([]);
  });
});
