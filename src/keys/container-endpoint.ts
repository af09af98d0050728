import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ProxyMode } from '../config.js';
import { serveLoopback, type LoopbackLimits } from '../net/loopback-server.js';
import { writeFileAtomic } from '../state/files.js';
import { DEFAULT_AGENT } from './agent-registry.js';
import { checkContainerRequest, CONTAINER_ENDPOINT_FILE, refusalBody, toContainerCredentials, type Refusal } from './container-credentials.js';
import { answer, type ChannelDeps, type ProcessCredentials } from './socket-protocol.js';

export type ContainerEndpointLimits = LoopbackLimits;

export const CONTAINER_ENDPOINT_LIMITS: ContainerEndpointLimits = { maxHeaderBytes: 4096, requestTimeoutMs: 2000, keepAliveMs: 2000, maxConnections: 64 };

export interface ContainerEndpointSettings {
  /** 0 picks a free port. */
  port: number;
  mode: ProxyMode;
  master: Buffer;
  /** Where the port is written for `containerCredentialsEnv` (removed on close). */
  stateDir?: string;
  limits?: ContainerEndpointLimits;
}

export interface ContainerEndpoint {
  port: number;
  close(): Promise<void>;
}

/**
 * An ECS-style container credential endpoint on 127.0.0.1: `GET /agents/<name>` with that agent's
 * token in Authorization answers the agent's own key, issued exactly as its socket would issue it
 * (the same request through socket-protocol's `answer`, on the agent's socket for a declared agent,
 * on the default socket for the others: enforce mode issues none to undeclared agents). Unlike a
 * socket, any local user can connect to a port, so the token is what decides; it never serves a
 * real credential.
 */
export async function serveContainerCredentials(settings: ContainerEndpointSettings, deps: ChannelDeps): Promise<ContainerEndpoint> {
  const limits = settings.limits ?? CONTAINER_ENDPOINT_LIMITS;
  const badRequest = `HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n${refusalBody({ status: 400, code: 'BadRequest', message: `a small HTTP/1.1 GET within ${limits.requestTimeoutMs} ms, at most ${limits.maxHeaderBytes} bytes of headers` })}`;
  const server = await serveLoopback({ port: settings.port, setting: 'PROXY_CREDENTIALS_PORT', limits, badRequest }, (req, res, port) => respond(req, res, port, settings, deps));
  const file = settings.stateDir === undefined ? undefined : join(settings.stateDir, CONTAINER_ENDPOINT_FILE);
  if (file) writeFileAtomic(file, `${JSON.stringify({ port: server.port, pid: process.pid })}\n`, 0o600);
  return {
    port: server.port,
    close: () => {
      if (file) rmSync(file, { force: true });
      return server.close();
    },
  };
}

function respond(req: IncomingMessage, res: ServerResponse, port: number, settings: ContainerEndpointSettings, deps: ChannelDeps): void {
  // A GET carries no body: one that announces one is refused without reading it.
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (hasBody) return send(res, { status: 400, code: 'BadRequest', message: 'a GET carries no body', headers: { connection: 'close' } });
  const checked = checkContainerRequest(req, port, settings.master);
  if ('status' in checked) return send(res, checked);
  const { agent } = checked;
  let reply: object;
  try {
    const channel = deps.agents.isDeclared(agent) ? ({ kind: 'agent', agent } as const) : ({ kind: 'default', mode: settings.mode } as const);
    reply = answer({ op: 'credentials', ...(agent === DEFAULT_AGENT ? {} : { agent }) }, channel, deps);
  } catch (error) {
    return send(res, { status: 500, code: 'InternalError', message: `the proxy could not answer: ${(error as Error).message}` });
  }
  if ('error' in reply) return send(res, { status: 403, code: 'AccessDenied', message: String(reply.error) });
  const body = `${JSON.stringify(toContainerCredentials(reply as ProcessCredentials))}\n`;
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function send(res: ServerResponse, refusal: Refusal): void {
  const body = refusalBody(refusal);
  res.writeHead(refusal.status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...refusal.headers });
  res.end(body);
}
