import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeFlagsOf } from '../../src/cli/run.js';
import type { FakeAws } from './fake-aws.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const PROXY_BIN = join(REPO, 'bin', 'iam-agent-proxy');
export const PROXY_CREDS_BIN = join(REPO, 'bin', 'proxy-creds');

/** The real credentials the proxy re-signs with; the fake upstream accepts only these. */
export const REAL = { accessKeyId: 'AKIAREALTESTKEY00001', secretAccessKey: 'real/Secret+Key0000000000000000000000001' };

export interface ProxyRun {
  child: ChildProcess;
  home: string;
  stateDir: string;
  port: number;
  url: string;
  stdout: string[];
  stderr: () => string;
  /** Environment for an agent process: AWS_PROFILE=iam-agent-proxy through this proxy. */
  agentEnv: Record<string, string>;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

/** Base environment with nothing from the developer's own AWS setup leaking in. */
export function cleanEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', AWS_EC2_METADATA_DISABLED: 'true', NO_PROXY: '', no_proxy: '' };
}

/** Runs the built proxy as a child process, as a user would, and waits for its banner. */
/**
 * `args`: after the bin (e.g. --log-format json); `wrap`: a command the proxy runs under
 * (unshare ... exec "$@"), which must exec it in place; `bin`: another build's bin/iam-agent-proxy
 * (the bench's A/B comparisons), this checkout's by default.
 */
export async function startProxy(options: { upstream?: FakeAws; home?: string; env?: Record<string, string>; port?: number; args?: string[]; wrap?: string[]; bin?: string } = {}): Promise<ProxyRun> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'iap-home-'));
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    ...cleanEnv(home),
    AWS_ACCESS_KEY_ID: REAL.accessKeyId,
    AWS_SECRET_ACCESS_KEY: REAL.secretAccessKey,
    PROXY_PORT: String(port),
    ...(options.upstream ? { PROXY_UPSTREAM_ENDPOINT: options.upstream.endpoint, NODE_EXTRA_CA_CERTS: options.upstream.caFile } : {}),
    ...options.env,
  };
  const bin = options.bin ?? PROXY_BIN;
  const command = [process.execPath, ...nodeFlagsOf(bin), bin, ...(options.args ?? [])];
  const [program, ...args] = [...(options.wrap ?? []), ...command];
  const child = spawn(program!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    stdout.push(...lines);
    waiters.splice(0).forEach((wake) => wake());
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    waiters.splice(0).forEach((wake) => wake());
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const until = async (check: () => string | undefined, timeoutMs: number, what: string): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} not seen; stderr: ${stderr}; stdout: ${stdout.join('\n')}`);
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, 100);
      });
    }
  };
  const stateDir = env.IAM_AGENT_PROXY_HOME ?? join(home, '.iam-agent-proxy');
  const run: ProxyRun = {
    child,
    home,
    stateDir,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout,
    stderr: () => stderr,
    agentEnv: {
      ...cleanEnv(home),
      AWS_PROFILE: 'iam-agent-proxy',
      HTTPS_PROXY: `http://127.0.0.1:${port}`,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      NODE_EXTRA_CA_CERTS: join(stateDir, 'ca.pem'),
      ...(env.AWS_CONFIG_FILE ? { AWS_CONFIG_FILE: env.AWS_CONFIG_FILE } : {}),
      ...(env.PROXY_SOCK_PATH ? { PROXY_SOCK_PATH: env.PROXY_SOCK_PATH } : {}),
      ...(env.IAM_AGENT_PROXY_HOME ? { IAM_AGENT_PROXY_HOME: env.IAM_AGENT_PROXY_HOME } : {}),
    },
    waitForStdout: (pattern, timeoutMs = 10_000) => until(() => stdout.find((line) => pattern.test(line)), timeoutMs, `stdout line ${pattern}`),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
  await until(() => (/listening on/.test(stderr) ? 'ok' : undefined), 20_000, 'proxy banner');
  return run;
}

/** The environment of one named agent: its proxy-creds (run by the SDKs) asks for that agent's keys. */
export function agentEnvFor(proxy: ProxyRun, agent: string): Record<string, string> {
  return { ...proxy.agentEnv, PROXY_AGENT_NAME: agent };
}

/**
 * The action log's action records so far (not its chain headers or lost-record notes). The proxy answers a call before its record reaches the file, so a
 * client can finish first: read once the file has stopped growing for a moment (at most ~1 s).
 */
export function actionRecords(proxy: ProxyRun): Array<Record<string, unknown>> {
  const path = join(proxy.stateDir, 'actions.log');
  const read = () => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  let text = read();
  for (let i = 0; i < 40; i++) {
    Atomics.wait(PAUSE, 0, 0, 25);
    const again = read();
    if (again === text) break;
    text = again;
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.kind === undefined);
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Runs a command to completion and returns its output (never throws on a non-zero exit). */
export function run(command: string, args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Debian's AWS CLI v2 (a pyenv shim may shadow `aws` on PATH). */
export const AWS_CLI = '/usr/bin/aws';
/** Debian's python3, which has Debian's python3-boto3. */
export const PYTHON = '/usr/bin/python3';
