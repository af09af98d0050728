import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openChannels } from '../../src/keys/channels.js';
import { askProxy } from '../../src/keys/socket-client.js';
import { fixture } from './fixture.js';

async function open(mode: 'record' | 'enforce' = 'record') {
  const dir = mkdtempSync(join(tmpdir(), 'iap-chan-'));
  const paths = { socketPath: join(dir, 'creds.sock'), adminSocketPath: join(dir, 'admin.sock'), agentSocketDir: join(dir, 'agents') };
  mkdirSync(paths.agentSocketDir);
  writeFileSync(join(paths.agentSocketDir, 'gone.sock'), ''); // left by a killed proxy for an agent no longer declared
  const f = fixture({ declared: [{ name: 'ci' }, { name: 'claude' }] });
  const close = await openChannels({ ...paths, agents: [{ name: 'ci' }, { name: 'claude' }], mode }, { keys: f.store, agents: f.agents, notice: () => {} });
  return { ...f, ...paths, close, ciPath: join(paths.agentSocketDir, 'ci.sock') };
}

const readOnly = (path: string) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    let text = '';
    connect(path).setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(JSON.parse(text))).on('error', reject);
  });

describe('openChannels', () => {
  it('one socket per declared agent, the default socket and the admin socket, all 0600 in a 0700 directory', async () => {
    const { socketPath, adminSocketPath, agentSocketDir, ciPath, close } = await open();
    for (const path of [socketPath, adminSocketPath, ciPath, join(agentSocketDir, 'claude.sock')]) {
      expect(statSync(path).isSocket(), path).toBe(true);
      expect(statSync(path).mode & 0o777, path).toBe(0o600);
    }
    expect(statSync(agentSocketDir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(agentSocketDir, 'gone.sock'))).toBe(false);
    await close();
    for (const path of [socketPath, adminSocketPath, ciPath]) expect(existsSync(path), path).toBe(false);
  });

  it('the socket decides the agent: a silent client of ci.sock gets ci’s key, of creds.sock the default agent’s', async () => {
    const { store, socketPath, ciPath, close } = await open();
    expect((await readOnly(ciPath)).AccessKeyId).toBe(store.keyFor('ci').accessKeyId);
    expect((await readOnly(socketPath)).AccessKeyId).toBe(store.keyFor('default').accessKeyId);
    expect(await askProxy(ciPath, { op: 'credentials', agent: 'claude' })).toHaveProperty('error', 'this socket belongs to agent "ci" and serves no other agent\'s keys');
    expect(await askProxy(socketPath, { op: 'credentials', agent: 'claude' })).toHaveProperty('error', expect.stringMatching(/is declared: it gets keys only from its own socket/));
    await close();
  });

  it('revoke and keys are served on admin.sock only', async () => {
    const { store, socketPath, adminSocketPath, ciPath, close } = await open('enforce');
    const key = store.keyFor('ci');
    for (const path of [socketPath, ciPath]) expect(await askProxy(path, { op: 'revoke', all: true })).toHaveProperty('error', expect.stringMatching(/not served on an agent's socket/));
    expect(store.lookup(key.accessKeyId).status).toBe('valid');
    expect(await askProxy(adminSocketPath, { op: 'revoke', agent: 'ci' })).toStrictEqual({ revoked: [{ accessKeyId: key.accessKeyId, agent: 'ci' }] });
    expect(await askProxy(adminSocketPath, { op: 'keys' })).toStrictEqual({ keys: [], warnings: [] });
    await close();
  });

  it('a second proxy on the same state dir is refused, and leaves the first one serving', async () => {
    const first = await open();
    await expect(
      openChannels({ socketPath: join(first.agentSocketDir, '..', 'other.sock'), adminSocketPath: first.adminSocketPath, agentSocketDir: first.agentSocketDir, agents: [], mode: 'record' }, { keys: first.store, agents: first.agents, notice: () => {} }),
    ).rejects.toThrow(/another iam-agent-proxy is already serving .*admin\.sock/);
    expect(existsSync(join(first.agentSocketDir, '..', 'other.sock'))).toBe(false);
    expect((await readOnly(first.ciPath)).AccessKeyId).toMatch(/^AKIAPROXY/);
    await first.close();
  });
});
