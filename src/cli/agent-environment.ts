import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { AGENT_NAME, DEFAULT_AGENT } from '../keys/agent-registry.js';
import { NO_CA_BUNDLE_PROFILE_NAME, PROFILE_NAME } from '../state/aws-config-block.js';
import { combinedCaBundlePath } from '../tls/ca-bundle.js';
import { enforcing } from '../policy/types.js';
import { UsageError } from './args.js';

/** One variable of an agent's environment, in the order it is printed. */
export interface EnvironmentVariable {
  name: string;
  value: string;
}

/**
 * The agent's ECS-style credential endpoint (src/keys/container-endpoint.ts): with it the list
 * carries AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN and no
 * AWS_PROFILE (a profile comes before container credentials in the SDKs' chains).
 */
export interface ContainerCredentialsEndpoint {
  fullUri: string;
  authorizationToken: string;
}

export interface AgentEnvironmentInput {
  config: Pick<Config, 'host' | 'port' | 'mode' | 'agents' | 'caBundlePath' | 'awsConfigPath'>;
  /** The environment the command runs in: IAM_AGENT_PROXY_HOME, PROXY_SOCK_PATH and HOME are passed on or compared. */
  env: Record<string, string | undefined>;
  /** The agent to get keys for (PROXY_AGENT_NAME); `default` when absent. */
  agent?: string;
  /** Use [profile iam-agent-proxy-no-ca-bundle] and leave out AWS_CA_BUNDLE (rclone, aws-sdk-go v1 apps). */
  noCaBundle?: boolean;
  /** The agent's container-credential endpoint, when the proxy serves one (PROXY_CREDENTIALS_PORT). */
  containerCredentials?: ContainerCredentialsEndpoint;
  /** The agent's proxy password (src/keys/proxy-identity.ts): the proxy URL then names the agent, so refused egress is logged with it. */
  proxyPassword?: string;
}

/** Loopback never goes through the proxy (local endpoints, the ECS-style endpoint later). */
export const NO_PROXY_HOSTS = 'localhost,127.0.0.1,::1';

/** The URL an agent reaches the proxy at: a wildcard listen address is reached on loopback; with a password, as that agent. */
export function proxyUrl(host: string, port: number, identity?: { agent: string; password: string }): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const userinfo = identity ? `${encodeURIComponent(identity.agent)}:${encodeURIComponent(identity.password)}@` : '';
  return `http://${userinfo}${reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * What an agent's shell needs to use the proxy: proxy URL, profile, the agent's name, where the
 * sockets and the AWS config are when not in the default place, and CA trust for clients that
 * ignore the profile's ca_bundle. Pure: reads no files.
 */
export function agentEnvironment(input: AgentEnvironmentInput): EnvironmentVariable[] {
  const { config, env } = input;
  const agent = input.agent ?? DEFAULT_AGENT;
  if (!AGENT_NAME.test(agent)) throw new UsageError(`agent name "${agent}" must be 1 to 64 letters, digits, _ . @ -`);
  if (enforcing(config.mode) && agent !== DEFAULT_AGENT && !config.agents.some((declared) => declared.name === agent)) {
    throw new UsageError(`agent "${agent}" is not declared: in enforce mode only agents in PROXY_AGENTS (${config.agents.map((a) => a.name).join(', ') || 'none'}) and "${DEFAULT_AGENT}" get keys`);
  }
  if (config.port === 0) throw new UsageError('PROXY_PORT=0 makes the proxy pick a port when it starts: set PROXY_PORT to the port it listens on');
  const url = proxyUrl(config.host, config.port, input.proxyPassword === undefined ? undefined : { agent, password: input.proxyPassword });
  const vars: EnvironmentVariable[] = [];
  const add = (name: string, value: string) => vars.push({ name, value });
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) add(name, url);
  for (const name of ['NO_PROXY', 'no_proxy']) add(name, NO_PROXY_HOSTS);
  if (input.containerCredentials === undefined) add('AWS_PROFILE', input.noCaBundle ? NO_CA_BUNDLE_PROFILE_NAME : PROFILE_NAME);
  // proxy-creds (the profile's credential_process) reads these to pick the agent and find its socket.
  add('PROXY_AGENT_NAME', agent);
  if (env.IAM_AGENT_PROXY_HOME) add('IAM_AGENT_PROXY_HOME', resolve(env.IAM_AGENT_PROXY_HOME));
  if (env.PROXY_SOCK_PATH) add('PROXY_SOCK_PATH', resolve(env.PROXY_SOCK_PATH));
  const defaultAwsConfig = resolve(env.HOME || homedir(), '.aws', 'config');
  if (config.awsConfigPath !== defaultAwsConfig) add('AWS_CONFIG_FILE', config.awsConfigPath);
  // AWS SDKs that skip the profile's ca_bundle: the proxy CA alone (as ca_bundle names it).
  if (!input.noCaBundle) add('AWS_CA_BUNDLE', config.caBundlePath);
  // Node adds these to its own store.
  add('NODE_EXTRA_CA_CERTS', config.caBundlePath);
  // These replace the trust store, so they name the system CAs plus the proxy CA.
  const combined = combinedCaBundlePath(config.caBundlePath);
  for (const name of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) add(name, combined);
  if (input.containerCredentials !== undefined) {
    add('AWS_CONTAINER_CREDENTIALS_FULL_URI', input.containerCredentials.fullUri);
    add('AWS_CONTAINER_AUTHORIZATION_TOKEN', input.containerCredentials.authorizationToken);
  }
  return vars;
}

