// The approvals page as a person uses it: Debian's Chromium, headless, driven by playwright-core,
// opens the URL the proxy prints, approves the agent's pending request with a click (its next AWS
// CLI call then succeeds), denies another with a reason (that call stays refused), and revokes.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../src/grants/types.js';
import { askProxy } from '../src/keys/socket-client.js';
import type { SocketRequest } from '../src/keys/socket-protocol.js';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, REAL, run, startProxy, type ProxyRun } from './support/proxy-process.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs chromium (.ci/run): there a missing one is a failure, not a skip.
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined) {
  if (process.env.CI === 'true') throw new Error(`approvals-page.test.ts needs a browser: ${missing}`);
  console.warn(`approvals-page.test.ts is skipped: ${missing}`);
}

const BASELINE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] };
const requestFor = (prefix: string, reason: string): SocketRequest => ({ op: 'request_access', actions: ['s3:PutObject'], resources: [`arn:aws:s3:::test-bucket/${prefix}/*`], duration: 900, reason });

describe.skipIf(missing !== undefined)('the approvals page in headless Chromium, in front of the real proxy', () => {
  let upstream: FakeAws;
  let proxy: ProxyRun;
  let browser: Browser;
  let page: Page;
  let approvalsUrl: string;
  let body: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-approvals-'));
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify(BASELINE));
    writeFileSync((body = join(dir, 'body.txt')), 'build output\n');
    upstream = await startFakeAws({ credentials: REAL, dir });
    proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: join(dir, 'baseline.json'), PROXY_ADMIN_PORT: '0' } });
    const printed = /^ {2}approvals: (http:\/\/127\.0\.0\.1:\d+\/grants\?token=[A-Za-z0-9_-]{43})$/m.exec(proxy.stderr());
    if (!printed) throw new Error(`no approvals line in the banner: ${proxy.stderr()}`);
    approvalsUrl = printed[1]!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await upstream?.close();
  });

  /** The default agent asks on its own socket, as its MCP server would. */
  const requestAccess = async (request: SocketRequest): Promise<Grant> => ((await askProxy(join(proxy.stateDir, 'creds.sock'), request)) as { grant: Grant }).grant;
  const grantStatus = async (id: string): Promise<Grant> => ((await askProxy(join(proxy.stateDir, 'creds.sock'), { op: 'grant_status', id })) as { grant: Grant }).grant;
  const putObject = (key: string) => run(AWS_CLI, ['s3api', 'put-object', '--bucket', 'test-bucket', '--key', key, '--body', body], { ...proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });

  it("approving a pending request with a click lets the agent's next call through; revoking stops it", async () => {
    const grant = await requestAccess(requestFor('work', 'upload the build output'));
    expect(grant.status).toBe('pending');
    expect((await putObject('work/out.txt')).stderr).toContain('AccessDenied');

    await page.goto(approvalsUrl);
    const pending = page.locator(`#pending article#${grant.id}`);
    const shown = await pending.textContent();
    for (const text of ['agent default', 'upload the build output', 'arn:aws:s3:::test-bucket/work/*', 'Write', `risk ${grant.risk.score}/10`, ...grant.risk.factors.map((f) => `${f.factor} +${f.points}: ${f.detail}`)]) {
      expect(shown).toContain(text);
    }
    await pending.getByLabel('TTL').fill('10m');
    await pending.getByRole('button', { name: 'Approve' }).click();
    await page.locator(`#active article#${grant.id}`).waitFor();
    expect(page.url()).toBe(approvalsUrl);

    const approved = await grantStatus(grant.id);
    expect(approved).toMatchObject({ status: 'active', decidedBy: 'web' });
    expect(Date.parse(approved.expiresAt!) - Date.parse(approved.decidedAt!)).toBe(600_000);
    const put = await putObject('work/out.txt');
    expect(put.code, put.stderr).toBe(0);

    await page.locator(`#active article#${grant.id}`).getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No grant is active.').waitFor();
    expect((await grantStatus(grant.id)).status).toBe('revoked');
    expect((await putObject('work/again.txt')).stderr).toContain('AccessDenied');
  });

  it("denying with a reason keeps the call refused; the agent's markup is shown as text", async () => {
    const reason = '<img src=x onerror="document.title=1">publish it';
    const grant = await requestAccess(requestFor('public', reason));
    await page.goto(approvalsUrl);
    const pending = page.locator(`#pending article#${grant.id}`);
    expect(await pending.locator('dd', { hasText: reason }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);

    // The form cannot be sent without a reason.
    expect(await pending.locator('input[name=reason]:invalid').count()).toBe(1);
    await pending.getByLabel('Reason').fill('not a public bucket');
    await pending.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('No request is waiting.').waitFor();

    expect(await grantStatus(grant.id)).toMatchObject({ status: 'denied', decidedBy: 'web', denyReason: 'not a public bucket' });
    expect((await putObject('public/out.txt')).stderr).toContain('AccessDenied');
    expect(upstream.requests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  });
});
