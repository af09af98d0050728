import { chmodSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AgentKeypair, KeypairStore } from './keypair-store.js';

/** Requests on the socket: one JSON line in, one JSON line out. */
export type SocketRequest =
  | { op: 'credentials'; agent?: string }
  | { op: 'revoke'; accessKeyId?: string; agent?: string }
  | { op: 'list' };

/** The credential_process output format (Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  Expiration: string;
}

export const DEFAULT_AGENT = 'default';
const AGENT_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const MAX_REQUEST_BYTES = 4096;
/** A client that connects and only reads (the original proxy's protocol) gets the default agent's keys. */
const SILENT_CLIENT_MS = 100;

export function toProcessCredentials(key: AgentKeypair): ProcessCredentials {
  return { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Expiration: new Date(key.expiresAt).toISOString() };
}

/** Pure: the answer to one socket request. */
export function answer(request: unknown, keys: KeypairStore): object {
  const req = (request ?? {}) as Partial<SocketRequest> & Record<string, unknown>;
  const agent = req.agent === undefined ? undefined : String(req.agent);
  if (agent !== undefined && !AGENT_NAME.test(agent)) return { error: `agent name must match ${AGENT_NAME}` };
  switch (req.op) {
    case 'credentials':
      return toProcessCredentials(keys.keypairFor(agent ?? DEFAULT_AGENT));
    case 'revoke': {
      const accessKeyId = req.accessKeyId === undefined ? undefined : String(req.accessKeyId);
      return { revoked: keys.revoke({ accessKeyId, agent }).map((k) => ({ accessKeyId: k.accessKeyId, agent: k.agent })) };
    }
    case 'list':
      return { keys: keys.liveKeys().map((k) => ({ accessKeyId: k.accessKeyId, agent: k.agent, expiration: new Date(k.expiresAt).toISOString() })) };
    default:
      return { error: 'unknown op; expected credentials, revoke or list' };
  }
}

/**
 * Serves keypairs on a Unix socket that only this user can open (0600). A stale socket left by
 * a killed proxy is replaced; a live one means another proxy is running.
 */
export async function serveCredentials(path: string, keys: KeypairStore): Promise<Server> {
  if (await socketIsLive(path)) {
    throw new Error(`another iam-agent-proxy is already serving ${path}; stop it first or set PROXY_SOCK_PATH to another path`);
  }
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const server = createServer((socket) => handleConnection(socket, keys));
  const oldMask = process.umask(0o177); // the socket is created 0600, never briefly wider
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  return server;
}

function handleConnection(socket: Socket, keys: KeypairStore): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.setTimeout(5_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const silent = setTimeout(() => socket.end(`${JSON.stringify(answer({ op: 'credentials' }, keys))}\n`), SILENT_CLIENT_MS);
  socket.on('close', () => clearTimeout(silent));
  socket.on('data', (chunk: string) => {
    clearTimeout(silent);
    buffered += chunk;
    if (buffered.length > MAX_REQUEST_BYTES) return void socket.end(`${JSON.stringify({ error: 'request too large' })}\n`);
    const newline = buffered.indexOf('\n');
    if (newline === -1) return;
    let reply: object;
    try {
      reply = answer(JSON.parse(buffered.slice(0, newline)), keys);
    } catch {
      reply = { error: 'request must be one line of JSON' };
    }
    socket.end(`${JSON.stringify(reply)}\n`);
  });
}

/** Sends one request to the proxy's socket and returns its parsed answer. */
export function askProxy(path: string, request: SocketRequest, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(JSON.parse(reply) as Record<string, unknown>);
      } catch {
        reject(new Error(`unreadable answer from ${path}`));
      }
    });
  });
}

function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
