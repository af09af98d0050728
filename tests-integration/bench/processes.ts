/** Helpers around the processes under test: the fake upstream in its own process, the proxy's log, proxy-creds. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROXY_CREDS_BIN, run, type ProxyRun } from '../support/proxy-process.js';
import type { Credentials } from './client.js';

export interface UpstreamStats {
  verified: number;
  refused: number;
  firstFailure?: string;
  /** TLS connections accepted (the fake upstream only; the streaming upstream leaves it out). */
  connections?: number;
}

export interface Upstream {
  child: ChildProcess;
  endpoint: string;
  port: number;
  caFile: string;
  caPem: string;
  /** Counts since the previous call: reading them resets them. */
  stats(): Promise<UpstreamStats>;
  stop(): Promise<void>;
}

/** Forks an upstream (fake-upstream-process.ts, or streaming-upstream.ts), so its work does not share this process's event loop. */
export function startUpstream(script = 'fake-upstream-process.ts'): Promise<Upstream> {
  const child = fork(join(import.meta.dirname, script), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolveUpstream, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake upstream exited with ${code}`)));
    child.once('message', (message: { endpoint: string; caFile: string; caPem: string }) => {
      const nextMessage = <T>(): Promise<T> => new Promise((got) => child.once('message', (m) => got(m as T)));
      resolveUpstream({
        child,
        endpoint: message.endpoint,
        port: Number(new URL(message.endpoint).port),
        caFile: message.caFile,
        caPem: message.caPem,
        async stats() {
          const reply = nextMessage<{ stats: UpstreamStats }>();
          child.send('stats');
          return (await reply).stats;
        },
        async stop() {
          if (child.exitCode !== null) return;
          const exited = new Promise<void>((done) => child.once('exit', () => done()));
          child.send('stop');
          await Promise.race([exited, sleep(3000).then(() => void child.kill())]);
        },
      });
    });
  });
}

export interface LineCounter {
  /** Starts counting from now. */
  mark(): void;
  linesSinceMark(): number;
}

/** Counts the proxy's stdout lines (one per request) without keeping them, as the run's log is large. */
export function countStdoutLines(proxy: ProxyRun): LineCounter {
  let lines = 0;
  let marked = 0;
  const stdout = proxy.child.stdout!;
  stdout.removeAllListeners('data');
  proxy.stdout.length = 0;
  stdout.on('data', (chunk: string) => {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
  });
  return {
    mark: () => void (marked = lines),
    linesSinceMark: () => lines - marked,
  };
}

/** The fake credentials an agent gets from proxy-creds. */
export async function issueAgentCredentials(proxy: ProxyRun): Promise<Credentials> {
  const creds = await run(process.execPath, [PROXY_CREDS_BIN], { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: proxy.home });
  if (creds.code !== 0) throw new Error(`proxy-creds failed: ${creds.stderr}`);
  const issued = JSON.parse(creds.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  return { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey };
}
