import { LOOPBACK_HOST, loopbackHost } from '../net/loopback-host.js';

export type AdminRoute = 'healthz' | 'metrics';

export interface AdminRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request the admin listener does not serve: status and a one-line text body. */
export interface AdminRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const ROUTES: Record<string, AdminRoute> = { '/healthz': 'healthz', '/metrics': 'metrics' };

/**
 * The checks of container-credentials.ts, for /healthz and /metrics: no browser (an Origin header),
 * a Host naming this loopback port (a DNS-rebound page names its own host), GET only, no body, a
 * known path (a query is ignored).
 */
export function checkAdminRequest(request: AdminRequest, port: number): { route: AdminRoute } | AdminRefusal {
  const { headers } = request;
  if (headers.origin !== undefined) return { status: 403, message: 'requests from a browser (with an Origin header) are refused' };
  if (!loopbackHost(headers.host, port)) return hostRefusal(port);
  if (request.method !== 'GET') return { status: 405, message: 'only GET is served', headers: { allow: 'GET' } };
  if (hasBody(headers)) return { status: 400, message: 'a GET carries no body', headers: { connection: 'close' } };
  const path = pathOf(request.url);
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  if (route === undefined) return { status: 404, message: 'served here: GET /healthz and GET /metrics' };
  return { route };
}

export function hostRefusal(port: number): AdminRefusal {
  return { status: 403, message: `the Host header must be ${LOOPBACK_HOST}:${port} or localhost:${port}` };
}

export function hasBody(headers: AdminRequest['headers']): boolean {
  return (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The path of a request target; the query is not part of it. */
export function pathOf(url: string | undefined): string {
  return (url ?? '').split('?', 1)[0]!;
}
