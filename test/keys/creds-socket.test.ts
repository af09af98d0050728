import { mkdtempSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, askProxy, DEFAULT_AGENT, serveCredentials, toProcessCredentials } from '../../src/keys/creds-socket.js';
import { KeypairStore } from '../../src/keys/keypair-store.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const TTL = 3600_000;
const newStore = (): KeypairStore => new KeypairStore(TTL, () => T0);

describe('toProcessCredentials', () => {
  it('has exactly the credential_process Version 1 fields', () => {
    const key = { accessKeyId: 'AKIAPROXYAAAAAAAAAAA', secretAccessKey: 'secret', agent: 'a', issuedAt: T0, expiresAt: T0 + TTL };
    expect(toProcessCredentials(key)).toStrictEqual({
      Version: 1,
      AccessKeyId: 'AKIAPROXYAAAAAAAAAAA',
      SecretAccessKey: 'secret',
      Expiration: '2024-05-01T11:00:00.000Z',
    });
  });
});

describe('answer', () => {
  it('credentials: issues the default agent a key', () => {
    const store = newStore();
    const reply = answer({ op: 'credentials' }, store) as Record<string, unknown>;
    const [live] = store.liveKeys();
    expect(live!.agent).toBe(DEFAULT_AGENT);
    expect(reply).toStrictEqual({ Version: 1, AccessKeyId: live!.accessKeyId, SecretAccessKey: live!.secretAccessKey, Expiration: '2024-05-01T11:00:00.000Z' });
  });

  it('credentials: a named agent gets its own key, the same one on the next call', () => {
    const store = newStore();
    const first = answer({ op: 'credentials', agent: 'claude@ci' }, store) as { AccessKeyId: string };
    const again = answer({ op: 'credentials', agent: 'claude@ci' }, store) as { AccessKeyId: string };
    const other = answer({ op: 'credentials', agent: 'other' }, store) as { AccessKeyId: string };
    expect(again.AccessKeyId).toBe(first.AccessKeyId);
    expect(other.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(store.lookup(first.AccessKeyId)).toMatchObject({ status: 'valid', key: { agent: 'claude@ci' } });
  });

  it.each(['', 'has space', 'slash/name', 'x'.repeat(65), 'new\nline', '../etc'])('rejects the agent name %j without issuing a key', (agent) => {
    const store = newStore();
    const reply = answer({ op: 'credentials', agent }, store) as { error?: string };
    expect(reply.error).toMatch(/^agent name must match/);
    expect(store.liveKeys()).toHaveLength(0);
  });

  it('accepts a 64-character agent name', () => {
    const reply = answer({ op: 'credentials', agent: 'a'.repeat(64) }, newStore()) as { AccessKeyId?: string };
    expect(reply.AccessKeyId).toMatch(/^AKIAPROXY/);
  });

  it('revoke: by access key id, reporting what it revoked', () => {
    const store = newStore();
    const a = store.keypairFor('a');
    store.keypairFor('b');
    expect(answer({ op: 'revoke', accessKeyId: a.accessKeyId }, store)).toStrictEqual({ revoked: [{ accessKeyId: a.accessKeyId, agent: 'a' }] });
    expect(store.lookup(a.accessKeyId).status).toBe('revoked');
    expect(store.liveKeys().map((k) => k.agent)).toStrictEqual(['b']);
  });

  it('revoke: by agent, and all keys with neither', () => {
    const store = newStore();
    store.keypairFor('a');
    const b = store.keypairFor('b');
    store.keypairFor('c');
    expect(answer({ op: 'revoke', agent: 'b' }, store)).toStrictEqual({ revoked: [{ accessKeyId: b.accessKeyId, agent: 'b' }] });
    const all = answer({ op: 'revoke' }, store) as { revoked: Array<{ agent: string }> };
    expect(all.revoked.map((k) => k.agent)).toStrictEqual(['a', 'c']);
    expect(store.liveKeys()).toStrictEqual([]);
  });

  it('revoke: a bad agent name is refused and revokes nothing', () => {
    const store = newStore();
    store.keypairFor('a');
    expect(answer({ op: 'revoke', agent: 'bad name' }, store)).toHaveProperty('error');
    expect(store.liveKeys()).toHaveLength(1);
  });

  it('list: the live keys with agent and expiration, never the secret', () => {
    const store = newStore();
    const a = store.keypairFor('a');
    const reply = answer({ op: 'list' }, store);
    expect(reply).toStrictEqual({ keys: [{ accessKeyId: a.accessKeyId, agent: 'a', expiration: '2024-05-01T11:00:00.000Z' }] });
    expect(JSON.stringify(reply)).not.toContain(a.secretAccessKey);
  });

  it.each([[{ op: 'delete' }], [{}], [null], [undefined], ['credentials'], [42]])('an unknown op or malformed request (%j) gets an error', (request) => {
    const store = newStore();
    expect(answer(request, store)).toStrictEqual({ error: 'unknown op; expected credentials, revoke or list' });
    expect(store.liveKeys()).toHaveLength(0);
  });
});

describe('serveCredentials', () => {
  const serve = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-sock-'));
    const path = join(dir, 'creds.sock');
    const keys = new KeypairStore(3600_000);
    return { path, keys, server: await serveCredentials(path, keys) };
  };

  it('creates the socket 0600 and answers a request line', async () => {
    const { path, server } = await serve();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const reply = await askProxy(path, { op: 'credentials', agent: 'ci' });
    expect(reply.AccessKeyId).toMatch(/^AKIAPROXY/);
    server.close();
  });

  it('gives a client that connects and only reads the default agent keys (the original protocol)', async () => {
    const { path, keys, server } = await serve();
    const text = await new Promise<string>((resolve, reject) => {
      let data = '';
      connect(path)
        .setEncoding('utf8')
        .on('data', (chunk: string) => (data += chunk))
        .on('end', () => resolve(data))
        .on('error', reject);
    });
    expect(JSON.parse(text)).toStrictEqual(toProcessCredentials(keys.keypairFor('default')));
    server.close();
  });

  it('refuses to replace a socket another proxy is serving', async () => {
    const { path, keys, server } = await serve();
    await expect(serveCredentials(path, keys)).rejects.toThrow(/another iam-agent-proxy is already serving/);
    server.close();
  });
});
