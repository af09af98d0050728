import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, createWriteStream, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentSocketPathFrom, loadConfig, stateDirFrom } from '../config.js';
import { DEFAULT_AGENT } from '../keys/agent-registry.js';
import { combinedCaBundlePath } from '../tls/ca-bundle.js';
import { agentEnvironment } from './agent-environment.js';
import { UsageError } from './args.js';
import { accepts, containerCredentialsFor, proxyPasswordFor } from './env.js';
import { commandKeyVariables, issueCommandKey, revokeCommandKey, type CommandKey } from './command-key.js';
import { credentialPaths, enterIsolation, startRelaysOutside, unshareArgv, type IsolationPlan } from './isolate.js';
import { childEnvironment } from './run-environment.js';

const PROXY_BIN = fileURLToPath(new URL('../../bin/iam-agent-proxy', import.meta.url));

/** How long a proxy `run` starts may take to print its banner. */
export const PROXY_START_TIMEOUT_MS = 30_000;
/** How long a proxy `run` started may take to exit after SIGTERM (it lets requests under way finish, 10 s by default) before it is killed. */
export const PROXY_STOP_TIMEOUT_MS = 15_000;
/** Signals `run` passes on to the command. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface RunArguments {
  agent?: string;
  isolate: boolean;
  /** Give the command static keys of its own (AWS_ACCESS_KEY_ID…), revoked when it exits. */
  staticKeys: boolean;
  help: boolean;
  command: string[];
}

/**
 * `run [--agent NAME] [--isolate] [--] <cmd> [args…]`: options until `--` or the first argument
 * that is not an option; everything after belongs to the command, `--help` included.
 */
export function parseRunArgs(args: string[]): RunArguments {
  const parsed: RunArguments = { isolate: false, staticKeys: true, help: false, command: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      parsed.command = args.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.command = args.slice(i);
      break;
    }
    const [name, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]) : [arg, undefined];
    if (name === 'help' || arg === '-h') {
      parsed.help = true;
    } else if (name === 'isolate' || name === 'no-static-keys') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      if (name === 'isolate') parsed.isolate = true;
      else parsed.staticKeys = false;
    } else if (name === 'agent') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '' || (inline === undefined && value === '--')) throw new UsageError('--agent needs a value');
      parsed.agent = value;
    } else {
      throw new UsageError(`unexpected argument "${arg}" (run [--agent <name>] [--isolate] [--no-static-keys] -- <command> [args...])`);
    }
  }
  if (!parsed.help && parsed.command.length === 0) throw new UsageError('run needs a command: iam-agent-proxy run [--agent <name>] -- <command> [args...]');
  return parsed;
}

/** Where a shell would find `command` on that PATH (an executable regular file), or undefined. */
export function findExecutable(command: string, path: string | undefined, cwd = process.cwd()): string | undefined {
  const executable = (candidate: string) => {
    try {
      if (!statSync(candidate).isFile()) return false;
      accessSync(candidate, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command === '') return undefined;
  if (command.includes('/')) return executable(resolve(cwd, command)) ? command : undefined;
  for (const dir of (path ?? '').split(delimiter)) {
    const candidate = resolve(cwd, dir || '.', command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The exit status a shell reports for a child that exited with `code` or was killed by `signal`. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? osConstants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

/** The Node flags on the bin script's `#!/usr/bin/env -S node …` line. */
export function nodeFlagsOf(script: string): string[] {
  const shebang = readFileSync(script, 'utf8').split('\n', 1)[0]!;
  return /^#!\/usr\/bin\/env -S node (.+)$/.exec(shebang)?.[1]!.split(/\s+/) ?? [];
}

/** `run` got this signal before the command started: it exits 128+n like a shell. */
class SignalledError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`${signal} while the proxy was starting: stopped it, nothing was run`);
  }
}

interface StartedProxy {
  stop(): Promise<void>;
}

/**
 * Starts `iam-agent-proxy start` with the parent's environment (real credentials included) in its
 * own process group (a terminal's Ctrl-C reaches the command, not the proxy), and waits for its
 * banner. Its output after the banner goes to <state dir>/run-proxy.log. On failure: an Error
 * holding the proxy's own error line.
 */
async function startProxy(env: NodeJS.ProcessEnv, logPath: string): Promise<StartedProxy> {
  const child = spawn(process.execPath, [...nodeFlagsOf(PROXY_BIN), PROXY_BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  let stdoutBuffered = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const onStdout = (chunk: string) => void (stdoutBuffered += chunk);
  const onStderr = (chunk: string) => void (stderr += chunk);
  child.stdout!.setEncoding('utf8').on('data', onStdout);
  child.stderr!.setEncoding('utf8').on('data', onStderr);
  // A signal while it starts: stop it (SIGTERM, so it restores the AWS config) and exit like a shell.
  const signalled: NodeJS.Signals[] = [];
  const onSignal: Array<readonly [NodeJS.Signals, () => void]> = [];
  const ready = await new Promise<'ok' | 'exited' | 'timeout' | Error | NodeJS.Signals>((done) => {
    const timer = setTimeout(() => done('timeout'), PROXY_START_TIMEOUT_MS);
    const finish = (outcome: 'ok' | 'exited' | 'timeout' | Error | NodeJS.Signals) => (clearTimeout(timer), done(outcome));
    for (const signal of FORWARDED_SIGNALS) {
      const handler = () => (signalled.push(signal), finish(signal));
      onSignal.push([signal, handler]);
      process.on(signal, handler);
    }
    child.stderr!.on('data', () => /listening on /.test(stderr) && finish('ok'));
    child.once('error', finish);
    child.once('exit', () => finish('exited'));
  });
  for (const [signal, handler] of onSignal) process.off(signal, handler);
  if (signalled.length > 0 && ready === 'ok') {
    child.kill('SIGTERM');
    await exited;
    throw new SignalledError(signalled[0]!);
  }
  if (ready !== 'ok') {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(typeof ready === 'string' && ready.startsWith('SIG') ? 'SIGTERM' : 'SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), PROXY_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    if (typeof ready === 'string' && ready.startsWith('SIG')) throw new SignalledError(ready as NodeJS.Signals);
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    const reason = ready instanceof Error ? ready.message : ready === 'timeout' ? `no banner within ${PROXY_START_TIMEOUT_MS / 1000} s` : `it exited (${child.exitCode ?? child.signalCode})`;
    const errorLines = lines.filter((line) => /^iam-agent-proxy: /.test(line)).map((line) => line.replace(/^iam-agent-proxy: /, ''));
    throw new Error(`the proxy did not start: ${errorLines.at(-1) ?? lines.at(-1) ?? reason}`);
  }
  const log = createWriteStream(logPath, { flags: 'a', mode: 0o600 });
  log.write(stderr + stdoutBuffered);
  child.stdout!.off('data', onStdout).on('data', (chunk: string) => log.write(chunk));
  child.stderr!.off('data', onStderr).on('data', (chunk: string) => log.write(chunk));
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), PROXY_STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((done) => log.end(done));
    },
  };
}

/** Runs the command to its end with signals passed on; resolves to its shell-style exit status. */
function runCommand(file: string, argv: string[], env: Record<string, string>, display: string, warn: (line: string) => void): Promise<number> {
  return new Promise((done) => {
    let child: ChildProcess;
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, () => forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const finish = (status: number) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      done(status);
    };
    child = spawn(file, argv, { env, stdio: 'inherit', argv0: display });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        warn(`${display}: command not found`);
        finish(127);
      } else {
        warn(`${display}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`);
        finish(126);
      }
    });
    child.once('exit', (code, signal) => finish(exitStatus(code, signal)));
  });
}

/** `iam-agent-proxy run`: resolves to the command's exit status (or 127/126 like a shell). */
export async function runCommandLine(args: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<number> {
  const parsed = parseRunArgs(args);
  if (parsed.isolate && process.platform !== 'linux') {
    warn('--isolate needs Linux namespaces (unshare); nothing was run');
    return 1;
  }
  const [command, ...commandArgs] = parsed.command as [string, ...string[]];
  const agent = parsed.agent ?? DEFAULT_AGENT;
  // The proxy's configuration; the parent may already be an agent's shell (AWS_PROFILE=iam-agent-proxy).
  const configEnv = { ...env, AWS_PROFILE: env.AWS_PROFILE === 'iam-agent-proxy' ? undefined : env.AWS_PROFILE };
  const config = loadConfig(configEnv);
  const socket = config.agents.some((declared) => declared.name === agent) ? agentSocketPathFrom(env, agent) : config.socketPath;
  // Checks the agent and the port before anything starts (container credentials come later: the port may be picked at start).
  const preview = childEnvironment(env, agentEnvironment({ config, env, agent }));
  const file = findExecutable(command, preview.PATH);
  if (file === undefined) {
    warn(`${command}: command not found`);
    return 127;
  }
  let proxy: StartedProxy | undefined;
  if (!(await accepts(socket))) {
    try {
      proxy = await startProxy(env, join(stateDirFrom(env), 'run-proxy.log'));
    } catch (error) {
      warn((error as Error).message);
      return error instanceof SignalledError ? exitStatus(null, error.signal) : 1;
    }
  }
  let relays: Awaited<ReturnType<typeof startRelaysOutside>> | undefined;
  let commandKey: CommandKey | undefined;
  try {
    const containerCredentials = containerCredentialsFor(agent, env);
    const variables = agentEnvironment({ config, env, agent, containerCredentials, proxyPassword: proxyPasswordFor(agent, env, warn) });
    if (parsed.staticKeys) {
      try {
        commandKey = await issueCommandKey(socket, socket === config.socketPath ? agent : undefined, config.lifetimes.maxSeconds);
      } catch (error) {
        warn(`${(error as Error).message}; nothing was run`);
        return 1;
      }
      variables.push(...commandKeyVariables(commandKey));
    }
    const childEnv = childEnvironment(env, variables);
    if (!parsed.isolate) return await runCommand(file, commandArgs, childEnv, command, warn);
    const credentialsPort = containerCredentials === undefined ? [] : [Number(new URL(containerCredentials.fullUri).port)];
    relays = await startRelaysOutside([config.port, ...credentialsPort]);
    const plan: IsolationPlan = {
      relays: relays.relays,
      hide: credentialPaths(env),
      stateDir: stateDirFrom(env),
      keep: [socket, config.caBundlePath, combinedCaBundlePath(config.caBundlePath)],
      scratch: relays.scratch,
    };
    const inner = [process.execPath, ...nodeFlagsOf(PROXY_BIN), PROXY_BIN, ISOLATED_COMMAND, JSON.stringify(plan), '--', file, ...commandArgs];
    return await runCommand('unshare', unshareArgv(inner), childEnv, command, warn);
  } finally {
    relays?.close();
    if (commandKey) await revokeCommandKey(config.adminSocketPath, commandKey, warn);
    await proxy?.stop();
  }
}

/** The hidden command `run --isolate` starts inside the namespaces: sets them up, then runs the command. */
export const ISOLATED_COMMAND = '__isolated';

export async function isolatedCommandLine(args: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<number> {
  const [planJson, separator, file, ...commandArgs] = args;
  if (planJson === undefined || separator !== '--' || file === undefined) throw new UsageError(`${ISOLATED_COMMAND} is internal to run --isolate`);
  let relay;
  try {
    relay = await enterIsolation(JSON.parse(planJson) as IsolationPlan);
  } catch (error) {
    warn(`--isolate could not set up the namespaces (${(error as Error).message}); nothing was run`);
    return 1;
  }
  try {
    return await runCommand(file, commandArgs, env as Record<string, string>, file, warn);
  } finally {
    relay.close();
  }
}
