import { describe, expect, it } from 'vitest';
import { applyDecision, checkPageRequest, decisionOf, formOf, isPagePath, refusalOfGrantError } from '../../../src/admin/approvals/routes.js';
import { GrantError } from '../../../src/grants/types.js';
import { fakeDecisions, sampleGrant } from './fake-decisions.js';

const PORT = 9100;
const TOKEN = 'this-start-token-aaaaaaaaaaaaaaaaaaaaaaaaaaa';
const FORM = 'application/x-www-form-urlencoded';

function check(method: string, url: string, headers: Record<string, string> = {}) {
  return checkPageRequest({ method, url, headers: { host: `127.0.0.1:${PORT}`, ...headers } }, PORT, TOKEN);
}
const list = (headers: Record<string, string> = {}, url = `/grants?token=${TOKEN}`) => check('GET', url, headers);
const post = (path: string, headers: Record<string, string> = {}) => check('POST', path, { 'content-type': FORM, 'content-length': '80', ...headers });

describe('isPagePath', () => {
  it('names the list and the three decisions, nothing else', () => {
    for (const path of ['/grants', '/grants/approve', '/grants/deny', '/grants/revoke']) expect(isPagePath(path)).toBe(true);
    for (const path of ['/grants/', '/grants/x', '/Grants', '/grants/toString', '/__proto__', '/']) expect(isPagePath(path)).toBe(false);
  });
});

describe('checkPageRequest', () => {
  it("lists with this start's token, opened from the banner (Sec-Fetch-Site: none) or after a decision (same-origin)", () => {
    expect(list()).toEqual({ kind: 'list' });
    expect(list({ 'sec-fetch-site': 'none' })).toEqual({ kind: 'list' });
    expect(list({ 'sec-fetch-site': 'same-origin', host: `localhost:${PORT}` })).toEqual({ kind: 'list' });
  });

  it("refuses a list without the token, with a wrong one, another start's, or two of them", () => {
    for (const url of ['/grants', '/grants?token=', '/grants?token=wrong', `/grants?token=${TOKEN}x`, '/grants?token=another-start-token-aaaaaaaaaaaaaaaaaaaaaaaa', `/grants?token=${TOKEN}&token=${TOKEN}`, `/grants?other=${TOKEN}`]) {
      expect(list({}, url)).toMatchObject({ status: 403, message: expect.stringContaining('token') });
    }
  });

  it('refuses a foreign Host (DNS rebinding), whatever the token', () => {
    expect(list({ host: `evil.example:${PORT}` })).toMatchObject({ status: 403, message: expect.stringContaining('Host') });
  });

  it('accepts an Origin of this listener only', () => {
    expect(post('/grants/approve', { origin: `http://127.0.0.1:${PORT}` })).toEqual({ kind: 'decide', action: 'approve' });
    expect(post('/grants/approve', { origin: `http://localhost:${PORT}` })).toEqual({ kind: 'decide', action: 'approve' });
    for (const origin of ['http://evil.example', `http://127.0.0.1:${PORT + 1}`, `https://127.0.0.1:${PORT}`, 'null', `http://127.0.0.1:${PORT}/`, `http://evil.example, http://127.0.0.1:${PORT}`]) {
      expect(post('/grants/approve', { origin })).toMatchObject({ status: 403 });
      expect(list({ origin })).toMatchObject({ status: 403 });
    }
  });

  it('refuses Sec-Fetch-Site from another site, and `none` for a decision', () => {
    for (const site of ['cross-site', 'same-site']) {
      expect(post('/grants/deny', { 'sec-fetch-site': site })).toMatchObject({ status: 403, message: 'requests from another site are refused' });
      expect(list({ 'sec-fetch-site': site })).toMatchObject({ status: 403 });
    }
    expect(post('/grants/deny', { 'sec-fetch-site': 'none' })).toMatchObject({ status: 403 });
    expect(post('/grants/deny', { 'sec-fetch-site': 'same-origin' })).toEqual({ kind: 'decide', action: 'deny' });
  });

  it('takes no decision by GET, even with the token and the fields in the query', () => {
    expect(check('GET', `/grants/approve?token=${TOKEN}&id=g-0123456789abcdef`)).toEqual({ status: 405, message: expect.any(String), headers: { allow: 'POST' } });
    expect(list({}, `/grants?token=${TOKEN}&id=g-0123456789abcdef&action=approve`)).toEqual({ kind: 'list' });
    for (const method of ['PUT', 'DELETE', 'PATCH']) expect(check(method, '/grants/revoke')).toMatchObject({ status: 405 });
  });

  it('serves the list by GET only, without a body', () => {
    expect(check('POST', '/grants', { 'content-type': FORM })).toMatchObject({ status: 405, headers: { allow: 'GET' } });
    expect(list({ 'content-length': '5' })).toMatchObject({ status: 400 });
  });

  it('takes a decision only as a form: other content types are 415', () => {
    expect(post('/grants/approve', { 'content-type': `${FORM}; charset=UTF-8` })).toEqual({ kind: 'decide', action: 'approve' });
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', '']) {
      expect(post('/grants/approve', { 'content-type': type })).toMatchObject({ status: 415 });
    }
    expect(check('POST', '/grants/approve', {})).toMatchObject({ status: 415 });
  });

  it('refuses a form announced larger than 4 KiB before reading it', () => {
    expect(post('/grants/approve', { 'content-length': '4096' })).toEqual({ kind: 'decide', action: 'approve' });
    for (const length of ['4097', '1e9', 'x']) expect(post('/grants/approve', { 'content-length': length })).toMatchObject({ status: 413, headers: { connection: 'close' } });
  });
});

describe('decisionOf', () => {
  const ID = 'g-0123456789abcdef';
  it('reads the id and an optional TTL for approve, as approve --ttl does', () => {
    expect(decisionOf('approve', formOf(`id=${ID}&ttl=`))).toEqual({ action: 'approve', id: ID });
    expect(decisionOf('approve', formOf(`id=${ID}&ttl=30m`))).toEqual({ action: 'approve', id: ID, ttlSeconds: 1800 });
    expect(decisionOf('approve', formOf(`id=${ID}&ttl=+2h30m+`))).toEqual({ action: 'approve', id: ID, ttlSeconds: 9000 });
    expect(decisionOf('approve', formOf(`id=${ID}&ttl=600`))).toEqual({ action: 'approve', id: ID, ttlSeconds: 600 });
    for (const ttl of ['0', '-5', '1.5', '1e3', 'soon', '8d', '9999999']) expect(decisionOf('approve', formOf(`id=${ID}&ttl=${ttl}`))).toMatchObject({ status: 400, message: expect.stringContaining('the TTL') });
  });

  it('requires a reason to deny', () => {
    expect(decisionOf('deny', formOf(`id=${ID}&reason=+not+today+`))).toEqual({ action: 'deny', id: ID, reason: 'not today' });
    for (const body of [`id=${ID}`, `id=${ID}&reason=`, `id=${ID}&reason=++`, `id=${ID}&reason=a&reason=b`]) {
      expect(decisionOf('deny', formOf(body))).toMatchObject({ status: 400, message: `a reason is needed to deny ${ID}` });
    }
  });

  it('refuses a missing, repeated or malformed id', () => {
    for (const body of ['', 'id=', `id=${ID}&id=${ID}`, 'id=g-XYZ', 'id=../admin', `id=${ID}0`]) expect(decisionOf('revoke', formOf(body))).toMatchObject({ status: 400 });
    expect(decisionOf('revoke', formOf(`id=${ID}`))).toEqual({ action: 'revoke', id: ID });
  });
});

describe('applyDecision', () => {
  it('calls the matching GrantDecisions method, by web', () => {
    const decisions = fakeDecisions([sampleGrant(), sampleGrant({ id: 'g-1111111111111111' }), sampleGrant({ id: 'g-2222222222222222', status: 'active' })]);
    applyDecision(decisions, { action: 'approve', id: 'g-0123456789abcdef' });
    applyDecision(decisions, { action: 'approve', id: 'g-1111111111111111', ttlSeconds: 600 });
    applyDecision(decisions, { action: 'revoke', id: 'g-2222222222222222' });
    expect(decisions.calls).toEqual([
      { op: 'approve', id: 'g-0123456789abcdef', options: { by: 'web' } },
      { op: 'approve', id: 'g-1111111111111111', options: { ttlSeconds: 600, by: 'web' } },
      { op: 'revoke', id: 'g-2222222222222222', options: { by: 'web' } },
    ]);
  });

  it('passes a GrantError on; it is 404 for an unknown grant, 409 for one already decided', () => {
    const decisions = fakeDecisions([sampleGrant({ status: 'denied' })]);
    expect(() => applyDecision(decisions, { action: 'deny', id: 'g-0123456789abcdef', reason: 'no' })).toThrow(GrantError);
    expect(refusalOfGrantError(decisions, 'g-0123456789abcdef', new GrantError('g-0123456789abcdef is denied'))).toEqual({ status: 409, message: 'g-0123456789abcdef is denied' });
    expect(refusalOfGrantError(decisions, 'g-ffffffffffffffff', new GrantError('no grant g-ffffffffffffffff'))).toEqual({ status: 404, message: 'no grant g-ffffffffffffffff' });
  });
});
