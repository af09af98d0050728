import { adminSocketPathFrom } from '../config.js';
import { askProxy } from '../keys/socket-client.js';
import type { SocketRequest } from '../keys/socket-protocol.js';
import { UsageError } from './args.js';

/** Admin requests go to admin.sock, which only the proxy's user can open; never to an agent's socket. */
export async function askAdmin(env: NodeJS.ProcessEnv, request: SocketRequest): Promise<Record<string, unknown>> {
  const path = adminSocketPathFrom(env);
  let reply: Record<string, unknown>;
  try {
    reply = await askProxy(path, request);
  } catch (error) {
    throw new Error(`cannot reach the proxy at ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): is iam-agent-proxy running, with the same IAM_AGENT_PROXY_HOME?`);
  }
  if (typeof reply.error === 'string') throw new UsageError(reply.error);
  return reply;
}
