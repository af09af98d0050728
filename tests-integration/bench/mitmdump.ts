/**
 * A reference point: the same load through Debian's mitmproxy (`mitmdump`, 8.1), a plain
 * TLS-intercepting proxy that verifies and signs nothing. It trusts its own CA towards the client and
 * nothing towards the fake upstream (ssl_insecure: the fake's certificate names 127.0.0.1, the TLS
 * name is sts.amazonaws.com). Clients CONNECT to 127.0.0.1:<upstream port> with the TLS server name and
 * Host sts.amazonaws.com, so mitmdump dials the fake and the fake's aws4 check sees the signed Host.
 * mitmdump prints one line per request (its default flow_detail 1), as the proxy prints one.
 * Absent (`mitmdump` not on PATH) or BENCH_MITMPROXY=0: the bench says so in one line and goes on.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/proxy-process.js';
import { STS_HOST, tunnelThroughProxy, type Connector } from './client.js';

export interface Mitmdump {
  pid: number;
  version: string;
  connector: Connector;
  stop(): Promise<void>;
}

/** Why there is no mitmdump run, or undefined when there can be one. */
export function mitmdumpMissing(): string | undefined {
  if (process.env.BENCH_MITMPROXY === '0') return 'BENCH_MITMPROXY=0';
  const found = spawnSync('mitmdump', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) return 'mitmdump is not installed (apt-get install mitmproxy)';
  return undefined;
}

export async function startMitmdump(upstreamPort: number): Promise<Mitmdump> {
  const version = /Mitmproxy:\s*(\S+)/.exec(spawnSync('mitmdump', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const confdir = mkdtempSync(join(tmpdir(), 'iap-bench-mitmdump-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mitmdump',
    ['--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${confdir}`, '--set', 'ssl_insecure=true', '--set', 'http2=false'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 4096) output += chunk.toString();
  };
  child.stdout!.on('data', keep); // flow lines: read and dropped, as the proxy's are
  child.stderr!.on('data', keep);
  const caFile = join(confdir, 'mitmproxy-ca-cert.pem');
  for (let waited = 0; !(existsSync(caFile) && /listening at/i.test(output)); waited += 100) {
    if (child.exitCode !== null || waited > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`mitmdump did not start: ${output.slice(0, 500)}`);
    }
    await sleep(100);
  }
  const ca = readFileSync(caFile, 'utf8');
  return {
    pid: child.pid!,
    version,
    connector: () => tunnelThroughProxy(port, STS_HOST, ca, undefined, `127.0.0.1:${upstreamPort}`),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(3000).then(() => void child.kill('SIGKILL'))]);
      }
      rmSync(confdir, { recursive: true, force: true });
    },
  };
}
