// `iam-agent-proxy mcp` end to end: the SDK's own MCP client starts it over stdio, as an agent's host
// would, and drives every tool against a running proxy in enforce mode; real AWS CLI calls through the
// proxy show that a grant applies from the next call and that release ends it on the next call.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentScope, Grant, Preview } from '../src/grants/types.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import type { FakeAws } from './support/fake-aws.js';
import { AWS_CLI, cleanEnv, PROXY_BIN, run, type ProxyRun } from './support/proxy-process.js';

const BASELINE = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'WhoAmI', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Sid: 'ListBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
    { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
  ],
};
const RULES = { autoApprove: [{ name: 'reads', accessLevels: ['Read', 'List'], services: ['s3'] }] };

const dir = mkdtempSync(join(tmpdir(), 'iap-mcp-'));
writeFileSync(join(dir, 'allowlist.json'), JSON.stringify(BASELINE));
writeFileSync(join(dir, 'grant-rules.json'), JSON.stringify(RULES));

const REPORT = 'arn:aws:s3:::test-bucket/reports/today.txt';

let upstream: FakeAws;
let proxy: ProxyRun;
proxyInFrontOfFakeAws(
  (started) => {
    ({ upstream, proxy } = started);
  },
  { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'allowlist.json'), PROXY_GRANT_RULES: join(dir, 'grant-rules.json'), PROXY_AGENTS: 'alice' },
);

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** `node bin/iam-agent-proxy mcp [args]` started by the SDK's stdio client, with the proxy's state directory. */
async function mcp(args: string[] = [], stateDir = proxy.stateDir): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [PROXY_BIN, 'mcp', ...args], env: { ...cleanEnv(proxy.home), IAM_AGENT_PROXY_HOME: stateDir }, stderr: 'pipe' });
  const client = new Client({ name: 'integration-test', version: '1' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { ...result, text: result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n') };
}

/** The tool's structured content, after checking it answered without error. */
function answerOf<T>(result: CallToolResult & { text: string }): T {
  expect(result.isError, result.text).toBeFalsy();
  return result.structuredContent as T;
}

// GetObject rather than `s3 cp`, whose HeadObject first gets a bodiless 403 and no error message.
const readReport = () => run(AWS_CLI, ['s3api', 'get-object', '--bucket', 'test-bucket', '--key', 'reports/today.txt', join(dir, 'report.txt')], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });

describe('iam-agent-proxy mcp', () => {
  it('describe_scope shows the baseline per service, for the agent of the socket it was started on', async () => {
    const client = await mcp();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['describe_scope', 'grant_status', 'preview_request', 'release_access', 'request_access']);
    const result = await call(client, 'describe_scope');
    const scope = answerOf<AgentScope>(result);
    expect(scope).toMatchObject({ agent: 'default', mode: 'enforce', grants: [] });
    expect(scope.services.find((service) => service.service === 's3')).toMatchObject({ accessLevels: ['List'], from: ['baseline'], denies: true });
    expect(scope.services.find((service) => service.service === 'sts')?.from).toEqual(['baseline']);
    expect(result.text).toContain('Agent "default", enforce mode');
    expect(result.text).toMatch(/s3: List \(from baseline/);

    const alice = answerOf<AgentScope>(await call(await mcp(['--agent', 'alice']), 'describe_scope'));
    expect(alice.agent).toBe('alice');
  });

  it('preview_request says what is not allowed and which statement denies it, and asks AWS nothing', async () => {
    const result = await call(await mcp(), 'preview_request', { actions: ['s3:GetObject', 's3:DeleteObject'], resources: [REPORT] });
    const preview = answerOf<Preview>(result);
    expect(preview.allowed).toBe(false);
    expect(preview.results).toHaveLength(2);
    expect(preview.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 's3:GetObject', verdict: 'implicit-deny' }),
        expect.objectContaining({ action: 's3:DeleteObject', verdict: 'explicit-deny', statements: ['NoDeletes'] }),
      ]),
    );
    expect(result.text).toContain(`s3:GetObject on ${REPORT}: NOT allowed: no statement`);
    expect(result.text).toContain(`s3:DeleteObject on ${REPORT}: NOT allowed: denied by statement NoDeletes`);
    expect(upstream.requests).toEqual([]);
  });

  it('request_access of a read a rule approves is active at once: the next call succeeds, and after release_access the next is denied', async () => {
    upstream.objects.set('test-bucket/reports/today.txt', Buffer.from('the report\n'));
    const client = await mcp();
    const before = await readReport();
    expect(before.stderr).toContain('AccessDenied');
    expect(before.stderr).toContain('request_access');

    const requested = await call(client, 'request_access', { actions: ['s3:GetObject'], resources: [REPORT], duration: '30m', reason: 'summarise the daily report' });
    const { grant } = answerOf<{ grant: Grant }>(requested);
    expect(grant).toMatchObject({ status: 'active', decidedBy: 'rule:reads', request: { durationSeconds: 1800 } });
    expect(grant.id).toMatch(/^g-[0-9a-f]{16}$/);
    expect(Date.parse(grant.expiresAt!) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(requested.text).toContain(`Grant ${grant.id}: active until ${grant.expiresAt}`);

    const granted = await readReport();
    expect(granted.code, granted.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toBe('the report\n');
    expect(answerOf<{ grant: Grant }>(await call(client, 'grant_status', { id: grant.id })).grant.status).toBe('active');
    const scope = answerOf<AgentScope>(await call(client, 'describe_scope'));
    expect(scope.grants.map((active) => active.id)).toEqual([grant.id]);
    expect(scope.services.find((service) => service.service === 's3')?.from).toContain(grant.id);

    const released = await call(client, 'release_access', { id: grant.id });
    expect(answerOf<{ grant: Grant }>(released).grant.status).toBe('released');
    const after = await readReport();
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('AccessDenied');
    expect(answerOf<AgentScope>(await call(client, 'describe_scope')).grants).toEqual([]);
  });

  it('request_access of a write is pending until a person decides, and grants nothing meanwhile', async () => {
    const client = await mcp();
    const requested = await call(client, 'request_access', { actions: ['s3:PutObject'], resources: [REPORT], duration: 900, reason: 'upload the summary', ticket: 'OPS-7' });
    const { grant } = answerOf<{ grant: Grant }>(requested);
    expect(grant).toMatchObject({ status: 'pending', request: { ticket: 'OPS-7', durationSeconds: 900 } });
    expect(requested.text).toContain(`Grant ${grant.id}: pending`);
    expect(answerOf<{ grant: Grant }>(await call(client, 'grant_status', { id: grant.id })).grant.status).toBe('pending');
    expect(answerOf<AgentScope>(await call(client, 'describe_scope')).grants).toEqual([]);
  });

  it("a grant belongs to the socket's agent: another agent's server can neither read nor release it, and no input names an agent", async () => {
    const client = await mcp();
    const { grant } = answerOf<{ grant: Grant }>(await call(client, 'request_access', { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::test-bucket'], duration: '10m', reason: 'list the reports' }));
    const alice = await mcp(['--agent', 'alice']);
    expect(await call(alice, 'grant_status', { id: grant.id })).toMatchObject({ isError: true });
    expect(await call(alice, 'release_access', { id: grant.id })).toMatchObject({ isError: true });
    expect(answerOf<{ grant: Grant }>(await call(client, 'grant_status', { id: grant.id })).grant.status).toBe('active');
    const bad = await call(client, 'request_access', { actions: ['s3:GetObject'], resources: [REPORT], duration: '30m', reason: ' ', agent: 'alice' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('Unrecognized key: "agent"');
    await call(client, 'release_access', { id: grant.id });
  });

  it('says to start the proxy when none runs on the socket', async () => {
    const nowhere = mkdtempSync(join(tmpdir(), 'iap-mcp-none-'));
    const result = await call(await mcp([], nowhere), 'describe_scope');
    expect(result.isError).toBe(true);
    expect(result.text).toContain(`cannot reach iam-agent-proxy at ${join(nowhere, 'creds.sock')}: is it running?`);
  });
});
