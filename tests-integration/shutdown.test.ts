/**
 * Stopping: SIGTERM stops taking connections, lets the requests under way finish (for a bounded
 * time), restores ~/.aws/config and exits 0; a second signal stops at once, still restoring it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultyUpstream, IDENTITY, type FaultyUpstream } from './support/faulty-upstream.js';
import { startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

const USER_CONFIG = '# mine\n[default]\nregion = eu-west-1\n';

let faulty: FaultyUpstream;
beforeAll(async () => {
  faulty = await faultyUpstream();
});
afterAll(() => faulty?.close());

async function proxyWithConfig(env: Record<string, string> = {}): Promise<{ proxy: ProxyRun; config: () => string }> {
  const home = mkdtempSync(join(tmpdir(), 'iap-home-'));
  mkdirSync(join(home, '.aws'));
  writeFileSync(join(home, '.aws', 'config'), USER_CONFIG);
  faulty.setMode('ok');
  const proxy = await startProxy({ upstream: faulty.upstream, home, env });
  return { proxy, config: () => readFileSync(join(home, '.aws', 'config'), 'utf8') };
}

const accepts = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

describe('SIGTERM', () => {
  it('lets a request under way finish, takes no new connection, restores the config, exits 0', async () => {
    const { proxy, config } = await proxyWithConfig();
    const keys = await agentKeys(proxy);
    faulty.setMode('slow'); // answers after a second
    const underWay = sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys });
    await new Promise((wake) => setTimeout(wake, 300));
    const exited = proxy.stop('SIGTERM');
    await new Promise((wake) => setTimeout(wake, 200));
    expect(await accepts(proxy.port)).toBe(false);
    const response = await underWay;
    expect(response.status).toBe(200);
    expect(response.body).toBe(IDENTITY);
    expect(await exited).toBe(0);
    expect(config()).toBe(USER_CONFIG);
    expect(proxy.stderr()).toMatch(/SIGTERM: stopping, letting 1 request\(s\) under way finish \(up to 10 s; SIGTERM again to stop now\)/);
  });

  it('waits no longer than PROXY_DRAIN_TIMEOUT_MS for a request that never ends', async () => {
    const { proxy, config } = await proxyWithConfig({ PROXY_DRAIN_TIMEOUT_MS: '500' });
    const keys = await agentKeys(proxy);
    faulty.setMode('hang');
    const underWay = sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys }).catch((error: Error) => error);
    await new Promise((wake) => setTimeout(wake, 300));
    const started = Date.now();
    expect(await proxy.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await underWay).toBeInstanceOf(Error); // cut off
    expect(config()).toBe(USER_CONFIG);
  });

  it('a second signal stops at once, and the config is still restored', async () => {
    const { proxy, config } = await proxyWithConfig({ PROXY_DRAIN_TIMEOUT_MS: '60000' });
    const keys = await agentKeys(proxy);
    faulty.setMode('hang');
    const underWay = sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys }).catch((error: Error) => error);
    await new Promise((wake) => setTimeout(wake, 300));
    const started = Date.now();
    const exited = proxy.stop('SIGTERM');
    await new Promise((wake) => setTimeout(wake, 300));
    proxy.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await underWay).toBeInstanceOf(Error);
    expect(config()).toBe(USER_CONFIG);
    expect(proxy.stderr()).toMatch(/SIGINT again: stopping now, 1 request\(s\) cut off/);
  });
});
