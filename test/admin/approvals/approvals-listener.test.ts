// The approvals page on the admin listener over real HTTP, with a fake GrantDecisions recording
// every decision: what a person's browser does, and what an agent on the same machine may try.
import { afterEach, describe, expect, it } from 'vitest';
import { openAdmin, type Admin } from '../../../src/admin/open-admin.js';
import type { GrantDecisions } from '../../../src/grants/types.js';
import { loopbackRequest as request, type HttpAnswer } from '../../../tests-integration/support/loopback-http.js';
import { fakeDecisions, sampleGrant, type FakeDecisions } from './fake-decisions.js';

const PENDING = 'g-0123456789abcdef';
const ACTIVE = 'g-1111111111111111';
const FORM = 'application/x-www-form-urlencoded';

const opened: Admin[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((admin) => admin.close()));
});

async function open(decisions?: GrantDecisions): Promise<{ admin: Admin; port: number; token: string }> {
  const admin = await openAdmin({ port: 0, mode: 'enforce' }, { liveKeys: () => [], isDeclared: () => false }, { decisions });
  opened.push(admin);
  const token = admin.approvalsUrl === undefined ? '' : new URL(admin.approvalsUrl).searchParams.get('token')!;
  return { admin, port: admin.port, token };
}

/** A decision as the page's own form sends it. */
function decide(port: number, action: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return request(port, { method: 'POST', path: `/grants/${action}`, headers: { 'content-type': FORM, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin', ...headers }, body: new URLSearchParams(fields).toString() });
}

function twoGrants(): FakeDecisions {
  return fakeDecisions([sampleGrant({ id: PENDING }), sampleGrant({ id: ACTIVE, status: 'active', expiresAt: '2026-01-02T11:00:00.000Z' })]);
}

describe('the approvals page on the admin listener', () => {
  it('prints a URL with a fresh 32-byte token, and serves the list there with the page headers', async () => {
    const { admin, port, token } = await open(twoGrants());
    expect(admin.approvalsUrl).toBe(`http://127.0.0.1:${port}/grants?token=${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await request(port, { path: `/grants?token=${token}`, headers: { 'sec-fetch-site': 'none' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers).toMatchObject({
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    expect(page.body).toContain(`id="${PENDING}"`);
    expect(page.body).toContain(`id="${ACTIVE}"`);
  });

  it('shows no grant without the token, with a wrong one, or with the token of another start', async () => {
    const { port, token } = await open(twoGrants());
    const other = await open(twoGrants());
    expect(other.token).not.toBe(token);
    for (const path of ['/grants', '/grants?token=wrong', `/grants?token=${other.token}`]) {
      const answer = await request(port, { path });
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain('g-');
      expect(answer.headers['x-frame-options']).toBe('DENY');
    }
    const forged = await decide(port, 'approve', { token: other.token, id: PENDING });
    expect(forged.status).toBe(403);
  });

  it('approves with a TTL, denies with a reason, revokes, each redirecting back to the list (303)', async () => {
    const decisions = fakeDecisions([sampleGrant({ id: PENDING }), sampleGrant({ id: 'g-2222222222222222' }), sampleGrant({ id: ACTIVE, status: 'active' })]);
    const { port, token } = await open(decisions);
    const approved = await decide(port, 'approve', { token, id: PENDING, ttl: '20m' });
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe(`/grants?token=${token}`);
    expect((await decide(port, 'deny', { token, id: 'g-2222222222222222', reason: 'not this bucket' }, { 'content-type': `${FORM}; charset=UTF-8` })).status).toBe(303);
    expect((await decide(port, 'revoke', { token, id: ACTIVE }, { origin: `http://localhost:${port}`, host: `localhost:${port}` })).status).toBe(303);
    expect(decisions.calls).toEqual([
      { op: 'approve', id: PENDING, options: { ttlSeconds: 1200, by: 'web' } },
      { op: 'deny', id: 'g-2222222222222222', options: { reason: 'not this bucket', by: 'web' } },
      { op: 'revoke', id: ACTIVE, options: { by: 'web' } },
    ]);
  });

  it('shows a GrantError on the page: 409 for a grant already decided, 404 for an unknown one', async () => {
    const decisions = twoGrants();
    const { port, token } = await open(decisions);
    const twice = await decide(port, 'approve', { token, id: ACTIVE });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain(`<p class="problem" role="alert">${ACTIVE} is active, not pending</p>`);
    expect(twice.body).toContain(`id="${PENDING}"`);
    const unknown = await decide(port, 'revoke', { token, id: 'g-ffffffffffffffff' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('no grant g-ffffffffffffffff');
    const noReason = await decide(port, 'deny', { token, id: PENDING, reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toContain(`a reason is needed to deny ${PENDING}`);
  });

  it('takes no decision from another origin, another site, a GET, a wrong content type or an oversized body', async () => {
    const decisions = twoGrants();
    const { port, token } = await open(decisions);
    const fields = { token, id: PENDING };
    expect((await decide(port, 'approve', fields, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await decide(port, 'approve', fields, { origin: 'null' })).status).toBe(403);
    expect((await decide(port, 'approve', fields, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await decide(port, 'approve', fields, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await decide(port, 'approve', fields, { 'content-type': 'text/plain' })).status).toBe(415);
    const viaGet = await request(port, { path: `/grants/approve?token=${token}&id=${PENDING}` });
    expect(viaGet.status).toBe(405);
    expect(viaGet.headers.allow).toBe('POST');
    const padded = `token=${token}&id=${PENDING}&pad=${'x'.repeat(5000)}`;
    expect((await request(port, { method: 'POST', path: '/grants/approve', headers: { 'content-type': FORM }, body: padded })).status).toBe(413);
    // No Content-Length to refuse up front: counted while read.
    expect((await request(port, { method: 'POST', path: '/grants/approve', headers: { 'content-type': FORM, 'transfer-encoding': 'chunked' }, body: padded, chunked: true })).status).toBe(413);
    expect(decisions.calls).toEqual([]);
    expect((await decide(port, 'approve', fields)).status).toBe(303);
    expect(decisions.calls).toHaveLength(1);
  });

  it('escapes a <script> in the reason the agent wrote', async () => {
    const reason = '</dd><script>fetch("/grants/approve",{method:"POST"})</script>';
    const { port, token } = await open(fakeDecisions([sampleGrant({ request: { ...sampleGrant().request, reason } })]));
    const page = await request(port, { path: `/grants?token=${token}` });
    expect(page.body).not.toContain('<script');
    expect(page.body).toContain('&lt;/dd&gt;&lt;script&gt;fetch(&quot;/grants/approve&quot;');
  });

  it('without GrantDecisions: no URL and the page paths are 404; /healthz and /metrics still refuse any Origin', async () => {
    const { admin, port } = await open();
    expect(admin.approvalsUrl).toBeUndefined();
    expect((await request(port, { path: '/grants?token=x' })).status).toBe(404);
    expect((await request(port, { method: 'POST', path: '/grants/approve', headers: { 'content-type': FORM }, body: 'token=x' })).status).toBe(405);
    const withPage = await open(twoGrants());
    for (const path of ['/healthz', '/metrics']) {
      expect((await request(withPage.port, { path })).status).toBe(200);
      expect((await request(withPage.port, { path, headers: { origin: `http://127.0.0.1:${withPage.port}` } })).status).toBe(403);
    }
  });
});
