import { describe, expect, it } from 'vitest';
import { answer, toProcessCredentials, type Channel } from '../../src/keys/socket-protocol.js';
import { fixture, sessionRequest, T0, TTL } from './fixture.js';

const DEFAULT_RECORD: Channel = { kind: 'default', mode: 'record' };
const DEFAULT_ENFORCE: Channel = { kind: 'default', mode: 'enforce' };
const CI: Channel = { kind: 'agent', agent: 'ci' };
const ADMIN: Channel = { kind: 'admin' };

function setup() {
  const f = fixture({ declared: [{ name: 'ci', ttlSeconds: 900 }] });
  const notices: string[] = [];
  const ask = (request: unknown, channel: Channel) => answer(request, channel, { keys: f.store, agents: f.agents, notice: (line) => notices.push(line) }) as Record<string, unknown>;
  return { ...f, notices, ask };
}

describe('toProcessCredentials', () => {
  it('has exactly the credential_process Version 1 fields', () => {
    const key = { accessKeyId: 'AKIAPROXYAAAAAAAAAAA', secretAccessKey: 'secret', agent: 'a', issuedAt: T0, expiresAt: T0 + TTL };
    expect(toProcessCredentials(key)).toStrictEqual({ Version: 1, AccessKeyId: 'AKIAPROXYAAAAAAAAAAA', SecretAccessKey: 'secret', Expiration: '2024-05-01T11:00:00.000Z' });
  });
});

describe('agent sockets: credentials only, for the socket’s own agent', () => {
  it("a declared agent's socket gives that agent's key, with its lifetime", () => {
    const { ask, store } = setup();
    const reply = ask({ op: 'credentials' }, CI);
    expect(reply).toStrictEqual(toProcessCredentials(store.keyFor('ci')));
    expect(reply.Expiration).toBe(new Date(T0 + 900_000).toISOString());
    expect(ask({ op: 'credentials', agent: 'ci' }, CI)).toStrictEqual(reply);
  });

  it('a caller cannot name another agent on it', () => {
    const { ask, store } = setup();
    expect(ask({ op: 'credentials', agent: 'default' }, CI)).toStrictEqual({ error: 'this socket belongs to agent "ci" and serves no other agent\'s keys' });
    expect(store.liveKeys()).toStrictEqual([]);
  });

  it('the default socket gives "default" its key, and refuses declared agents (they have their own socket)', () => {
    const { ask, store } = setup();
    expect(ask({ op: 'credentials' }, DEFAULT_ENFORCE)).toStrictEqual(toProcessCredentials(store.keyFor('default')));
    expect(ask({ op: 'credentials', agent: 'default' }, DEFAULT_ENFORCE).AccessKeyId).toBe(store.keyFor('default').accessKeyId);
    expect(ask({ op: 'credentials', agent: 'ci' }, DEFAULT_RECORD)).toStrictEqual({ error: 'agent "ci" is declared: it gets keys only from its own socket (proxy-creds --agent ci)' });
  });

  it('record mode creates an undeclared agent on first use, and says so once', () => {
    const { ask, notices, store } = setup();
    const first = ask({ op: 'credentials', agent: 'claude@laptop' }, DEFAULT_RECORD);
    const again = ask({ op: 'credentials', agent: 'claude@laptop' }, DEFAULT_RECORD);
    expect(again).toStrictEqual(first);
    expect(notices).toStrictEqual(['agent claude@laptop created on first use (record mode)']);
    expect(store.lookup(first.AccessKeyId as string)).toMatchObject({ status: 'valid', key: { agent: 'claude@laptop' } });
  });

  it('enforce mode refuses undeclared agents, even ones record mode created before', () => {
    const { ask, agents, store } = setup();
    agents.record('earlier');
    for (const agent of ['stranger', 'earlier']) {
      expect(ask({ op: 'credentials', agent }, DEFAULT_ENFORCE)).toStrictEqual({ error: `unknown agent "${agent}": in enforce mode only declared agents (PROXY_AGENTS) and "default" get keys` });
    }
    expect(store.liveKeys()).toStrictEqual([]);
  });

  it('fresh: a key of its own, for the socket agent only; anything but true is refused', () => {
    const { ask } = setup();
    const shared = ask({ op: 'credentials' }, CI);
    const fresh = ask({ op: 'credentials', fresh: true, ttl: 43_200 }, CI);
    expect(fresh.AccessKeyId).not.toBe(shared.AccessKeyId);
    expect(fresh.Expiration).toBe(new Date(T0 + 43_200_000).toISOString());
    expect(ask({ op: 'credentials' }, CI)).toStrictEqual(shared);
    expect(ask({ op: 'credentials', fresh: true, agent: 'other' }, CI).error).toMatch(/serves no other agent/);
    expect(ask({ op: 'credentials', fresh: 'yes' }, CI)).toStrictEqual({ error: '"fresh" must be true (a key no other client shares, as `run` gives a command)' });
    expect(ask({ op: 'credentials', fresh: true, agent: 'newcomer' }, DEFAULT_ENFORCE).error).toMatch(/unknown agent "newcomer"/);
  });

  it('ttl: within the bounds it sets the lifetime; outside, the error names the bound', () => {
    const { ask } = setup();
    expect(ask({ op: 'credentials', ttl: 120 }, CI).Expiration).toBe(new Date(T0 + 120_000).toISOString());
    expect(ask({ op: 'credentials', ttl: 59 }, CI)).toStrictEqual({ error: 'ttl 59 s is below the floor of 60 s (PROXY_KEY_TTL_MIN)' });
    expect(ask({ op: 'credentials', ttl: 43_201 }, DEFAULT_RECORD)).toStrictEqual({ error: 'ttl 43201 s is above the ceiling of 43200 s (PROXY_KEY_TTL_MAX)' });
    expect(ask({ op: 'credentials', ttl: '120' }, CI)).toStrictEqual({ error: 'ttl must be a whole number of seconds' });
  });

  it.each(['', 'has space', 'slash/name', 'x'.repeat(65), 'new\nline', '../etc', 42])('refuses the agent name %j without issuing a key', (agent) => {
    const { ask, store } = setup();
    expect(ask({ op: 'credentials', agent }, DEFAULT_RECORD).error).toMatch(/^agent name must match/);
    expect(store.liveKeys()).toHaveLength(0);
  });

  it.each(['revoke', 'keys', 'list'])('"%s" is refused on agent sockets, pointing at the admin command', (op) => {
    const { ask, store } = setup();
    const a = store.keyFor('ci');
    for (const channel of [CI, DEFAULT_RECORD]) {
      expect(ask({ op, all: true }, channel)).toStrictEqual({ error: `"${op}" is not served on an agent's socket: run 'iam-agent-proxy ${op === 'list' ? 'keys' : op}' as the proxy's user (it uses admin.sock)` });
    }
    expect(store.lookup(a.accessKeyId).status).toBe('valid');
  });

  it.each([[{ op: 'delete' }], [{ op: 'constructor' }], [{ op: '__proto__' }], [{}], [null], [undefined], ['credentials'], [42], [[{ op: 'credentials' }]]])('a malformed request (%j) gets an error', (request) => {
    const { ask, store } = setup();
    expect(ask(request, DEFAULT_RECORD).error).toMatch(/^(unknown op "(delete|constructor|__proto__)"; expected credentials|a request is one line of JSON with an "op")/);
    expect(store.liveKeys()).toHaveLength(0);
  });

  it('an unexpected field is an error, not ignored', () => {
    const { ask } = setup();
    expect(ask({ op: 'credentials', agnet: 'ci' }, DEFAULT_RECORD)).toStrictEqual({ error: 'unexpected field "agnet" in a credentials request' });
  });
});

describe('the admin socket: revoke and keys', () => {
  it('serves no credentials', () => {
    const { ask } = setup();
    expect(ask({ op: 'credentials' }, ADMIN)).toStrictEqual({ error: 'admin.sock serves no credentials: agents get theirs with proxy-creds' });
  });

  it('revoke by key, by agent, or all, reporting what it ended', () => {
    const { ask, store } = setup();
    const ci = store.keyFor('ci');
    const d = store.keyFor('default');
    expect(ask({ op: 'revoke', accessKeyId: ci.accessKeyId }, ADMIN)).toStrictEqual({ revoked: [{ accessKeyId: ci.accessKeyId, agent: 'ci' }] });
    expect(ask({ op: 'revoke', agent: 'default' }, ADMIN)).toStrictEqual({ revoked: [{ accessKeyId: d.accessKeyId, agent: 'default' }] });
    const again = store.keyFor('ci');
    expect(ask({ op: 'revoke', all: true }, ADMIN)).toStrictEqual({ revoked: [{ accessKeyId: again.accessKeyId, agent: 'ci' }] });
  });

  it.each([
    [{ op: 'revoke' }, 'revoke needs exactly one of "accessKeyId", "agent" or "all": true'],
    [{ op: 'revoke', agent: 'ci', all: true }, 'revoke needs exactly one of "accessKeyId", "agent" or "all": true'],
    [{ op: 'revoke', all: 'yes' }, '"all" must be true'],
    [{ op: 'revoke', agent: 'bad name' }, expect.stringMatching(/^agent name must match/)],
    [{ op: 'revoke', agent: 'nobody' }, 'no agent is named "nobody"'],
    [{ op: 'revoke', accessKeyId: 'AKIAPROXYNOTISSUED00' }, 'AKIAPROXYNOTISSUED00 is not a key this proxy issued'],
    [{ op: 'revoke', accessKeyId: 7 }, '"accessKeyId" must be a string'],
  ])('refuses %j, revoking nothing', (request, error) => {
    const { ask, store, saved } = setup();
    const key = store.keyFor('ci');
    expect(ask(request, ADMIN)).toStrictEqual({ error });
    expect(store.lookup(key.accessKeyId).status).toBe('valid');
    expect(saved.rules).toStrictEqual([]);
  });

  it('keys: ids, agents, expiry and assumed roles, never a secret or token; agents re-fetching too often are flagged', () => {
    const f = fixture({ refetchLimit: { count: 1, windowSeconds: 300 } });
    const ask = (request: unknown) => answer(request, ADMIN, { keys: f.store, agents: f.agents, notice: () => {} });
    const key = f.store.keyFor('default');
    const session = f.store.issueSession(sessionRequest(key));
    const reply = ask({ op: 'keys' });
    expect(reply).toStrictEqual({
      keys: [
        { accessKeyId: key.accessKeyId, agent: 'default', expiration: '2024-05-01T11:00:00.000Z', refetchWarning: true },
        { accessKeyId: session.accessKeyId, agent: 'default', expiration: '2024-05-01T11:00:00.000Z', assumedRole: session.session!.assumedRole, parentKeyId: key.accessKeyId, refetchWarning: true },
      ],
      warnings: [expect.stringMatching(/^agent default was issued 2 keys in the last 300 s \(more than 1\)/)],
    });
    const text = JSON.stringify(reply);
    for (const secret of [key.secretAccessKey, session.secretAccessKey, session.session!.sessionToken, 'real-session-secret', 'real-token']) expect(text).not.toContain(secret);
  });
});
