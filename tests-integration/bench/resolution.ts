/**
 * 6. Resolution: per-request time of the resolver over the golden cases' requests, the catalog's
 * load time and resident memory (measured in a child process), and the proxy's start-up time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../support/proxy-process.js';

export interface ResolutionResult {
  requests: number;
  services: number;
  loadMs: number;
  firstPassMs: number;
  medianUs: number;
  p99Us: number;
  baselineMiB: number;
  inUseMiB: number;
  /** Heap the remaining service models add when every one is loaded. */
  allModelsHeapMiB: number;
  /** Spawn to the listening banner, ms, median of a few starts. */
  startupMs: number;
}

const CHILD = fileURLToPath(new URL('./resolution-child.ts', import.meta.url));

export async function measureResolution(): Promise<ResolutionResult> {
  const child = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as Omit<ResolutionResult, 'startupMs'>;
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const proxy = await startProxy();
    starts.push(performance.now() - started);
    await proxy.stop();
  }
  starts.sort((a, b) => a - b);
  return { ...child, startupMs: starts[2]! };
}
