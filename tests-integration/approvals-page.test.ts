// The approvals page as a person uses it: Debian's Chromium, headless, driven by playwright-core,
// opens the URL the admin listener prints, approves one pending request with a click and denies
// another with a reason.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin, type Admin } from '../src/admin/open-admin.js';
import { fakeDecisions, sampleGrant, type FakeDecisions } from '../test/admin/approvals/fake-decisions.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs chromium (.ci/run): there a missing one is a failure, not a skip.
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing !== undefined) {
  if (process.env.CI === 'true') throw new Error(`approvals-page.test.ts needs a browser: ${missing}`);
  console.warn(`approvals-page.test.ts is skipped: ${missing}`);
}

describe.skipIf(missing !== undefined)('the approvals page in headless Chromium', () => {
  let browser: Browser;
  let admin: Admin;
  let decisions: FakeDecisions;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    decisions = fakeDecisions([
      sampleGrant({ id: 'g-aaaaaaaaaaaaaaaa', agent: 'builder', request: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/*'], durationSeconds: 900, reason: 'read the quarterly report' } }),
      sampleGrant({ id: 'g-bbbbbbbbbbbbbbbb', agent: 'builder', request: { actions: ['iam:PassRole'], resources: ['*'], durationSeconds: 3600, reason: '<b>trust me</b>' } }),
    ]);
    admin = await openAdmin({ port: 0, mode: 'enforce' }, { liveKeys: () => [], isDeclared: () => true }, { decisions });
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.close();
  });

  it('approves a pending request with a click (TTL given) and denies another with a reason', async () => {
    const page = await browser.newPage();
    await page.goto(admin.approvalsUrl!);
    const pending = page.locator('#pending');
    await expect.poll(() => pending.locator('article').count()).toBe(2);
    const first = pending.locator('article#g-aaaaaaaaaaaaaaaa');
    expect(await first.textContent()).toContain('read the quarterly report');
    // The agent's markup is shown as text, not rendered.
    expect(await pending.locator('article#g-bbbbbbbbbbbbbbbb dd', { hasText: '<b>trust me</b>' }).count()).toBe(1);

    await first.getByLabel('TTL').fill('10m');
    await first.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#active article#g-aaaaaaaaaaaaaaaa').waitFor();
    expect(await pending.locator('article').count()).toBe(1);

    const second = pending.locator('article#g-bbbbbbbbbbbbbbbb');
    // The reason is required before the form can be sent at all.
    expect(await second.locator('input[name=reason]:invalid').count()).toBe(1);
    await second.getByLabel('Reason').fill('no PassRole on *');
    await second.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('No request is waiting.').waitFor();

    expect(decisions.calls).toEqual([
      { op: 'approve', id: 'g-aaaaaaaaaaaaaaaa', options: { ttlSeconds: 600, by: 'web' } },
      { op: 'deny', id: 'g-bbbbbbbbbbbbbbbb', options: { reason: 'no PassRole on *', by: 'web' } },
    ]);
    expect(page.url()).toBe(admin.approvalsUrl);
    await page.close();
  });
});
