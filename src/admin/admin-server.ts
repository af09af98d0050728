import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_HOST, checkAdminRequest } from './admin-request.js';

export interface AdminListenerLimits {
  maxHeaderBytes: number;
  requestTimeoutMs: number;
  keepAliveMs: number;
  maxConnections: number;
}

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
}

export interface AdminListener {
  port: number;
  close(): Promise<void>;
}

/**
 * PROXY_ADMIN_PORT: GET /healthz and GET /metrics on 127.0.0.1 only. Any local user can connect to
 * a port, so it serves nothing secret: no key id, no credential, no resource (metrics.ts).
 */
export async function serveAdmin(settings: AdminSettings, handlers: AdminHandlers): Promise<AdminListener> {
  const limits = settings.limits ?? ADMIN_LISTENER_LIMITS;
  let port = settings.port;
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveMs,
      connectionsCheckingInterval: Math.max(100, Math.floor(limits.requestTimeoutMs / 4)),
    },
    (req, res) => void respond(req, res, port, handlers),
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n\r\nbad request\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`PROXY_ADMIN_PORT ${settings.port} is in use on ${ADMIN_HOST}: pick another port, or 0 for any free one`) : error),
    );
    server.listen(settings.port, ADMIN_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, port: number, handlers: AdminHandlers): Promise<void> {
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
