import { describe, expect, it } from 'vitest';
import type { AccessService } from '../../src/grants/access-service.js';
import { GrantError, type GrantDecisions } from '../../src/grants/types.js';
import { answer, type Channel } from '../../src/keys/socket-protocol.js';
import { fixture } from './fixture.js';

const CI: Channel = { kind: 'agent', agent: 'ci' };
const DEFAULT: Channel = { kind: 'default', mode: 'enforce' };
const ADMIN: Channel = { kind: 'admin' };
const ID = 'g-0123456789abcdef';
const REQUEST = { op: 'request_access', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'], duration: 900, reason: 'upload the build' };

/** Fakes that record who asked for what: the agent a channel speaks for is the point under test. */
function setup() {
  const f = fixture({ declared: [{ name: 'ci', ttlSeconds: 900 }] });
  const calls: unknown[][] = [];
  const access = {
    scope: async (agent: string) => (calls.push(['scope', agent]), { agent }),
    preview: async (agent: string, input: unknown) => (calls.push(['preview', agent, input]), { allowed: false, results: [] }),
    request: async (agent: string, request: unknown) => (calls.push(['request', agent, request]), { id: ID, agent, status: 'pending' }),
    status: (agent: string, id: string) => {
      calls.push(['status', agent, id]);
      throw new GrantError(`no grant ${id} for agent ${agent}`);
    },
    release: (agent: string, id: string) => (calls.push(['release', agent, id]), { id, status: 'released' }),
  } as unknown as AccessService;
  const decisions: GrantDecisions = {
    list: (filter) => (calls.push(['list', filter]), []),
    approve: (id, options) => (calls.push(['approve', id, options]), { id } as never),
    deny: (id, options) => (calls.push(['deny', id, options]), { id } as never),
    revoke: (id, options) => (calls.push(['revoke', id, options]), { id } as never),
  };
  const ask = (request: unknown, channel: Channel) => Promise.resolve(answer(request, channel, { keys: f.store, agents: f.agents, notice: () => {}, grants: { access, decisions } })) as Promise<Record<string, unknown>>;
  return { ask, calls };
}

describe('grant ops on an agent’s channel', () => {
  it('speak for the channel’s agent, never one the request names', async () => {
    const { ask, calls } = setup();
    expect(await ask(REQUEST, CI)).toEqual({ grant: { id: ID, agent: 'ci', status: 'pending' } });
    expect(await ask({ op: 'scope' }, DEFAULT)).toEqual({ agent: 'default' });
    expect(await ask({ ...REQUEST, agent: 'default' }, CI)).toEqual({ error: 'unexpected field "agent" in a request_access request' });
    expect(calls).toEqual([
      ['request', 'ci', { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'], durationSeconds: 900, reason: 'upload the build' }],
      ['scope', 'default'],
    ]);
  });

  it('validate input before anything is asked, and answer a refusal as an error line', async () => {
    const { ask, calls } = setup();
    expect(await ask({ ...REQUEST, reason: '' }, CI)).toEqual({ error: expect.stringContaining('"reason" is required') });
    expect(await ask({ op: 'preview', actions: ['s3:GetObject'], resources: ['*'], region: 'moon' }, CI)).toEqual({ error: '"region" must be a region name like us-east-1' });
    expect(await ask({ op: 'grant_status', id: '../../etc' }, CI)).toEqual({ error: expect.stringContaining('"id" must be a grant id') });
    expect(calls).toEqual([]);
    expect(await ask({ op: 'grant_status', id: ID }, CI)).toEqual({ error: `no grant ${ID} for agent ci` });
    expect(await ask({ op: 'release_access', id: ID }, CI)).toEqual({ grant: { id: ID, status: 'released' } });
  });

  it.each(['grants', 'approve', 'deny', 'revoke_grant'])('cannot %s: that is admin.sock’s', async (op) => {
    const { ask, calls } = setup();
    for (const channel of [CI, DEFAULT]) expect(await ask({ op, id: ID, reason: 'x' }, channel)).toEqual({ error: expect.stringMatching(new RegExp(`^"${op}" is not served on an agent's socket: run 'iam-agent-proxy .+' as the proxy's user`)) });
    expect(calls).toEqual([]);
  });
});

describe('grant decisions on admin.sock', () => {
  it('lists pending and active by default, everything with all, and decides by the CLI', async () => {
    const { ask, calls } = setup();
    await ask({ op: 'grants' }, ADMIN);
    await ask({ op: 'grants', all: true, agent: 'ci' }, ADMIN);
    await ask({ op: 'approve', id: ID, ttl: 600 }, ADMIN);
    await ask({ op: 'deny', id: ID, reason: ' no ' }, ADMIN);
    await ask({ op: 'revoke_grant', id: ID }, ADMIN);
    expect(calls).toEqual([
      ['list', { statuses: ['pending', 'active'], agent: undefined }],
      ['list', { statuses: undefined, agent: 'ci' }],
      ['approve', ID, { ttlSeconds: 600, by: 'cli' }],
      ['deny', ID, { reason: 'no', by: 'cli' }],
      ['revoke', ID, { by: 'cli' }],
    ]);
  });

  it.each([
    [{ op: 'deny', id: ID }, 'deny needs a "reason"'],
    [{ op: 'approve', id: ID, ttl: '1h' }, '"ttl" must be a whole number of seconds'],
    [{ op: 'approve', id: 'g-1' }, '"id" must be a grant id'],
    [{ op: 'grants', agent: '../x' }, 'agent name must match'],
    [{ op: 'request_access' }, 'is an agent\'s own request'],
    [{ op: 'scope' }, 'is an agent\'s own request'],
  ])('refuses %j', async (request, error) => {
    const { ask, calls } = setup();
    expect(await ask(request, ADMIN)).toEqual({ error: expect.stringContaining(error) });
    expect(calls).toEqual([]);
  });
});
