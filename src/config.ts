import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type ProxyMode = 'record' | 'enforce';

export interface Config {
  host: string;
  port: number;
  stateDir: string;
  socketPath: string;
  keypairTtlSeconds: number;
  mode: ProxyMode;
  allowlistPath: string | undefined;
  actionLogPath: string;
  awsConfigPath: string;
  /** Where re-signed requests go instead of the real AWS host (LocalStack, tests). */
  upstreamEndpoint: URL | undefined;
}

/** A configuration mistake the user can fix; the message says how. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function stateDirFrom(env: Env): string {
  return resolve(env.IAM_AGENT_PROXY_HOME || join(env.HOME || homedir(), '.iam-agent-proxy'));
}

export function socketPathFrom(env: Env): string {
  return resolve(env.PROXY_SOCK_PATH || join(stateDirFrom(env), 'creds.sock'));
}

function awsConfigPathFrom(env: Env): string {
  return resolve(env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config'));
}

export function actionLogPathFrom(env: Env): string {
  return resolve(env.ACTION_LOG_PATH || join(stateDirFrom(env), 'actions.log'));
}

export function loadConfig(env: Env): Config {
  const mode = env.PROXY_MODE || 'record';
  if (mode !== 'record' && mode !== 'enforce') {
    throw new ConfigError(`PROXY_MODE must be "record" or "enforce", not "${mode}"`);
  }
  if (env.AWS_PROFILE === 'iam-agent-proxy') {
    // The proxy would fetch its "real" credentials from itself and sign with fake keys.
    throw new ConfigError('AWS_PROFILE=iam-agent-proxy is the agent\'s profile: start the proxy with a profile that has real credentials (AWS_PROFILE=<your profile> iam-agent-proxy)');
  }
  if (mode === 'enforce' && !env.ALLOWLIST_PATH) {
    throw new ConfigError('PROXY_MODE=enforce needs ALLOWLIST_PATH=<IAM policy JSON file>');
  }
  return {
    host: env.PROXY_HOST || '127.0.0.1',
    port: integerIn(env, 'PROXY_PORT', 8080, 0, 65535),
    stateDir: stateDirFrom(env),
    socketPath: socketPathFrom(env),
    keypairTtlSeconds: integerIn(env, 'PROXY_KEYPAIR_TTL', 3600, 1, 7 * 24 * 3600),
    mode,
    allowlistPath: env.ALLOWLIST_PATH ? resolve(env.ALLOWLIST_PATH) : undefined,
    actionLogPath: actionLogPathFrom(env),
    awsConfigPath: awsConfigPathFrom(env),
    upstreamEndpoint: upstreamEndpointFrom(env.PROXY_UPSTREAM_ENDPOINT),
  };
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
