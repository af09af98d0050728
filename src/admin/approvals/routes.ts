import { parseDuration } from '../../grants/duration.js';
import { GRANT_ID } from '../../grants/request-input.js';
import { GrantError, type Grant, type GrantDecisions } from '../../grants/types.js';
import { LOOPBACK_HOST, loopbackHost } from '../../net/loopback-host.js';
import { hasBody, hostRefusal, pathOf, type AdminRefusal, type AdminRequest } from '../admin-request.js';
import { tokenMatches } from './token.js';

export type DecisionAction = 'approve' | 'deny' | 'revoke';

/** The approvals page: GET lists the grants, each POST takes one decision and redirects back. */
export const PAGE_PATHS: Readonly<Record<string, 'list' | DecisionAction>> = { '/grants': 'list', '/grants/approve': 'approve', '/grants/deny': 'deny', '/grants/revoke': 'revoke' };

/** A decision form carries an id, the token, and a reason or a TTL: a few hundred bytes. */
export const MAX_FORM_BYTES = 4096;

export const FORM_TYPE = 'application/x-www-form-urlencoded';

export const TOKEN_REFUSAL: AdminRefusal = { status: 403, message: 'this page needs the token of the URL the proxy printed when it started' };

export type PageRequest = { kind: 'list' } | { kind: 'decide'; action: DecisionAction };

export type Decision = { action: 'approve'; id: string; ttlSeconds?: number } | { action: 'deny'; id: string; reason: string } | { action: 'revoke'; id: string };

export function isPagePath(path: string): boolean {
  return Object.hasOwn(PAGE_PATHS, path);
}

/**
 * The checks before any grant is read or decided, for a path of PAGE_PATHS. The agent can reach
 * this port and drive a browser, so: same origin only, state changes by POST of a form only, and
 * a GET shows grants only with the token. A POST's token is in its body: parse it with `formOf`,
 * then `tokenMatches`.
 */
export function checkPageRequest(request: AdminRequest, port: number, token: string): PageRequest | AdminRefusal {
  const { headers } = request;
  if (!loopbackHost(headers.host, port)) return hostRefusal(port);
  const origin = headers.origin;
  if (origin !== undefined && !(typeof origin === 'string' && ownOrigins(port).includes(origin))) {
    return { status: 403, message: `only this page itself (${ownOrigins(port).join(' or ')}) may send requests here` };
  }
  const isPost = request.method === 'POST';
  const site = headers['sec-fetch-site'];
  // `none`: the person opened the printed URL; a decision always comes from the page itself.
  if (site !== undefined && site !== 'same-origin' && !(site === 'none' && !isPost)) return { status: 403, message: 'requests from another site are refused' };

  const path = pathOf(request.url);
  const target = isPagePath(path) ? PAGE_PATHS[path] : undefined;
  if (target === 'list') {
    if (request.method !== 'GET') return { status: 405, message: 'the list is served by GET; decisions are POSTed to /grants/approve, /grants/deny, /grants/revoke', headers: { allow: 'GET' } };
    if (hasBody(headers)) return { status: 400, message: 'a GET carries no body', headers: { connection: 'close' } };
    const query = (request.url ?? '').slice(path.length + 1);
    return tokenMatches(token, onlyValue(new URLSearchParams(query), 'token')) ? { kind: 'list' } : TOKEN_REFUSAL;
  }
  if (target === undefined) return { status: 404, message: 'no such page' };
  if (!isPost) return { status: 405, message: 'a decision is taken by POST from the page only', headers: { allow: 'POST' } };
  const type = headers['content-type'];
  if (typeof type !== 'string' || type.split(';', 1)[0]!.trim().toLowerCase() !== FORM_TYPE) return { status: 415, message: `a decision is a form (${FORM_TYPE})` };
  const length = headers['content-length'];
  if (length !== undefined && !(Number(length) <= MAX_FORM_BYTES)) return { status: 413, message: `a decision form is at most ${MAX_FORM_BYTES} bytes`, headers: { connection: 'close' } };
  return { kind: 'decide', action: target };
}

export function formOf(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/** A field given exactly once: a repeated one is refused rather than guessed at. */
export function onlyValue(fields: URLSearchParams, name: string): string | undefined {
  const values = fields.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/** The fields of an accepted form (its token already checked), or 400 and why. */
export function decisionOf(action: DecisionAction, form: URLSearchParams): Decision | AdminRefusal {
  const id = onlyValue(form, 'id');
  if (id === undefined || !GRANT_ID.test(id)) return { status: 400, message: 'the form names no grant id (g- and 16 hex digits)' };
  if (action === 'revoke') return { action, id };
  if (action === 'deny') {
    const reason = onlyValue(form, 'reason')?.trim();
    if (!reason) return { status: 400, message: `a reason is needed to deny ${id}` };
    return { action, id, reason };
  }
  // Blank: as requested. Otherwise read as `approve --ttl` reads it; the grants check the bounds.
  const ttl = onlyValue(form, 'ttl')?.trim() ?? '';
  if (ttl === '') return { action, id };
  try {
    return { action, id, ttlSeconds: parseDuration(ttl, 'the TTL') };
  } catch (error) {
    if (error instanceof GrantError) return { status: 400, message: error.message };
    throw error;
  }
}

export function applyDecision(decisions: GrantDecisions, decision: Decision): Grant {
  switch (decision.action) {
    case 'approve':
      return decisions.approve(decision.id, { ...(decision.ttlSeconds === undefined ? {} : { ttlSeconds: decision.ttlSeconds }), by: 'web' });
    case 'deny':
      return decisions.deny(decision.id, { reason: decision.reason, by: 'web' });
    case 'revoke':
      return decisions.revoke(decision.id, { by: 'web' });
  }
}

/** A GrantError about an id the grants do not hold is 404; about one they hold (decided, out of bounds), 409. */
export function refusalOfGrantError(decisions: GrantDecisions, id: string, error: GrantError): AdminRefusal {
  const known = decisions.list().some((grant) => grant.id === id);
  return { status: known ? 409 : 404, message: error.message };
}

function ownOrigins(port: number): string[] {
  return [`http://${LOOPBACK_HOST}:${port}`, `http://localhost:${port}`];
}
