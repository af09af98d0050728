import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentScope, Grant, Preview } from '../../src/grants/types.js';
import type { SocketRequest } from '../../src/keys/socket-protocol.js';
import { createMcpServer, type AskProxy } from '../../src/mcp/server.js';

const ID = 'g-0123456789abcdef';

function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: ID,
    agent: 'claude',
    request: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'], durationSeconds: 1800, reason: 'read the reports' },
    status: 'active',
    requestedAt: '2026-01-01T10:00:00.000Z',
    decidedAt: '2026-01-01T10:00:00.000Z',
    decidedBy: 'rule:reads',
    expiresAt: '2026-01-01T10:30:00.000Z',
    risk: { score: 2, factors: [] },
    newAccess: { actions: ['s3:GetObject'], pairs: [] },
    signals: [],
    ...overrides,
  };
}

const SCOPE: AgentScope = {
  agent: 'claude',
  mode: 'enforce',
  policy: 'allowlist.json',
  services: [
    { service: 's3', accessLevels: ['Read', 'List'], actions: ['s3:GetObject', 's3:ListBucket'], from: ['baseline', ID] },
    { service: 'iam', accessLevels: ['List'], actions: ['iam:ListRoles'], from: ['baseline'], denies: true },
  ],
  grants: [grant()],
};

const PREVIEW: Preview = {
  allowed: false,
  results: [
    { action: 's3:GetObject', resource: 'arn:aws:s3:::reports/a', verdict: 'allowed', statements: ['ReadReports'] },
    { action: 's3:PutObject', resource: 'arn:aws:s3:::reports/a', verdict: 'implicit-deny', statements: [] },
    { action: 'iam:CreateUser', resource: 'arn:aws:iam::123456789012:user/x', verdict: 'explicit-deny', statements: ['NoIam'] },
  ],
};

let client: Client | undefined;
afterEach(async () => client?.close());

/** A client talking to the server in memory; the fake proxy records what it was asked and answers `reply`. */
async function connect(reply: (request: SocketRequest) => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<{ client: Client; asked: SocketRequest[] }> {
  const asked: SocketRequest[] = [];
  const ask: AskProxy = async (request) => {
    asked.push(request);
    return reply(request);
  };
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(ask).connect(serverSide);
  client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return { client, asked };
}

async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string }> {
  const result = (await c.callTool({ name, arguments: args })) as CallToolResult;
  return { ...result, text: result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n') };
}

const REQUEST = { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'], duration: '30m', reason: 'read the reports' };

describe('the MCP server', () => {
  it('lists the five tools, each telling an agent when to use it, with strict input schemas', async () => {
    const { client } = await connect(() => ({}));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['describe_scope', 'grant_status', 'preview_request', 'release_access', 'request_access']);
    const requestAccess = tools.find((tool) => tool.name === 'request_access')!;
    expect(requestAccess.description).toMatch(/AccessDenied naming request_access/);
    expect(requestAccess.inputSchema.required?.sort()).toEqual(['actions', 'duration', 'reason', 'resources']);
    for (const tool of tools) expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('describe_scope asks for the scope and summarises it per service', async () => {
    const { client, asked } = await connect(() => ({ ...SCOPE }));
    const result = await call(client, 'describe_scope');
    expect(asked).toEqual([{ op: 'scope' }]);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(SCOPE);
    expect(result.text).toContain('Agent "claude", enforce mode, baseline policy: allowlist.json.');
    expect(result.text).toContain(`s3: Read, List (from baseline, ${ID})`);
    expect(result.text).toMatch(/iam: List \(from baseline; a Deny statement limits/);
    expect(result.text).toContain(`${ID}: s3:GetObject on arn:aws:s3:::reports/*, until 2026-01-01T10:30:00.000Z`);
    expect(result.text).toContain('Anything else is outside your policy');
  });

  it('describe_scope in record mode says no grant is needed', async () => {
    const { client } = await connect(() => ({ ...SCOPE, mode: 'record', policy: undefined, services: [], grants: [] }));
    const { text } = await call(client, 'describe_scope');
    expect(text).toContain('Agent "claude", record mode, baseline policy: none.');
    expect(text).toContain('Record mode: every call is forwarded and recorded; no grant is needed.');
    expect(text).not.toContain('outside your policy');
  });

  it('describe_scope names at most ten actions of a service and counts the rest', async () => {
    const actions = Array.from({ length: 14 }, (_, i) => `s3:Action${i}`);
    const { client } = await connect(() => ({ ...SCOPE, services: [{ service: 's3', accessLevels: ['Read'], actions, from: ['baseline'] }], grants: [] }));
    const { text } = await call(client, 'describe_scope');
    expect(text).toContain('s3:Action9 and 4 more');
    expect(text).not.toContain('s3:Action10');
  });

  it('describe_scope counts the actions the proxy allows but did not list', async () => {
    const actions = Array.from({ length: 50 }, (_, i) => `s3:Action${i}`);
    const { client } = await connect(() => ({ ...SCOPE, services: [{ service: 's3', accessLevels: ['Read'], actions, actionCount: 120, from: ['baseline'] }], grants: [] }));
    expect((await call(client, 'describe_scope')).text).toContain('s3:Action9 and 110 more');
  });

  it('preview_request sends the calls and says which are not allowed and which statement decides', async () => {
    const { client, asked } = await connect(() => ({ ...PREVIEW }));
    const input = { actions: ['s3:GetObject', 's3:PutObject', 'iam:CreateUser'], resources: ['arn:aws:s3:::reports/a'], region: 'eu-west-1' };
    const result = await call(client, 'preview_request', input);
    expect(asked).toEqual([{ op: 'preview', ...input }]);
    expect(result.structuredContent).toEqual(PREVIEW);
    expect(result.text).toContain('Not allowed: at least one call would be denied.');
    expect(result.text).toContain('s3:GetObject on arn:aws:s3:::reports/a: allowed by statement ReadReports');
    expect(result.text).toContain('s3:PutObject on arn:aws:s3:::reports/a: NOT allowed: no statement of the policy or of a grant allows it');
    expect(result.text).toContain('iam:CreateUser on arn:aws:iam::123456789012:user/x: NOT allowed: denied by statement NoIam (a Deny: request_access cannot lift it)');
    expect(result.text).toContain('use request_access');
  });

  it('preview_request names the grant that allows a call', async () => {
    const { client } = await connect(() => ({ allowed: true, results: [{ action: 's3:GetObject', resource: '*', verdict: 'allowed', statements: ['Grant0123456789abcdef'], grant: ID }] }));
    const { text } = await call(client, 'preview_request', { actions: ['s3:GetObject'], resources: ['*'] });
    expect(text).toContain(`allowed by grant ${ID}`);
    expect(text).not.toContain('request_access');
  });

  it.each([
    ['30m', 1800],
    ['2h', 7200],
    ['2h30m', 9000],
    ['45s', 45],
    ['600', 600],
    [900, 900],
  ])('request_access sends a duration of %j as %i seconds', async (duration, seconds) => {
    const { client, asked } = await connect(() => ({ grant: grant() }));
    await call(client, 'request_access', { ...REQUEST, duration });
    expect(asked).toEqual([{ op: 'request_access', actions: REQUEST.actions, resources: REQUEST.resources, duration: seconds, reason: REQUEST.reason }]);
  });

  it('request_access passes a ticket on and trims the reason', async () => {
    const { client, asked } = await connect(() => ({ grant: grant() }));
    await call(client, 'request_access', { ...REQUEST, reason: '  read the reports ', ticket: 'OPS-12' });
    expect(asked[0]).toMatchObject({ reason: 'read the reports', ticket: 'OPS-12' });
  });

  it('request_access answers the grant id, status and expiry', async () => {
    const { client } = await connect(() => ({ grant: grant() }));
    const result = await call(client, 'request_access', REQUEST);
    expect(result.structuredContent).toEqual({ grant: grant() });
    expect(result.text).toContain(`Grant ${ID}: active until 2026-01-01T10:30:00.000Z (approved by rule:reads)`);
    expect(result.text).toContain('s3:GetObject on arn:aws:s3:::reports/*, asked for 30m; risk 2/10');
  });

  it('request_access answers pending and denied with what to do or why', async () => {
    let next: Grant = grant({ status: 'pending', decidedAt: undefined, decidedBy: undefined, expiresAt: undefined });
    const { client } = await connect(() => ({ grant: next }));
    expect((await call(client, 'request_access', REQUEST)).text).toContain(`Grant ${ID}: pending: a person must approve it. Check it with grant_status`);
    next = grant({ status: 'denied', decidedBy: 'cli', expiresAt: undefined, denyReason: 'use the reports role instead' });
    expect((await call(client, 'request_access', REQUEST)).text).toContain(`Grant ${ID}: denied: use the reports role instead`);
  });

  it('grant_status and release_access send the id and show the grant', async () => {
    const { client, asked } = await connect((request) => ({ grant: grant(request.op === 'release_access' ? { status: 'released', endedAt: '2026-01-01T10:05:00.000Z' } : {}) }));
    expect((await call(client, 'grant_status', { id: ID })).text).toContain(`Grant ${ID}: active until`);
    expect((await call(client, 'release_access', { id: ID })).text).toContain(`Grant ${ID}: released at 2026-01-01T10:05:00.000Z`);
    expect(asked).toEqual([
      { op: 'grant_status', id: ID },
      { op: 'release_access', id: ID },
    ]);
  });

  it.each([
    ['request_access', { ...REQUEST, actions: [] }, 'actions'],
    ['request_access', { ...REQUEST, actions: ['GetObject'] }, 'an IAM action is service:Action'],
    ['request_access', { ...REQUEST, actions: ['s3:'.padEnd(201, 'x')] }, 'actions'],
    ['request_access', { ...REQUEST, actions: Array.from({ length: 51 }, (_, i) => `s3:A${i}`) }, 'actions'],
    ['request_access', { ...REQUEST, resources: ['my-bucket'] }, 'a resource is an ARN'],
    ['request_access', { ...REQUEST, resources: ['arn:aws:s3:::a\u0007b'] }, 'a resource is an ARN'],
    ['request_access', { ...REQUEST, reason: '   ' }, 'say what the access is for'],
    ['request_access', { ...REQUEST, reason: 'line one\nline two' }, 'printable text on one line'],
    ['request_access', { actions: REQUEST.actions, resources: REQUEST.resources, duration: 60 }, 'reason'],
    ['request_access', { ...REQUEST, duration: 'soon' }, 'duration: "soon" is not a duration'],
    ['request_access', { ...REQUEST, duration: '1d' }, 'duration: "1d" is not a duration'],
    ['request_access', { ...REQUEST, duration: 0 }, 'duration'],
    ['request_access', { ...REQUEST, duration: 1.5 }, 'duration'],
    ['preview_request', { actions: ['s3:GetObject'], resources: ['*'], region: 'moon-1' }, 'a region is like us-east-1'],
    ['grant_status', { id: 'g-123' }, 'a grant id is g- and 16 hex digits'],
    ['release_access', {}, 'id'],
  ])('%s refuses bad input %j with a message naming the problem, and asks nothing', async (tool, args, message) => {
    const { client, asked } = await connect(() => ({ grant: grant() }));
    const result = await call(client, tool, args);
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`Invalid arguments for tool ${tool}`);
    expect(result.text).toContain(message);
    expect(asked).toEqual([]);
  });

  it.each([
    ['describe_scope', {}],
    ['preview_request', { actions: ['s3:GetObject'], resources: ['*'] }],
    ['request_access', REQUEST],
    ['grant_status', { id: ID }],
  ])('%s refuses an agent name in its input: the channel decides the agent', async (tool, args) => {
    const { client, asked } = await connect(() => ({ ...SCOPE }));
    const result = await call(client, tool, { ...args, agent: 'admin' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('Unrecognized key: "agent"');
    expect(asked).toEqual([]);
  });

  it("turns the proxy's error answer into a tool error with its message", async () => {
    const { client } = await connect(() => ({ error: `unknown grant ${ID}` }));
    const result = await call(client, 'grant_status', { id: ID });
    expect(result).toMatchObject({ isError: true, text: `unknown grant ${ID}` });
    expect(result.structuredContent).toBeUndefined();
  });

  it('turns a proxy that cannot be asked into a tool error with the reason', async () => {
    const { client } = await connect(() => Promise.reject(new Error('cannot reach iam-agent-proxy at /x.sock: is it running? (ENOENT)')));
    const result = await call(client, 'describe_scope');
    expect(result).toMatchObject({ isError: true, text: 'cannot reach iam-agent-proxy at /x.sock: is it running? (ENOENT)' });
  });

  it('never passes on a field named like a credential, however deep in the answer', async () => {
    const leaky = {
      grant: { ...grant(), SessionToken: 'TOKEN-1', request: { ...grant().request, SecretAccessKey: 'SECRET-1' } },
      credentials: { AccessKeyId: 'AKIA-1', SecretAccessKey: 'SECRET-2' },
      extra: [{ secret_access_key: 'SECRET-3', aws_session_token: 'TOKEN-2' }],
    };
    const { client } = await connect(() => structuredClone(leaky));
    for (const [tool, args] of [
      ['request_access', REQUEST],
      ['grant_status', { id: ID }],
    ] as const) {
      const result = await call(client, tool, args);
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result)).not.toMatch(/SECRET-|TOKEN-|AKIA-|SecretAccessKey|SessionToken/);
      expect(result.structuredContent).toMatchObject({ grant: { id: ID, request: { reason: 'read the reports' } }, extra: [{}] });
    }
  });
});
