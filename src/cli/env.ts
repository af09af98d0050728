import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { agentSocketPathFrom, credentialsPortFrom, loadConfig, stateDirFrom } from '../config.js';
import { ContainerEndpointError, containerCredentialsEnv } from '../keys/container-credentials.js';
import { DEFAULT_AGENT } from '../keys/agent-registry.js';
import { loadOrCreateMasterKey } from '../keys/master-key.js';
import { proxyPassword } from '../keys/proxy-identity.js';
import { ensurePrivateDir } from '../state/files.js';
import { combinedCaBundlePath } from '../tls/ca-bundle.js';
import { agentEnvironment, type ContainerCredentialsEndpoint, type EnvironmentVariable } from './agent-environment.js';
import { parseOptions, UsageError } from './args.js';

export const SHELLS = ['sh', 'fish', 'powershell', 'dotenv'] as const;
export type Shell = (typeof SHELLS)[number];

/** sh, bash, zsh, dash: `export K='v'`, a ' inside written '\''. */
function shLine({ name, value }: EnvironmentVariable): string {
  return `export ${name}='${value.replaceAll("'", "'\\''")}'`;
}

/** fish: inside '…' only \\ and \' are escapes. */
function fishLine({ name, value }: EnvironmentVariable): string {
  return `set -gx ${name} '${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** PowerShell: inside '…' a quote is doubled; the typographic single quotes count as quotes too. */
function powershellLine({ name, value }: EnvironmentVariable): string {
  return `$env:${name} = '${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

/**
 * .env files: `K=v` bare when v is plain; else `K='v'` (taken literally by docker compose, the
 * npm dotenv package and python-dotenv) when v has no ', \ or newline; else `K="v"` when v has
 * no ", \, $, ` or newline (nothing there for any of them to expand). Anything else has no form
 * all three read back intact: refused. So is `${`, which python-dotenv expands even in '…'.
 */
function dotenvLine({ name, value }: EnvironmentVariable): string {
  if (/^[A-Za-z0-9_./:,@%+-]*$/.test(value)) return `${name}=${value}`;
  if (value.includes('${')) throw new UsageError(`${name}'s value ${JSON.stringify(value)} holds "\${", which python-dotenv expands whatever the quotes; use --shell sh`);
  if (!/['\\\n\r]/.test(value)) return `${name}='${value}'`;
  if (!/["\\$`\n\r]/.test(value)) return `${name}="${value}"`;
  throw new UsageError(`${name}'s value ${JSON.stringify(value)} cannot be written to a .env file so that every reader gets it back intact; use --shell sh`);
}

const FORMATTERS: Record<Shell, (variable: EnvironmentVariable) => string> = { sh: shLine, fish: fishLine, powershell: powershellLine, dotenv: dotenvLine };

/** The variables as lines for that shell, each ending in a newline. */
export function formatEnvironment(variables: EnvironmentVariable[], shell: Shell): string {
  const line = FORMATTERS[shell];
  return variables.map((variable) => `${line(variable)}\n`).join('');
}

export function parseShell(raw: string | undefined): Shell {
  if (raw === undefined) return 'sh';
  if ((SHELLS as readonly string[]).includes(raw)) return raw as Shell;
  throw new UsageError(`--shell must be one of ${SHELLS.join(', ')}, not "${raw}"`);
}

/**
 * The agent's container-credential endpoint and token, when the proxy serves one
 * (PROXY_CREDENTIALS_PORT): SDKs then fetch and refresh the agent's keys themselves, and tools that
 * ignore credential_process get them too.
 */
export function containerCredentialsFor(agent: string, env: NodeJS.ProcessEnv): ContainerCredentialsEndpoint | undefined {
  const credentialsPort = credentialsPortFrom(env);
  if (credentialsPort === undefined) return undefined;
  try {
    const variables = containerCredentialsEnv({ stateDir: stateDirFrom(env), credentialsPort }, agent);
    return { fullUri: variables.AWS_CONTAINER_CREDENTIALS_FULL_URI, authorizationToken: variables.AWS_CONTAINER_AUTHORIZATION_TOKEN };
  } catch (error) {
    if (error instanceof ContainerEndpointError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The agent's proxy password, so that the proxy URL names the agent. Reads (or, before the proxy's
 * first start, creates) master.key, as the proxy's user; another user gets a URL without one.
 */
export function proxyPasswordFor(agent: string, env: NodeJS.ProcessEnv, warn: (message: string) => void): string | undefined {
  const stateDir = stateDirFrom(env);
  try {
    ensurePrivateDir(stateDir);
    return proxyPassword(loadOrCreateMasterKey(stateDir), agent);
  } catch (error) {
    warn(`warning: the proxy URL names no agent (refused non-AWS connections are logged by address only): ${(error as Error).message}`);
    return undefined;
  }
}

/** `iam-agent-proxy env`: reads the configuration only; works whether or not the proxy runs. */
export async function envCommand(args: string[], env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<string> {
  const options = parseOptions(args, { agent: 'value', shell: 'value', 'no-ca-bundle': 'flag' });
  const shell = parseShell(options.shell as string | undefined);
  // The agent's own shell may already say AWS_PROFILE=iam-agent-proxy, which the proxy itself refuses to start with.
  const config = loadConfig({ ...env, AWS_PROFILE: undefined });
  const agent = (options.agent as string | undefined) ?? DEFAULT_AGENT;
  const variables = agentEnvironment({
    config,
    env,
    agent,
    noCaBundle: options['no-ca-bundle'] === true,
    containerCredentials: containerCredentialsFor(agent, env),
    proxyPassword: proxyPasswordFor(agent, env, warn),
  });
  const text = formatEnvironment(variables, shell);
  const socket = config.agents.some((declared) => declared.name === agent) ? agentSocketPathFrom(env, agent) : config.socketPath;
  if (!(await accepts(socket))) {
    warn(`warning: no proxy is answering on ${socket} now; these settings work once iam-agent-proxy runs with this same configuration`);
  } else if (!existsSync(combinedCaBundlePath(config.caBundlePath))) {
    warn(`warning: ${combinedCaBundlePath(config.caBundlePath)} does not exist: restart iam-agent-proxy (a newer version writes it on start)`);
  }
  return text;
}

/** Whether something accepts a connection on that Unix socket (within a second). */
export function accepts(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
