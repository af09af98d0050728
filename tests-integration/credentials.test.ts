/**
 * No real credential reaches an agent: calls that return credentials (AssumeRole, GetSessionToken,
 * the SSO portal's GetRoleCredentials, S3 Express CreateSession) come back with proxy-issued
 * stand-ins, and calls made with those go upstream signed with the real session, which the fake
 * AWS issued and verifies. Driven by the AWS CLI, boto3 and the JS SDK v3.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { ECHO_ERRORS_BUCKET, SSO_ACCESS_TOKEN, UPSTREAM_ONLY_DETAIL } from './support/fake-sessions.js';
import { actionRecords, AWS_CLI, cleanEnv, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, sendThroughProxy } from './support/raw-client.js';

const ROLE_ARN = 'arn:aws:iam::210987654321:role/deploy';
let upstream: FakeAws;
let proxy: ProxyRun;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

/** Every real value the agent must never see: the proxy's own keys and every session the fake issued. */
function realValues(): string[] {
  const sessions = [...upstream.sessions.values()].flatMap((s) => [s.credentials.accessKeyId, s.credentials.secretAccessKey, s.credentials.sessionToken!]);
  return [REAL.accessKeyId, REAL.secretAccessKey, ...sessions];
}

function expectNothingReal(...texts: string[]): void {
  const seen = texts.join('\n');
  for (const value of realValues()) expect(seen).not.toContain(value);
}

/** The requests that reached the fake signed with a session it issued (and that it verified). */
function callsWithSessions(): FakeAws['requests'] {
  return upstream.requests.filter((r) => r.accessKeyId !== undefined && upstream.sessions.has(r.accessKeyId));
}

const cliEnvWith = (credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string }): Record<string, string> => ({
  ...cleanEnv(proxy.home),
  HTTPS_PROXY: proxy.url,
  AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem'),
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
  ...(credentials.SessionToken ? { AWS_SESSION_TOKEN: credentials.SessionToken } : {}),
});

async function cli(args: string[], env = proxy.agentEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(AWS_CLI, [...args, '--output', 'json'], env);
}

interface ClientRun {
  credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };
  followUp?: { arn?: string; body?: string; put?: number; get?: number };
  error?: string;
  message?: string;
}

async function boto3(scenario: string): Promise<{ result: ClientRun; output: string }> {
  const env = { ...proxy.agentEnv, AWS_CA_BUNDLE: join(proxy.stateDir, 'ca.pem') };
  const out = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_sessions.py'), scenario], env);
  expect(out.code, out.stderr).toBe(0);
  return { result: JSON.parse(out.stdout) as ClientRun, output: out.stdout + out.stderr };
}

async function jsSdk(scenario: string): Promise<{ result: ClientRun; output: string }> {
  const out = await run(process.execPath, [join(REPO, 'tests-integration/clients/js-sdk-sessions.mjs'), scenario], proxy.agentEnv);
  expect(out.code, out.stderr).toBe(0);
  return { result: JSON.parse(out.stdout) as ClientRun, output: out.stdout + out.stderr };
}

/** What every client run must show: stand-in credentials, a follow-up made as the session, nothing real. */
function expectStandIns(run: { result: ClientRun; output: string }, followUpArn: RegExp): void {
  const { result, output } = run;
  expect(result.error, result.message).toBeUndefined();
  expect(result.credentials?.AccessKeyId).toMatch(/^ASIAPROXY/);
  expect(result.credentials?.SessionToken).toMatch(/^IAP/);
  expect(result.followUp?.arn).toMatch(followUpArn);
  expectNothingReal(output);
}

describe.each([
  ['AWS CLI', 'cli'],
  ['boto3', 'boto3'],
  ['JS SDK v3', 'js'],
] as const)('%s', (_name, client) => {
  async function scenario(name: 'assume-role' | 'session-token' | 'sso'): Promise<{ result: ClientRun; output: string }> {
    if (client === 'boto3') return boto3(name);
    if (client === 'js') return jsSdk(name);
    const args = {
      'assume-role': ['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'agent'],
      'session-token': ['sts', 'get-session-token'],
      sso: ['sso', 'get-role-credentials', '--role-name', 'Dev', '--account-id', '123456789012', '--access-token', SSO_ACCESS_TOKEN, '--region', 'us-east-1'],
    }[name];
    const opened = await cli(args);
    expect(opened.code, opened.stderr).toBe(0);
    const parsed = JSON.parse(opened.stdout) as { Credentials?: ClientRun['credentials']; roleCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
    const credentials = parsed.Credentials ?? { AccessKeyId: parsed.roleCredentials!.accessKeyId, SecretAccessKey: parsed.roleCredentials!.secretAccessKey, SessionToken: parsed.roleCredentials!.sessionToken };
    const followUp = await cli(['sts', 'get-caller-identity'], cliEnvWith(credentials));
    expect(followUp.code, followUp.stderr).toBe(0);
    return { result: { credentials, followUp: { arn: (JSON.parse(followUp.stdout) as { Arn: string }).Arn } }, output: [opened.stdout, opened.stderr, followUp.stdout, followUp.stderr].join('\n') };
  }

  it('AssumeRole: the agent holds stand-ins; its follow-up acts as the assumed role upstream', async () => {
    const before = callsWithSessions().length;
    expectStandIns(await scenario('assume-role'), /^arn:aws:sts::210987654321:assumed-role\/deploy\/agent$/);
    const made = callsWithSessions().slice(before);
    expect(made.length).toBeGreaterThan(0);
    for (const call of made) expect(call.verified, call.failure).toBe(true);
    const session = upstream.sessions.get(made[0]!.accessKeyId!)!;
    expect(made[0]!.headers['x-amz-security-token']).toBe(session.credentials.sessionToken);
  });

  it('GetSessionToken: the same, for a call that needs no IAM permission at all', async () => {
    expectStandIns(await scenario('session-token'), /^arn:aws:iam::123456789012:user\/real-test-user$/);
  });

  it("SSO GetRoleCredentials: sent on unsigned, as AWS serves it; the role's credentials held back", async () => {
    const before = upstream.requests.length;
    expectStandIns(await scenario('sso'), /^arn:aws:sts::123456789012:assumed-role\/AWSReservedSSO_Dev_/);
    const portal = upstream.requests.slice(before).filter((r) => r.host.startsWith('portal.sso.'));
    expect(portal).toHaveLength(1);
    expect(portal[0]!.unsigned).toBe(true);
    expect(portal[0]!.headers.authorization).toBeUndefined();
  });
});

describe('S3 Express CreateSession', () => {
  it('JS SDK v3: the SDK opens a session itself and its object calls go up under the real session token', async () => {
    const before = callsWithSessions().length;
    const { result, output } = await jsSdk('s3express');
    expect(result.error, result.message).toBeUndefined();
    expect(result.followUp?.body).toBe('express bytes');
    const made = callsWithSessions().slice(before);
    expect(made.map((r) => r.method).sort()).toEqual(['GET', 'PUT']);
    for (const call of made) {
      expect(call.service).toBe('s3express');
      expect(call.headers['x-amz-s3session-token']).toBe(upstream.sessions.get(call.accessKeyId!)!.credentials.sessionToken);
    }
    expectNothingReal(output);
  });

  it("boto3 (botocore's signer; boto3 1.26 predates the operation): the session body holds stand-ins only", async () => {
    const { result, output } = await boto3('s3express');
    expect(result.credentials?.AccessKeyId).toMatch(/^ASIAPROXY/);
    expect(result.followUp).toEqual({ put: 200, get: 200, body: 'express bytes' });
    expectNothingReal(output);
  });
});

describe('on the wire', () => {
  it('the whole AssumeRole response, headers and body, carries stand-ins and a correct length', async () => {
    const keys = await agentKeys(proxy);
    const response = await sendThroughProxy(proxy, {
      host: 'sts.amazonaws.com',
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE_ARN)}&RoleSessionName=raw`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      signWith: keys,
      service: 'sts',
      region: 'us-east-1',
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(response.body).toMatch(/<AccessKeyId>ASIAPROXY[A-Z0-9]+<\/AccessKeyId>/);
    expect(response.body).toContain('<Arn>arn:aws:sts::210987654321:assumed-role/deploy/raw</Arn>');
    expectNothingReal(JSON.stringify(response.headers), response.body);
  });

  it('an upstream error to such a call is answered afresh, in the same protocol', async () => {
    const keys = await agentKeys(proxy);
    const response = await sendThroughProxy(proxy, {
      host: 'sts.amazonaws.com',
      body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Auser%2Fnot-a-role&RoleSessionName=raw',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      signWith: keys,
      service: 'sts',
      region: 'us-east-1',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/<Code>ValidationError<\/Code><Message>RoleArn arn:aws:iam::210987654321:user\/not-a-role is not a role ARN<\/Message>/);
    expect(response.body).not.toContain(UPSTREAM_ONLY_DETAIL);
  });

  it('an error that echoes the signing key id and token shows the agent its own key id, and no token', async () => {
    const { result } = await boto3('assume-role');
    const standIn = result.credentials!;
    const raw = await sendThroughProxy(proxy, {
      host: `${ECHO_ERRORS_BUCKET}.s3.amazonaws.com`,
      method: 'GET',
      path: '/some-key',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-security-token': standIn.SessionToken! },
      signWith: { accessKeyId: standIn.AccessKeyId, secretAccessKey: standIn.SecretAccessKey },
      service: 's3',
      region: 'us-east-1',
    });
    expect(raw.status).toBe(403);
    expect(raw.body).toContain(`<AWSAccessKeyId>${standIn.AccessKeyId}</AWSAccessKeyId>`);
    expect(raw.body).toContain('x-amz-security-token:WITHHELD-BY-IAM-AGENT-PROXY');
    expect(Number(raw.headers['content-length'])).toBe(Buffer.byteLength(raw.body));
    expectNothingReal(raw.body, JSON.stringify(raw.headers));
  });

  it('unsigned: a call AWS serves unsigned goes on unsigned; any other is refused unforwarded; a big body is not read', async () => {
    const before = upstream.requests.length;
    const federation = 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2Fweb&RoleSessionName=w&WebIdentityToken=eyJ';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const web = await sendThroughProxy(proxy, { host: 'sts.amazonaws.com', body: federation, headers: form });
    expect(web.status).toBe(403); // the fake, like AWS without a real web identity token, says no
    const sent = upstream.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.headers['x-amz-security-token']).toBeUndefined();
    const signedOnly = await sendThroughProxy(proxy, { host: 'sts.amazonaws.com', body: 'Action=GetCallerIdentity&Version=2011-06-15', headers: form });
    expect(signedOnly.status).toBe(403);
    expect(signedOnly.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const big = await sendThroughProxy(proxy, { host: 'sts.amazonaws.com', body: `${federation}&Pad=${'x'.repeat(1024 * 1024)}`, headers: form });
    expect(big.status).toBe(413);
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('a session token sent with the wrong key, or a stand-in key without its token, is refused and not forwarded', async () => {
    const { result } = await boto3('assume-role');
    const standIn = result.credentials!;
    const before = upstream.requests.length;
    const bare = await cli(['sts', 'get-caller-identity'], cliEnvWith({ AccessKeyId: standIn.AccessKeyId, SecretAccessKey: standIn.SecretAccessKey }));
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('InvalidClientTokenId');
    const keys = await agentKeys(proxy);
    const swapped = await cli(['sts', 'get-caller-identity'], cliEnvWith({ AccessKeyId: keys.accessKeyId, SecretAccessKey: keys.secretAccessKey, SessionToken: standIn.SessionToken }));
    expect(swapped.stderr).toContain('InvalidClientTokenId');
    expect(upstream.requests.length).toBe(before);
  });
});

describe('the log and the policy', () => {
  it('logs calls made with a session under the agent, with the role assumed; policy keeps them apart', async () => {
    await boto3('assume-role');
    const records = actionRecords(proxy);
    const asRole = records.filter((r) => r.assumedRole === ROLE_ARN);
    expect(asRole.length).toBeGreaterThan(0);
    expect(asRole.every((r) => r.agent === 'default' && String(r.accessKeyId).startsWith('ASIAPROXY'))).toBe(true);
    const env = { ...cleanEnv(proxy.home), ACTION_LOG_PATH: join(proxy.stateDir, 'actions.log') };
    const own = await run(process.execPath, [PROXY_BIN, 'policy'], env);
    const actionsOf = (policy: { Statement: Array<{ Action: string | string[] }> }) => policy.Statement.flatMap((s) => s.Action);
    expect(actionsOf(JSON.parse(own.stdout))).toContain('sts:AssumeRole');
    const byRole = await run(process.execPath, [PROXY_BIN, 'policy', '--by-assumed-role'], env);
    const roleActions = actionsOf(JSON.parse(byRole.stdout)[ROLE_ARN]);
    expect(roleActions).toContain('sts:GetCallerIdentity');
    expect(roleActions).not.toContain('sts:AssumeRole');
    expectNothingReal(own.stdout, byRole.stdout, JSON.stringify(records), proxy.stdout.join('\n'), proxy.stderr());
  });

  it("revoking the agent ends the sessions it opened within a second", async () => {
    const { result } = await boto3('assume-role');
    const env = { ...cleanEnv(proxy.home), IAM_AGENT_PROXY_HOME: proxy.stateDir };
    const revoked = await run(process.execPath, [PROXY_BIN, 'revoke', '--agent', 'default'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await cli(['sts', 'get-caller-identity'], cliEnvWith(result.credentials!));
    expect(after.stderr).toContain('InvalidClientTokenId');
  });
});
