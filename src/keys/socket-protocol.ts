import type { ProxyMode } from '../config.js';
import { enforcing } from '../policy/types.js';
import { AGENT_NAME, AgentError, DEFAULT_AGENT, type AgentRegistry } from './agent-registry.js';
import type { IssuedKey } from './issued-key.js';
import { KeyRequestError, type KeyStore, type RevokeSelector } from './key-store.js';
import type { AccessService } from '../grants/access-service.js';
import { accessRequestFrom, actionsAndResources, grantIdFrom, INPUT_LIMITS, regionFrom } from '../grants/request-input.js';
import { GrantError, type GrantDecisions } from '../grants/types.js';

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
  /** Just-in-time access: the agent's ops and the admin's decisions; absent, those ops are refused. */
  grants?: { access: AccessService; decisions: GrantDecisions };
}

type Request = Record<string, unknown>;
type AgentChannel = Exclude<Channel, { kind: 'admin' }>;
const ADMIN_OPS = new Set(['revoke', 'keys', 'list', 'grants', 'approve', 'deny', 'revoke_grant']);
/** Ops about the caller's own access: admin.sock has no agent to ask for. */
const AGENT_GRANT_OPS = new Set(['scope', 'preview', 'request_access', 'grant_status', 'release_access']);
const ADMIN_COMMANDS: Record<string, string> = { list: 'keys', revoke_grant: 'grants revoke' };
const FIELDS: Record<string, string[]> = {
  credentials: ['agent', 'ttl', 'fresh'],
  revoke: ['accessKeyId', 'agent', 'all'],
  keys: [],
  scope: [],
  preview: ['actions', 'resources', 'region'],
  request_access: ['actions', 'resources', 'duration', 'reason', 'ticket'],
  grant_status: ['id'],
  release_access: ['id'],
  grants: ['all', 'agent'],
  approve: ['id', 'ttl'],
  deny: ['id', 'reason'],
  revoke_grant: ['id'],
};

export function toProcessCredentials(key: IssuedKey): ProcessCredentials {
  return { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Expiration: new Date(key.expiresAt).toISOString() };
}

/** Pure but for the key store and the grants: the answer to one request on one channel (a promise for an agent's grant ops, which evaluate). */
export function answer(request: unknown, channel: Channel, deps: ChannelDeps): object | Promise<object> {
  if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof (request as Request).op !== 'string') {
    return { error: 'a request is one line of JSON with an "op", e.g. {"op":"credentials"}' };
  }
  const req = request as Request;
  const op = req.op as string;
  if (channel.kind !== 'admin' && ADMIN_OPS.has(op)) {
    const command = ADMIN_COMMANDS[op] ?? op;
    return { error: `"${op}" is not served on an agent's socket: run 'iam-agent-proxy ${command}' as the proxy's user (it uses admin.sock)` };
  }
  if (channel.kind === 'admin' && op === 'credentials') {
    return { error: 'admin.sock serves no credentials: agents get theirs with proxy-creds' };
  }
  if (channel.kind === 'admin' && AGENT_GRANT_OPS.has(op)) {
    return { error: `"${op}" is an agent's own request: it is served on that agent's socket (iam-agent-proxy mcp), not admin.sock` };
  }
  const allowed = Object.hasOwn(FIELDS, op) ? FIELDS[op] : undefined;
  if (!allowed) return { error: `unknown op "${op}"; expected ${channel.kind === 'admin' ? 'revoke, keys, grants, approve, deny or revoke_grant' : 'credentials, scope, preview, request_access, grant_status or release_access'}` };
  const extra = Object.keys(req).find((name) => name !== 'op' && !allowed.includes(name));
  if (extra !== undefined) return { error: `unexpected field "${extra}" in a ${op} request` };
  try {
    if (op === 'credentials') return credentials(req, channel as AgentChannel, deps);
    if (op === 'revoke') return revoke(req, deps);
    if (op === 'keys') return listKeys(deps);
    if (!deps.grants) return { error: 'this proxy serves no grants' };
    if (channel.kind === 'admin') return adminGrantOp(op, req, deps.grants.decisions);
    return agentGrantOp(op, req, channelAgent(channel), deps.grants.access).catch(refusal);
  } catch (error) {
    return refusal(error);
  }
}

/** A request the proxy cannot act on gets its reason; anything else is a fault, reported by the socket server. */
function refusal(error: unknown): object {
  if (error instanceof KeyRequestError || error instanceof AgentError || error instanceof GrantError) return { error: error.message };
  throw error;
}

/** The agent a channel speaks for: its own, or `default` on the default socket (never one it names). */
function channelAgent(channel: AgentChannel): string {
  return channel.kind === 'agent' ? channel.agent : DEFAULT_AGENT;
}

async function agentGrantOp(op: string, req: Request, agent: string, access: AccessService): Promise<object> {
  switch (op) {
    case 'scope':
      return access.scope(agent);
    case 'preview': {
      return access.preview(agent, { ...actionsAndResources(req), region: regionFrom(req.region) });
    }
    case 'request_access':
      return { grant: await access.request(agent, accessRequestFrom(req)) };
    case 'grant_status':
      return { grant: access.status(agent, grantIdFrom(req.id)) };
    default:
      return { grant: access.release(agent, grantIdFrom(req.id)) };
  }
}

function adminGrantOp(op: string, req: Request, decisions: GrantDecisions): object {
  switch (op) {
    case 'grants': {
      if (req.all !== undefined && req.all !== true) throw new GrantError('"all" must be true');
      if (req.agent !== undefined && (typeof req.agent !== 'string' || !AGENT_NAME.test(req.agent))) throw new GrantError(`agent name must match ${AGENT_NAME}`);
      const statuses = req.all ? undefined : (['pending', 'active'] as const).slice();
      return { grants: decisions.list({ statuses, agent: req.agent as string | undefined }) };
    }
    case 'approve': {
      if (req.ttl !== undefined && !Number.isSafeInteger(req.ttl)) throw new GrantError('"ttl" must be a whole number of seconds');
      return { grant: decisions.approve(grantIdFrom(req.id), { ttlSeconds: req.ttl as number | undefined, by: 'cli' }) };
    }
    case 'deny': {
      if (typeof req.reason !== 'string' || req.reason.trim() === '' || req.reason.length > INPUT_LIMITS.reasonChars) throw new GrantError(`deny needs a "reason" (1 to ${INPUT_LIMITS.reasonChars} characters): the agent is shown it`);
      return { grant: decisions.deny(grantIdFrom(req.id), { reason: req.reason.trim(), by: 'cli' }) };
    }
    default:
      return { grant: decisions.revoke(grantIdFrom(req.id), { by: 'cli' }) };
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
  if (enforcing(mode)) return `unknown agent "${agent}": in enforce mode only declared agents (PROXY_AGENTS) and "${DEFAULT_AGENT}" get keys`;
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
