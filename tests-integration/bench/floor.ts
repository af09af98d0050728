/** Starts floor-proxy.ts (Node's pass-through, the floor under the proxy's cost) as a child process, for the bench. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { STS_HOST, tunnelThroughProxy, type Connector } from './client.js';

export interface FloorProxy {
  pid: number;
  connector: Connector;
  stop(): Promise<void>;
}

export async function startFloorProxy(upstreamPort: number): Promise<FloorProxy> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./floor-proxy.ts', import.meta.url).pathname, String(upstreamPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`floor proxy exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port, caPem } = JSON.parse(first) as { port: number; caPem: string };
  return {
    pid: child.pid!,
    connector: () => tunnelThroughProxy(port, STS_HOST, caPem),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000).then(() => void child.kill('SIGKILL'))]);
    },
  };
}
