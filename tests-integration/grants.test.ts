import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Grant } from '../src/grants/types.js';
import { askProxy } from '../src/keys/socket-client.js';
import type { SocketRequest } from '../src/keys/socket-protocol.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PROXY_BIN, REAL, agentEnvFor, cleanEnv, run, startProxy, type ProxyRun } from './support/proxy-process.js';

const BASELINE = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Identity', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    { Sid: 'ReadAllowed', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::test-bucket/allowed/*' },
  ],
};
/** Reads and lists of S3 are approved by a rule, for up to an hour; anything else waits for a person. */
const RULES = { minDuration: 1, maxDuration: '12h', autoApprove: [{ name: 'reads', accessLevels: ['Read', 'List'], services: ['s3'], maxDuration: '1h' }] };

let upstream: FakeAws;
let dir: string;
let body: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iap-grants-'));
  writeFileSync(join(dir, 'baseline.json'), JSON.stringify(BASELINE));
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(RULES));
  writeFileSync((body = join(dir, 'body.txt')), 'build output\n');
  upstream = await startFakeAws({ credentials: REAL, dir });
});
afterAll(() => upstream?.close());
beforeEach(() => upstream.reset());

const env = (mode: string, extra: Record<string, string> = {}) => ({ PROXY_MODE: mode, ALLOWLIST_PATH: join(dir, 'baseline.json'), PROXY_GRANT_RULES: join(dir, 'rules.json'), PROXY_AGENTS: 'claude,ci', ...extra });
const agentSocket = (proxy: ProxyRun, agent: string) => join(proxy.stateDir, 'agents', `${agent}.sock`);
/** An op on the agent's own socket, as its MCP server sends it. */
const asAgent = (proxy: ProxyRun, agent: string, request: SocketRequest) => askProxy(agentSocket(proxy, agent), request);
/** The person at the proxy's terminal. */
const admin = (proxy: ProxyRun, ...args: string[]) => run(PROXY_BIN, args, cleanEnv(proxy.home));
const putObject = (proxy: ProxyRun, agent: string, key = 'work/out.txt') => run(AWS_CLI, ['s3api', 'put-object', '--bucket', 'test-bucket', '--key', key, '--body', body], { ...agentEnvFor(proxy, agent), AWS_MAX_ATTEMPTS: '1' });
const listObjects = (proxy: ProxyRun, agent: string) => run(AWS_CLI, ['s3api', 'list-objects-v2', '--bucket', 'test-bucket'], { ...agentEnvFor(proxy, agent), AWS_MAX_ATTEMPTS: '1' });
const WRITE_REQUEST: SocketRequest = { op: 'request_access', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::test-bucket/work/*'], duration: 900, reason: 'upload the build output', ticket: 'OPS-42' };
const forwardedPuts = () => upstream.requests.filter((r) => r.method === 'PUT').length;

describe('just-in-time access in enforce mode', () => {
  let proxy: ProxyRun;
  beforeAll(async () => {
    proxy = await startProxy({ upstream, env: env('enforce') });
  });
  afterAll(() => proxy?.stop());

  it('a denied call names what is missing and says to use request_access', async () => {
    const denied = await putObject(proxy, 'claude');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('AccessDenied');
    expect(denied.stderr).toContain('request_access');
    expect(denied.stderr).toContain('["s3:PutObject"] and resources ["arn:aws:s3:::test-bucket/work/out.txt"]');
    expect(forwardedPuts()).toBe(0);
  });

  it('a pending request changes nothing until a person approves it from the CLI; then only that agent may, until revoked', async () => {
    const { grant } = (await asAgent(proxy, 'claude', WRITE_REQUEST)) as { grant: Grant };
    expect(grant).toMatchObject({ status: 'pending', agent: 'claude' });
    expect(grant.risk.score).toBeGreaterThanOrEqual(1);
    expect(grant.risk.factors.map((f) => f.factor)).toContain('access-level');
    expect(grant.newAccess.pairs).toContainEqual(expect.objectContaining({ action: 's3:PutObject', resource: 'arn:aws:s3:::test-bucket/work/*', accessLevel: 'Write' }));
    expect((await putObject(proxy, 'claude')).stderr).toContain('AccessDenied');

    const listed = await admin(proxy, 'grants');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${grant.id}  PENDING  agent claude`);
    expect(listed.stdout).toContain('reason: upload the build output  (ticket OPS-42)');
    expect(listed.stdout).toContain('new access beyond the baseline: s3:PutObject on arn:aws:s3:::test-bucket/work/* (Write)');

    const approved = await admin(proxy, 'approve', grant.id, '--ttl', '10m');
    expect(approved.code, approved.stderr).toBe(0);
    const put = await putObject(proxy, 'claude');
    expect(put.code, put.stderr).toBe(0);
    expect(forwardedPuts()).toBe(1);
    // A grant is one agent's: another agent's identical call is still refused.
    expect((await putObject(proxy, 'ci')).stderr).toContain('AccessDenied');
    const status = (await asAgent(proxy, 'claude', { op: 'grant_status', id: grant.id })) as { grant: Grant };
    expect(status.grant).toMatchObject({ status: 'active', decidedBy: 'cli' });
    expect(Date.parse(status.grant.expiresAt!) - Date.parse(status.grant.decidedAt!)).toBe(600_000);

    expect((await admin(proxy, 'grants', 'revoke', grant.id)).code).toBe(0);
    expect((await putObject(proxy, 'claude')).stderr).toContain('AccessDenied');
    expect(forwardedPuts()).toBe(1);
  });

  it("the agent's channel cannot approve, deny, list or revoke, nor see another agent's grant", async () => {
    const { grant } = (await asAgent(proxy, 'claude', WRITE_REQUEST)) as { grant: Grant };
    for (const request of [{ op: 'approve', id: grant.id }, { op: 'deny', id: grant.id, reason: 'x' }, { op: 'revoke_grant', id: grant.id }, { op: 'grants' }] as SocketRequest[]) {
      expect((await asAgent(proxy, 'claude', request)).error).toMatch(/is not served on an agent's socket/);
    }
    expect(await asAgent(proxy, 'ci', { op: 'grant_status', id: grant.id })).toEqual({ error: `no grant ${grant.id} for agent ci` });
    expect(await asAgent(proxy, 'ci', { op: 'release_access', id: grant.id })).toEqual({ error: `no grant ${grant.id} for agent ci` });
    expect(((await asAgent(proxy, 'claude', { op: 'grant_status', id: grant.id })) as { grant: Grant }).grant.status).toBe('pending');
    expect((await admin(proxy, 'deny', grant.id, '--reason', 'use the CI pipeline')).code).toBe(0);
    const denied = (await asAgent(proxy, 'claude', { op: 'grant_status', id: grant.id })) as { grant: Grant };
    expect(denied.grant).toMatchObject({ status: 'denied', denyReason: 'use the CI pipeline' });
    expect((await putObject(proxy, 'claude')).stderr).toContain('AccessDenied');
  });

  it('a rule approves reads at once; release and expiry take effect on the next request', async () => {
    expect((await listObjects(proxy, 'claude')).stderr).toContain('AccessDenied');
    const reads: SocketRequest = { op: 'request_access', actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::test-bucket'], duration: 900, reason: 'see what is there' };
    const { grant } = (await asAgent(proxy, 'claude', reads)) as { grant: Grant };
    expect(grant).toMatchObject({ status: 'active', decidedBy: 'rule:reads' });
    expect((await listObjects(proxy, 'claude')).code).toBe(0);
    expect((await asAgent(proxy, 'claude', { op: 'release_access', id: grant.id })) as { grant: Grant }).toMatchObject({ grant: { status: 'released' } });
    expect((await listObjects(proxy, 'claude')).stderr).toContain('AccessDenied');

    const short = (await asAgent(proxy, 'claude', { ...reads, duration: 3 })) as { grant: Grant };
    expect(short.grant.status).toBe('active');
    expect((await listObjects(proxy, 'claude')).code).toBe(0);
    await new Promise((wake) => setTimeout(wake, Math.max(0, Date.parse(short.grant.expiresAt!) - Date.now()) + 50));
    expect((await listObjects(proxy, 'claude')).stderr).toContain('AccessDenied');
  });

  it('a request outside the bounds, or for an action AWS does not define, is refused with the reason', async () => {
    expect((await asAgent(proxy, 'claude', { ...WRITE_REQUEST, duration: 13 * 3600 } as SocketRequest)).error).toBe('a grant lasts from 1 to 43200 seconds (PROXY_GRANT_RULES), not 46800');
    expect((await asAgent(proxy, 'claude', { ...WRITE_REQUEST, actions: ['s3:MakeMeAdmin'] } as SocketRequest)).error).toMatch(/s3:MakeMeAdmin/);
  });

  it('writes every grant change into the chained action log, which still verifies', async () => {
    const lines = readFileSync(join(proxy.stateDir, 'actions.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const events = lines.filter((line) => line.kind === 'grant').map((line) => line.event);
    expect(events).toEqual(expect.arrayContaining(['requested', 'approved', 'revoked', 'denied', 'released', 'expired']));
    expect(JSON.stringify(lines)).not.toContain(REAL.secretAccessKey);
    const verified = await admin(proxy, 'log', 'verify');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const shown = await admin(proxy, 'log', '--agent', 'claude');
    expect(shown.stdout).toMatch(/GRANT +approved g-[0-9a-f]{16} for claude: s3:PutObject on arn:aws:s3:::test-bucket\/work\/\* \(cli, risk \d+, until /);
  });
});

describe('grants survive a restart', () => {
  it('an active grant still applies after the proxy restarts; grants.json is 0600', async () => {
    const first = await startProxy({ upstream, env: env('enforce') });
    const { grant } = (await asAgent(first, 'claude', WRITE_REQUEST)) as { grant: Grant };
    expect((await admin(first, 'approve', grant.id)).code).toBe(0);
    await first.stop();
    expect(statSync(join(first.stateDir, 'grants.json')).mode & 0o777).toBe(0o600);
    const second = await startProxy({ upstream, home: first.home, env: env('enforce') });
    try {
      const put = await putObject(second, 'claude');
      expect(put.code, put.stderr).toBe(0);
      expect((await admin(second, 'grants')).stdout).toContain(`${grant.id}  ACTIVE  agent claude`);
    } finally {
      await second.stop();
    }
  });
});

describe('ask mode', () => {
  let proxy: ProxyRun;
  beforeAll(async () => {
    proxy = await startProxy({ upstream, env: env('ask', { PROXY_ASK_TIMEOUT_MS: '20000' }) });
  });
  afterAll(() => proxy?.stop());

  /** The held call's grant, once the proxy has asked for it. */
  const heldGrant = async (): Promise<Grant> => {
    for (let i = 0; i < 100; i++) {
      const listed = await admin(proxy, 'grants', '--json');
      const held = (JSON.parse(listed.stdout || '[]') as Grant[]).find((grant) => grant.status === 'pending' && grant.heldCall);
      if (held) return held;
      await new Promise((wake) => setTimeout(wake, 100));
    }
    throw new Error('no held call appeared');
  };

  it('holds a real AWS CLI call while a person decides, and lets it through on approval', async () => {
    const call = putObject(proxy, 'claude', 'work/held.txt');
    const grant = await heldGrant();
    expect(grant.request).toMatchObject({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::test-bucket/work/held.txt'] });
    expect(forwardedPuts()).toBe(0);
    expect((await admin(proxy, 'approve', grant.id)).code).toBe(0);
    const result = await call;
    expect(result.code, result.stderr).toBe(0);
    expect(forwardedPuts()).toBe(1);
  });

  it('a denial answers the held call with AccessDenied and the reason', async () => {
    const call = putObject(proxy, 'claude', 'work/refused.txt');
    const grant = await heldGrant();
    expect((await admin(proxy, 'deny', grant.id, '--reason', 'not on Fridays')).code).toBe(0);
    const result = await call;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('AccessDenied');
    expect(result.stderr).toContain(`held for approval as grant ${grant.id}, which is denied: not on Fridays`);
    expect(forwardedPuts()).toBe(0);
  });

  it('a rule decides a held call at once: nobody is asked', async () => {
    const listed = await listObjects(proxy, 'ci');
    expect(listed.code, listed.stderr).toBe(0);
    // Held calls ask for the floor duration (1 s here): the grant may have expired by now.
    const grants = JSON.parse((await admin(proxy, 'grants', '--all', '--agent', 'ci', '--json')).stdout) as Grant[];
    expect(grants).toEqual([expect.objectContaining({ heldCall: true, decidedBy: 'rule:reads', request: expect.objectContaining({ actions: ['s3:ListBucket'], durationSeconds: 1 }) })]);
  });
});

describe('ask mode: nobody answers', () => {
  it('the held call gets AccessDenied once the ask timeout passes', async () => {
    const proxy = await startProxy({ upstream, env: env('ask', { PROXY_ASK_TIMEOUT_MS: '800' }) });
    try {
      const result = await putObject(proxy, 'claude', 'work/late.txt');
      expect(result.stderr).toContain('AccessDenied');
      expect(result.stderr).toMatch(/held for approval as grant g-[0-9a-f]{16}, which is denied: no decision within 1 s/);
      expect(forwardedPuts()).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});
