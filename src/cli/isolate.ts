import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * `run --isolate` on Linux: the command runs in its own network namespace, where the only things
 * listening are relays on 127.0.0.1:<proxy port> (and the credential endpoint's port, when the proxy
 * serves one) to the proxy (through Unix sockets, which the namespaces share as files), and its own
 * mount namespace, where the real credential files and the
 * proxy's state are covered: the state directory is an empty tmpfs but for the agent's socket and
 * the CA files, bound back in. `unshare` and `mount` come from util-linux, `ip` from iproute2.
 */

/** A loopback port inside that leads, through a Unix socket, to the same port outside. */
export interface Relay {
  port: number;
  socket: string;
}

/** What the isolated side needs to know; passed as one JSON argument. */
export interface IsolationPlan {
  /** The proxy's port, and the credential endpoint's. */
  relays: Relay[];
  /** Covered by an empty tmpfs (directories) or /dev/null (files), if they exist. */
  hide: string[];
  /** The state directory: an empty tmpfs in the namespace, but for `keep`. */
  stateDir: string;
  /** Files inside stateDir the agent needs (its socket, ca.pem, ca-bundle.pem). */
  keep: string[];
  /** A private scratch directory outside, for staging the kept files. */
  scratch: string;
}

export class IsolationError extends Error {}

/** The files that hold real credentials or their caches, for a user with that home and environment. */
export function credentialPaths(env: NodeJS.ProcessEnv, home = env.HOME || homedir()): string[] {
  const paths = [join(home, '.aws', 'credentials'), join(home, '.aws', 'sso', 'cache'), join(home, '.aws', 'cli', 'cache'), join(home, '.aws', 'login', 'cache')];
  if (env.AWS_SHARED_CREDENTIALS_FILE) paths.push(env.AWS_SHARED_CREDENTIALS_FILE);
  return paths;
}

/** The `unshare` invocation for `argv` (the isolated side's own command line); root needs no user namespace. */
export function unshareArgv(argv: string[], uid = process.getuid?.() ?? 0): string[] {
  return ['--net', '--mount', '--fork', ...(uid === 0 ? [] : ['--user', '--map-root-user']), '--', ...argv];
}

/** Outside: for each port, a Unix socket in a fresh private directory, each connection piped to 127.0.0.1:<port>. */
export async function startRelaysOutside(ports: number[]): Promise<{ relays: Relay[]; scratch: string; close(): void }> {
  const scratch = mkdtempSync(join(tmpdir(), 'iap-isolate-'));
  const servers: Server[] = [];
  const close = () => {
    for (const server of servers) server.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const relays = await Promise.all(
      ports.map(async (port) => {
        const socket = join(scratch, `port-${port}.sock`);
        const server = createServer((client) => pipeBoth(client, connect(port, '127.0.0.1')));
        servers.push(server);
        await new Promise<void>((done, fail) => server.once('error', fail).listen(socket, done));
        return { port, socket };
      }),
    );
    return { relays, scratch, close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * Inside the namespaces, before the command starts: mounts private, credential files covered, the
 * state directory emptied but for what the agent needs, loopback up, and the relay listening.
 * Throws IsolationError with what failed; the command is then never started.
 */
export async function enterIsolation(plan: IsolationPlan): Promise<{ close(): void }> {
  run('mount', ['--make-rprivate', '/']);
  // Only what the tmpfs will cover is staged and bound back (a placeholder elsewhere would clobber a real file).
  const covered = (path: string) => path.startsWith(`${plan.stateDir}/`);
  const staged = plan.keep.filter((path) => covered(path) && existsSync(path)).map((path, i) => {
    const stage = join(plan.scratch, `keep-${i}`);
    closeSync(openSync(stage, 'w', 0o600));
    run('mount', ['--bind', path, stage]);
    return { path, stage };
  });
  run('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'tmpfs', plan.stateDir]);
  for (const { path, stage } of staged) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'w', 0o600));
    run('mount', ['--bind', stage, path]);
  }
  for (const path of plan.hide) {
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) run('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'tmpfs', path]);
    else run('mount', ['--bind', '/dev/null', path]);
  }
  run('ip', ['link', 'set', 'lo', 'up']);
  const servers: Server[] = [];
  const close = () => servers.forEach((server) => server.close());
  try {
    for (const relay of plan.relays) {
      const server = createServer((client) => pipeBoth(client, connect(relay.socket)));
      servers.push(server);
      await new Promise<void>((done, fail) => server.once('error', fail).listen(relay.port, '127.0.0.1', done));
    }
  } catch (error) {
    close();
    throw new IsolationError(`a relay could not listen inside: ${(error as Error).message}`);
  }
  return { close };
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = result.error?.message ?? result.stderr.trim().split('\n').at(-1) ?? `exit ${result.status}`;
    throw new IsolationError(`${command} ${args.join(' ')} failed: ${why}`);
  }
}

function pipeBoth(a: import('node:net').Socket, b: import('node:net').Socket): void {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}
