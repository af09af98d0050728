import type { IncomingMessage } from 'node:http';
import { GrantError, type GrantDecisions } from '../../grants/types.js';
import { BodyTooLargeError, readBody } from '../../pipeline/intercept/read-body.js';
import type { AdminRefusal } from '../admin-request.js';
import { renderGrantsPage } from './page.js';
import { applyDecision, checkPageRequest, decisionOf, formOf, MAX_FORM_BYTES, onlyValue, refusalOfGrantError, TOKEN_REFUSAL } from './routes.js';
import { tokenMatches } from './token.js';

/** What the admin listener needs to serve the approvals page. */
export interface ApprovalsPage {
  decisions: GrantDecisions;
  /** This start's token (token.ts). */
  token: string;
}

export interface PageAnswer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * On every answer of the page's paths, refusals included. No script runs and nothing may frame
 * the page (clickjacking the Approve button); the token in the URL goes to no other origin
 * (`same-origin`, not `no-referrer`: with that, Chromium sends `Origin: null` on the page's own
 * POSTs, and the Origin check would refuse them).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** Answers a request to one of PAGE_PATHS: the list, a decision then a redirect to it, or a refusal. */
export async function answerPage(req: IncomingMessage, port: number, page: ApprovalsPage): Promise<PageAnswer> {
  const checked = checkPageRequest(req, port, page.token);
  if ('status' in checked) return refusal(checked);
  if (checked.kind === 'list') return listPage(page, 200);

  let body: Buffer;
  try {
    body = await readBody(req, MAX_FORM_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return refusal({ status: 413, message: `a decision form is at most ${MAX_FORM_BYTES} bytes`, headers: { connection: 'close' } });
  }
  const form = formOf(body.toString('utf8'));
  if (!tokenMatches(page.token, onlyValue(form, 'token'))) return refusal(TOKEN_REFUSAL);
  const decision = decisionOf(checked.action, form);
  if ('status' in decision) return listPage(page, decision.status, decision.message);
  try {
    applyDecision(page.decisions, decision);
  } catch (error) {
    if (!(error instanceof GrantError)) throw error;
    const refused = refusalOfGrantError(page.decisions, decision.id, error);
    return listPage(page, refused.status, refused.message);
  }
  // 303: the browser follows with a GET, so a reload does not post the decision again.
  return { status: 303, contentType: 'text/plain; charset=utf-8', body: '', headers: { ...PAGE_HEADERS, location: `/grants?token=${page.token}` } };
}

function listPage(page: ApprovalsPage, status: number, problem?: string): PageAnswer {
  const grants = page.decisions.list({ statuses: ['pending', 'active'] });
  return { status, contentType: 'text/html; charset=utf-8', body: renderGrantsPage({ grants, token: page.token, problem }), headers: { ...PAGE_HEADERS } };
}

function refusal(refused: AdminRefusal): PageAnswer {
  return { status: refused.status, contentType: 'text/plain; charset=utf-8', body: `${refused.message}\n`, headers: { ...PAGE_HEADERS, ...refused.headers } };
}
