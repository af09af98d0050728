import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AGENT_NAME } from './agent-registry.js';

/**
 * Which agent opened a connection that carries no AWS signature (a non-AWS CONNECT or plain-HTTP
 * request, refused by the egress policy and logged). `iam-agent-proxy env` and `run` put the agent's
 * name and a password into the proxy URL (`http://<agent>:<password>@127.0.0.1:8080`), which every
 * common client turns into `Proxy-Authorization: Basic …`. The password is HMAC(master key, label +
 * name), like the container-credential token: no file, it survives restarts, only the proxy's user
 * can compute it. It names an agent for the log; it grants nothing (AWS calls are still judged by
 * their signature).
 */
export function proxyPassword(master: Buffer, agent: string): string {
  return createHmac('sha256', master).update(`proxy-authorization:v1:${agent}`).digest('base64url');
}

/** The agent a `Proxy-Authorization: Basic` header proves; undefined when absent, malformed or wrong. */
export function agentOfProxyAuthorization(header: string | undefined, master: Buffer): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/=_-]{1,512})$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  const agent = decoded.slice(0, colon);
  if (!AGENT_NAME.test(agent)) return undefined;
  // Constant time whatever the lengths: both sides hashed first.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(proxyPassword(master, agent)), digest(decoded.slice(colon + 1))) ? agent : undefined;
}
