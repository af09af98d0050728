/**
 * 6. Resolution: per-request time of the resolver over the golden cases' requests, the catalog's
 * load time and resident memory (measured in a child process), and the proxy's start-up time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../support/proxy-process.js';

export interface ResolutionResult {
  requests: number;
  services: number;
  loadMs: number;
  firstPassMs: number;
  medianUs: number;
  p99Us: number;
  /** Resolution interleaved with the baseline, median µs. */
  interleavedMedianUs: number;
  /** Baseline, interleaved in the same process: one SigV4 signature of the same request, median µs. */
  signMedianUs: number;
  baselineMiB: number;
  inUseMiB: number;
  /** Heap the remaining service models add when every one is loaded. */
  allModelsHeapMiB: number;
  /** Spawn to the listening banner, ms, median: with the state directory made before (the CA exists). */
  startupMs: number;
  /** The same for a first start, which makes the CA. */
  firstStartupMs: number;
  /** The bench request's steps in the built proxy code, µs each (hot-path-child.ts). */
  steps: Record<string, number>;
}

const CHILD = fileURLToPath(new URL('./resolution-child.ts', import.meta.url));
const STEPS_CHILD = fileURLToPath(new URL('./hot-path-child.ts', import.meta.url));

export async function measureResolution(): Promise<ResolutionResult> {
  const child = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as Omit<ResolutionResult, 'startupMs' | 'firstStartupMs'>;
  // A first start makes the CA (an RSA-3072 key: its time varies); later starts load it.
  const first: number[] = [];
  const later: number[] = [];
  for (let home = 0; home < 3; home++) {
    const dir = mkdtempSync(join(tmpdir(), 'iap-bench-home-'));
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const proxy = await startProxy({ home: dir });
      (run === 0 ? first : later).push(performance.now() - started);
      await proxy.stop();
    }
  }
  const steps = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', STEPS_CHILD], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as Record<string, number>;
  return { ...child, firstStartupMs: median(first), startupMs: median(later), steps };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
