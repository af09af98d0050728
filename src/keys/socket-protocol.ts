import type { ProxyMode } from '../config.js';
import { AGENT_NAME, AgentError, DEFAULT_AGENT, type AgentRegistry } from './agent-registry.js';
import type { IssuedKey } from './issued-key.js';
import { KeyRequestError, type KeyStore, type RevokeSelector } from './key-store.js';

/**
 * Who is asking is decided by the socket, never by the request: a declared agent's own socket,
 * the default socket (the `default` agent, and in record mode agents created on first use), or
 * the admin socket (revoke, keys).
 */
export type Channel = { kind: 'agent'; agent: string } | { kind: 'default'; mode: ProxyMode } | { kind: 'admin' };

/** One JSON line in, one JSON line out. */
export type SocketRequest =
  | { op: 'credentials'; agent?: string; ttl?: number; fresh?: true }
  | { op: 'revoke'; accessKeyId?: string; agent?: string; all?: true }
  | { op: 'keys' }
  // Just-in-time access on an agent's channel (src/grants): the agent is the channel's, never named.
  | { op: 'scope' }
  | { op: 'preview'; actions: string[]; resources: string[]; region?: string }
  | { op: 'request_access'; actions: string[]; resources: string[]; duration: number; reason: string; ticket?: string }
  | { op: 'grant_status'; id: string }
  | { op: 'release_access'; id: string }
  // ...and their decisions on admin.sock.
  | { op: 'grants'; all?: true; agent?: string }
  | { op: 'approve'; id: string; ttl?: number }
  | { op: 'deny'; id: string; reason: string }
  | { op: 'revoke_grant'; id: string };

/** The credential_process output format (Version 1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  Expiration: string;
}

export interface ChannelDeps {
  keys: KeyStore;
  agents: AgentRegistry;
  /** Where "agent X created on first use" goes (stderr in the proxy). */
  notice: (message: string) => void;
}

type Request = Record<string, unknown>;
type AgentChannel = Exclude<Channel, { kind: 'admin' }>;
const ADMIN_OPS = new Set(['revoke', 'keys', 'list']);
const FIELDS: Record<string, string[]> = { credentials: ['agent', 'ttl', 'fresh'], revoke: ['accessKeyId', 'agent', 'all'], keys: [] };

export function toProcessCredentials(key: IssuedKey): ProcessCredentials {
  return { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Expiration: new Date(key.expiresAt).toISOString() };
}

/** Pure but for the key store: the answer to one request on one channel. */
export function answer(request: unknown, channel: Channel, deps: ChannelDeps): object {
  if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof (request as Request).op !== 'string') {
    return { error: 'a request is one line of JSON with an "op", e.g. {"op":"credentials"}' };
  }
  const req = request as Request;
  const op = req.op as string;
  if (channel.kind !== 'admin' && ADMIN_OPS.has(op)) {
    const command = op === 'list' ? 'keys' : op;
    return { error: `"${op}" is not served on an agent's socket: run 'iam-agent-proxy ${command}' as the proxy's user (it uses admin.sock)` };
  }
  if (channel.kind === 'admin' && op === 'credentials') {
    return { error: 'admin.sock serves no credentials: agents get theirs with proxy-creds' };
  }
  const allowed = Object.hasOwn(FIELDS, op) ? FIELDS[op] : undefined;
  if (!allowed) return { error: `unknown op "${op}"; expected ${channel.kind === 'admin' ? 'revoke or keys' : 'credentials'}` };
  const extra = Object.keys(req).find((name) => name !== 'op' && !allowed.includes(name));
  if (extra !== undefined) return { error: `unexpected field "${extra}" in a ${op} request` };
  try {
    if (op === 'credentials') return credentials(req, channel as AgentChannel, deps);
    if (op === 'revoke') return revoke(req, deps);
    return listKeys(deps);
  } catch (error) {
    if (error instanceof KeyRequestError || error instanceof AgentError) return { error: error.message };
    throw error;
  }
}

function credentials(req: Request, channel: AgentChannel, deps: ChannelDeps): object {
  if (req.agent !== undefined && (typeof req.agent !== 'string' || !AGENT_NAME.test(req.agent))) return { error: `agent name must match ${AGENT_NAME}` };
  if (req.ttl !== undefined && !Number.isSafeInteger(req.ttl)) return { error: 'ttl must be a whole number of seconds' };
  if (req.fresh !== undefined && req.fresh !== true) return { error: '"fresh" must be true (a key no other client shares, as `run` gives a command)' };
  const named = req.agent as string | undefined;
  let agent: string;
  if (channel.kind === 'agent') {
    if (named !== undefined && named !== channel.agent) return { error: `this socket belongs to agent "${channel.agent}" and serves no other agent's keys` };
    agent = channel.agent;
  } else {
    agent = named ?? DEFAULT_AGENT;
    const refusal = defaultSocketRefusal(agent, channel.mode, deps);
    if (refusal) return { error: refusal };
  }
  return toProcessCredentials(deps.keys.keyFor(agent, req.ttl as number | undefined, { fresh: req.fresh === true }));
}

/** On the default socket: `default`, and in record mode any undeclared agent (created on first use). */
function defaultSocketRefusal(agent: string, mode: ProxyMode, deps: ChannelDeps): string | undefined {
  if (agent === DEFAULT_AGENT) return undefined;
  if (deps.agents.isDeclared(agent)) return `agent "${agent}" is declared: it gets keys only from its own socket (proxy-creds --agent ${agent})`;
  if (mode === 'enforce') return `unknown agent "${agent}": in enforce mode only declared agents (PROXY_AGENTS) and "${DEFAULT_AGENT}" get keys`;
  if (deps.agents.record(agent)) deps.notice(`agent ${agent} created on first use (record mode)`);
  return undefined;
}

function revoke(req: Request, deps: ChannelDeps): object {
  const given = (['accessKeyId', 'agent', 'all'] as const).filter((name) => req[name] !== undefined);
  if (given.length !== 1) return { error: 'revoke needs exactly one of "accessKeyId", "agent" or "all": true' };
  let selector: RevokeSelector;
  if (req.all !== undefined) {
    if (req.all !== true) return { error: '"all" must be true' };
    selector = { all: true };
  } else if (req.agent !== undefined) {
    if (typeof req.agent !== 'string' || !AGENT_NAME.test(req.agent)) return { error: `agent name must match ${AGENT_NAME}` };
    selector = { agent: req.agent };
  } else {
    if (typeof req.accessKeyId !== 'string') return { error: '"accessKeyId" must be a string' };
    selector = { accessKeyId: req.accessKeyId };
  }
  return { revoked: deps.keys.revoke(selector).map((key) => ({ accessKeyId: key.accessKeyId, agent: key.agent })) };
}

function listKeys(deps: ChannelDeps): object {
  const warnings = deps.keys.refetchWarnings();
  const flagged = new Set(warnings.map((warning) => warning.agent));
  const keys = deps.keys.liveKeys().map((key) => ({
    accessKeyId: key.accessKeyId,
    agent: key.agent,
    expiration: new Date(key.expiresAt).toISOString(),
    ...(key.session ? { assumedRole: key.session.assumedRole, parentKeyId: key.session.parentKeyId } : {}),
    ...(flagged.has(key.agent) ? { refetchWarning: true } : {}),
  }));
  return { keys, warnings: warnings.map((warning) => warning.message) };
}
