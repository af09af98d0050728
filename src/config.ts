import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AGENT_NAME, DEFAULT_AGENT, type DeclaredAgent } from './keys/agent-registry.js';
import { DEFAULT_REFETCH_LIMIT, type RefetchLimit } from './keys/issuance-rate.js';
import { DEFAULT_LIFETIMES, lifetimeProblem, MAX_LIFETIME_SECONDS, type Lifetimes } from './keys/lifetimes.js';
import type { PolicyMode } from './policy/types.js';
import { MODES } from './policy/store/policy-file.js';
import { DEFAULT_TIMEOUT_SETTINGS, type TimeoutSettings } from './pipeline/forward/timeouts.js';
import { EGRESS_MODES, EgressAllowlistError, parseEgressAllowlist, type EgressMode, type EgressPolicy } from './pipeline/intercept/egress.js';

/** PROXY_MODE: the mode of ALLOWLIST_PATH's policy, and of PROXY_POLICIES entries that name none. */
export type ProxyMode = PolicyMode;

export interface Config {
  host: string;
  port: number;
  /** PROXY_CREDENTIALS_PORT: the container credential endpoint on 127.0.0.1 (0: any free port); undefined: off. */
  credentialsPort: number | undefined;
  /** PROXY_ADMIN_PORT: /healthz and /metrics on 127.0.0.1 (0: any free port); undefined: off. */
  adminPort: number | undefined;
  stateDir: string;
  /** The default agent's socket (creds.sock). */
  socketPath: string;
  /** revoke and keys: the proxy's user only. */
  adminSocketPath: string;
  /** One socket per declared agent: `<dir>/<name>.sock`. */
  agentSocketDir: string;
  agents: DeclaredAgent[];
  lifetimes: Lifetimes;
  refetchLimit: RefetchLimit;
  mode: ProxyMode;
  /** One policy for every agent. */
  allowlistPath: string | undefined;
  /** A policy and mode per agent: a file, or a directory of `<agent>.json` files (src/policy/store). */
  policiesPath: string | undefined;
  actionLogPath: string;
  /** ACTION_LOG_MAX_BYTES: rotate the action log once it reaches this size; undefined: never. */
  actionLogMaxBytes: number | undefined;
  awsConfigPath: string;
  /** The CA certificate agents trust, named in [profile iam-agent-proxy]: ca.pem, or a copy where agents can read it. */
  caBundlePath: string;
  /** Where re-signed requests go instead of the real AWS host (LocalStack, tests). */
  upstreamEndpoint: URL | undefined;
  /** PROXY_EGRESS (+ PROXY_EGRESS_ALLOWLIST): which non-AWS hosts agents may reach through the proxy. */
  egress: EgressPolicy;
  /** PROXY_UPSTREAM_CONNECT_TIMEOUT_MS, PROXY_UPSTREAM_TIMEOUT_MS, PROXY_UPSTREAM_LONG_TIMEOUT_MS. */
  upstreamTimeouts: TimeoutSettings;
  /** PROXY_DRAIN_TIMEOUT_MS: how long a stop waits for requests under way. */
  drainMs: number;
  /** PROXY_GRANT_RULES: grant bounds and auto-approve rules (JSON); undefined: 5 min to 12 h, none auto-approved. */
  grantRulesPath: string | undefined;
  /** grants.json in the state dir: grants survive a restart. */
  grantsPath: string;
  /** PROXY_ASK_TIMEOUT_MS: in ask mode, how long a denied call is held for a person to decide. */
  askTimeoutMs: number;
}

/** A configuration mistake the user can fix; the message says how. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function stateDirFrom(env: Env): string {
  return resolve(env.IAM_AGENT_PROXY_HOME || join(env.HOME || homedir(), '.iam-agent-proxy'));
}

export function socketPathFrom(env: Env): string {
  return resolve(env.PROXY_SOCK_PATH || join(stateDirFrom(env), 'creds.sock'));
}

export function adminSocketPathFrom(env: Env): string {
  return join(stateDirFrom(env), 'admin.sock');
}

export function agentSocketPathFrom(env: Env, agent: string): string {
  return join(stateDirFrom(env), 'agents', `${agent}.sock`);
}

/** PROXY_CREDENTIALS_PORT: unset or empty, the container credential endpoint is off; 0 picks a free port. */
export function credentialsPortFrom(env: Env): number | undefined {
  if (env.PROXY_CREDENTIALS_PORT === undefined || env.PROXY_CREDENTIALS_PORT === '') return undefined;
  return integerIn(env, 'PROXY_CREDENTIALS_PORT', 0, 0, 65535);
}

/** PROXY_ADMIN_PORT: unset or empty, the admin listener (/healthz, /metrics) is off; 0 picks a free port. */
export function adminPortFrom(env: Env): number | undefined {
  if (env.PROXY_ADMIN_PORT === undefined || env.PROXY_ADMIN_PORT === '') return undefined;
  return integerIn(env, 'PROXY_ADMIN_PORT', 0, 0, 65535);
}

function awsConfigPathFrom(env: Env): string {
  return resolve(env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config'));
}

export function actionLogPathFrom(env: Env): string {
  return resolve(env.ACTION_LOG_PATH || join(stateDirFrom(env), 'actions.log'));
}

export function loadConfig(env: Env): Config {
  const mode = env.PROXY_MODE || 'record';
  if (!(MODES as string[]).includes(mode)) {
    throw new ConfigError(`PROXY_MODE must be "record", "enforce", "shadow" or "ask", not "${mode}"`);
  }
  if (env.AWS_PROFILE === 'iam-agent-proxy') {
    // The proxy would fetch its "real" credentials from itself and sign with fake keys.
    throw new ConfigError('AWS_PROFILE=iam-agent-proxy is the agent\'s profile: start the proxy with a profile that has real credentials (AWS_PROFILE=<your profile> iam-agent-proxy)');
  }
  if (env.ALLOWLIST_PATH && env.PROXY_POLICIES) {
    throw new ConfigError('ALLOWLIST_PATH and PROXY_POLICIES are both set: unset one (ALLOWLIST_PATH is one policy for every agent, PROXY_POLICIES a policy per agent)');
  }
  if (mode !== 'record' && !env.ALLOWLIST_PATH && !env.PROXY_POLICIES) {
    throw new ConfigError(`PROXY_MODE=${mode} needs ALLOWLIST_PATH=<IAM policy JSON file>`);
  }
  const stateDir = stateDirFrom(env);
  const lifetimes = lifetimesFrom(env);
  const agents = agentsFrom(env.PROXY_AGENTS, lifetimes);
  const config: Config = {
    host: env.PROXY_HOST || '127.0.0.1',
    port: integerIn(env, 'PROXY_PORT', 8080, 0, 65535),
    credentialsPort: credentialsPortFrom(env),
    adminPort: adminPortFrom(env),
    stateDir,
    socketPath: socketPathFrom(env),
    adminSocketPath: adminSocketPathFrom(env),
    agentSocketDir: join(stateDir, 'agents'),
    agents,
    lifetimes,
    refetchLimit: refetchLimitFrom(env.PROXY_REFETCH_WARN),
    mode: mode as ProxyMode,
    allowlistPath: env.ALLOWLIST_PATH ? resolve(env.ALLOWLIST_PATH) : undefined,
    policiesPath: env.PROXY_POLICIES ? resolve(env.PROXY_POLICIES) : undefined,
    actionLogPath: actionLogPathFrom(env),
    actionLogMaxBytes: env.ACTION_LOG_MAX_BYTES ? integerIn(env, 'ACTION_LOG_MAX_BYTES', 0, 1024, Number.MAX_SAFE_INTEGER) : undefined,
    awsConfigPath: awsConfigPathFrom(env),
    caBundlePath: resolve(env.PROXY_CA_BUNDLE_PATH || join(stateDir, 'ca.pem')),
    upstreamEndpoint: upstreamEndpointFrom(env.PROXY_UPSTREAM_ENDPOINT),
    egress: egressFrom(env),
    upstreamTimeouts: {
      connectMs: integerIn(env, 'PROXY_UPSTREAM_CONNECT_TIMEOUT_MS', DEFAULT_TIMEOUT_SETTINGS.connectMs, 1, MAX_TIMEOUT_MS),
      responseMs: integerIn(env, 'PROXY_UPSTREAM_TIMEOUT_MS', DEFAULT_TIMEOUT_SETTINGS.responseMs, 1, MAX_TIMEOUT_MS),
      longResponseMs: integerIn(env, 'PROXY_UPSTREAM_LONG_TIMEOUT_MS', DEFAULT_TIMEOUT_SETTINGS.longResponseMs, 1, MAX_TIMEOUT_MS),
    },
    drainMs: integerIn(env, 'PROXY_DRAIN_TIMEOUT_MS', 10_000, 0, MAX_TIMEOUT_MS),
    grantRulesPath: env.PROXY_GRANT_RULES ? resolve(env.PROXY_GRANT_RULES) : undefined,
    grantsPath: join(stateDir, 'grants.json'),
    // Under the SDKs' own read timeouts (60 s for the AWS CLI and boto3), so the agent hears the answer.
    askTimeoutMs: integerIn(env, 'PROXY_ASK_TIMEOUT_MS', 45_000, 1, MAX_TIMEOUT_MS),
  };
  if (config.credentialsPort && config.credentialsPort === config.port) {
    throw new ConfigError(`PROXY_CREDENTIALS_PORT and PROXY_PORT are both ${config.port}: give the credential endpoint another port`);
  }
  if (config.adminPort && (config.adminPort === config.port || config.adminPort === config.credentialsPort)) {
    const other = config.adminPort === config.port ? 'PROXY_PORT' : 'PROXY_CREDENTIALS_PORT';
    throw new ConfigError(`PROXY_ADMIN_PORT and ${other} are both ${config.adminPort}: give the admin listener another port`);
  }
  for (const path of [config.socketPath, config.adminSocketPath, ...agents.map((agent) => agentSocketPathFrom(env, agent.name))]) {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
      throw new ConfigError(`${path} is too long for a Unix socket (at most ${MAX_SOCKET_PATH_BYTES} bytes): use a shorter IAM_AGENT_PROXY_HOME, PROXY_SOCK_PATH or agent name`);
    }
  }
  return config;
}

/** A day: longer is surely a typo (and beyond what a Node timer holds exactly). */
const MAX_TIMEOUT_MS = 86_400_000;

/** sun_path holds 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

function lifetimesFrom(env: Env): Lifetimes {
  const maxSeconds = integerIn(env, 'PROXY_KEY_TTL_MAX', DEFAULT_LIFETIMES.maxSeconds, 1, MAX_LIFETIME_SECONDS);
  const minSeconds = integerIn(env, 'PROXY_KEY_TTL_MIN', Math.min(DEFAULT_LIFETIMES.minSeconds, maxSeconds), 1, maxSeconds);
  const raw = env.PROXY_KEYPAIR_TTL;
  const defaultSeconds = raw === undefined || raw === '' ? DEFAULT_LIFETIMES.defaultSeconds : Number(raw);
  const problem = lifetimeProblem(defaultSeconds, { defaultSeconds, minSeconds, maxSeconds });
  if (problem) throw new ConfigError(`PROXY_KEYPAIR_TTL ${raw === undefined ? `(default ${defaultSeconds})` : `"${raw}"`}: ${problem}`);
  return { defaultSeconds, minSeconds, maxSeconds };
}

/** `name[=ttlSeconds]`, comma-separated: each gets its own socket and, optionally, its own key lifetime. */
function agentsFrom(raw: string | undefined, lifetimes: Lifetimes): DeclaredAgent[] {
  const agents: DeclaredAgent[] = [];
  for (const entry of (raw ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const [name = '', ttl] = entry.split(/=(.*)/s, 2);
    if (!AGENT_NAME.test(name)) throw new ConfigError(`PROXY_AGENTS: "${name}" is not an agent name (1 to 64 letters, digits, _ . @ -)`);
    if (name === DEFAULT_AGENT) throw new ConfigError(`PROXY_AGENTS: "${DEFAULT_AGENT}" is the agent of the default socket and cannot be declared; pick another name`);
    if (agents.some((agent) => agent.name === name)) throw new ConfigError(`PROXY_AGENTS: "${name}" is declared twice`);
    if (ttl === undefined) {
      agents.push({ name });
      continue;
    }
    const problem = lifetimeProblem(ttl === '' ? NaN : Number(ttl), lifetimes);
    if (problem) throw new ConfigError(`PROXY_AGENTS: ${entry}: ${problem}`);
    agents.push({ name, ttlSeconds: Number(ttl) });
  }
  return agents;
}

/** `count/seconds`: more than `count` keys to one agent within `seconds` is flagged. */
function refetchLimitFrom(raw: string | undefined): RefetchLimit {
  if (raw === undefined || raw === '') return DEFAULT_REFETCH_LIMIT;
  const match = /^(\d{1,4})\/(\d{1,5})$/.exec(raw);
  const [count, windowSeconds] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (count < 1 || count > 999 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigError(`PROXY_REFETCH_WARN must be <keys>/<seconds> with 1 to 999 keys and 1 to 86400 seconds (default 10/300), not "${raw}"`);
  }
  return { count, windowSeconds };
}

function integerIn(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function upstreamEndpointFrom(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PROXY_UPSTREAM_ENDPOINT must be a URL like https://localhost:4566, not "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`PROXY_UPSTREAM_ENDPOINT must start with https:// or http://, not "${raw}"`);
  }
  return url;
}

/**
 * PROXY_EGRESS=allow-all (default) | deny | allowlist; PROXY_EGRESS_ALLOWLIST=<file>: for allowlist
 * the hosts admitted, for allow-all the loopback and private hosts admitted besides public ones
 * (with deny the file is checked but admits nothing).
 */
function egressFrom(env: Env): EgressPolicy {
  const mode = (env.PROXY_EGRESS || 'allow-all') as EgressMode;
  if (!EGRESS_MODES.includes(mode)) {
    throw new ConfigError(`PROXY_EGRESS must be "allow-all", "deny" or "allowlist", not "${env.PROXY_EGRESS}"`);
  }
  const file = env.PROXY_EGRESS_ALLOWLIST;
  if (!file) {
    if (mode === 'allowlist') throw new ConfigError('PROXY_EGRESS=allowlist needs PROXY_EGRESS_ALLOWLIST=<file> (one host, *.suffix or IP address a line, optionally :port)');
    return { mode, rules: [] };
  }
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read PROXY_EGRESS_ALLOWLIST ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return { mode, rules: mode === 'deny' ? (parseEgressAllowlist(text), []) : parseEgressAllowlist(text) };
  } catch (error) {
    if (error instanceof EgressAllowlistError) throw new ConfigError(`PROXY_EGRESS_ALLOWLIST ${path} ${error.message}`);
    throw error;
  }
}
