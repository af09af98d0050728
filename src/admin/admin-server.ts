import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveLoopback, type LoopbackLimits, type LoopbackServer } from '../net/loopback-server.js';
import { checkAdminRequest, pathOf } from './admin-request.js';
import { answerPage, PAGE_HEADERS, type ApprovalsPage } from './approvals/serve-page.js';
import { isPagePath } from './approvals/routes.js';

export type AdminListenerLimits = LoopbackLimits;

/** A scraper sends a small GET every few seconds on one keep-alive connection; nothing more is needed. */
export const ADMIN_LISTENER_LIMITS: AdminListenerLimits = { maxHeaderBytes: 8192, requestTimeoutMs: 5000, keepAliveMs: 65_000, maxConnections: 16 };

export interface AdminSettings {
  /** 0 picks a free port. */
  port: number;
  limits?: AdminListenerLimits;
}

export interface AdminHandlers {
  /** The /healthz body (JSON). */
  health(): string;
  /** The /metrics body and its content type. */
  metrics(): Promise<{ body: string; contentType: string }>;
  /** The approvals page (/grants); without it, its paths are 404. */
  approvals?: ApprovalsPage;
}

export type AdminListener = LoopbackServer;

/**
 * PROXY_ADMIN_PORT: GET /healthz and GET /metrics on 127.0.0.1 only. Any local user can connect to
 * a port, so these serve nothing secret: no key id, no credential, no resource (metrics.ts). The
 * approvals page shows grants and takes decisions only with this start's token (approvals/).
 */
export async function serveAdmin(settings: AdminSettings, handlers: AdminHandlers): Promise<AdminListener> {
  const badRequest = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n\r\nbad request\n';
  return serveLoopback(
    { port: settings.port, setting: 'PROXY_ADMIN_PORT', limits: settings.limits ?? ADMIN_LISTENER_LIMITS, badRequest },
    (req, res, port) => void respond(req, res, port, handlers),
  );
}

async function respond(req: IncomingMessage, res: ServerResponse, port: number, handlers: AdminHandlers): Promise<void> {
  if (handlers.approvals && isPagePath(pathOf(req.url))) {
    try {
      const answer = await answerPage(req, port, handlers.approvals);
      return send(res, answer.status, answer.contentType, answer.body, answer.headers);
    } catch (error) {
      return send(res, 500, 'text/plain; charset=utf-8', `the proxy could not answer: ${(error as Error).message}\n`, PAGE_HEADERS);
    }
  }
  const checked = checkAdminRequest(req, port);
  if ('status' in checked) return send(res, checked.status, 'text/plain; charset=utf-8', `${checked.message}\n`, checked.headers);
  try {
    if (checked.route === 'healthz') return send(res, 200, 'application/json', handlers.health());
    const { body, contentType } = await handlers.metrics();
    send(res, 200, contentType, body);
  } catch (error) {
    send(res, 500, 'text/plain; charset=utf-8', `the proxy could not answer: ${(error as Error).message}\n`);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
