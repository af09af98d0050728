/**
 * Optional V8 CPU profile of the proxy during the proxied throughput run (BENCH_PROXY_CPU_PROF).
 * Node 20 refuses --cpu-prof in NODE_OPTIONS, so cpu-profile-preload.mjs is preloaded instead and
 * SIGUSR2 starts and stops it: only the timed window is profiled.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { REPO } from '../support/proxy-process.js';

export interface Profiler {
  start(): void;
  /** Resolves once the profile is written (or after 10 s). */
  stop(): Promise<void>;
}

/** Environment for the proxy that makes it profilable into `file`; clears any older profile there. */
export function profilingEnv(file: string | undefined): Record<string, string> {
  if (!file) return {};
  mkdirSync(dirname(file), { recursive: true });
  rmSync(file, { force: true });
  const preload = pathToFileURL(join(import.meta.dirname, 'cpu-profile-preload.mjs')).href;
  return { NODE_OPTIONS: `--import ${preload}`, BENCH_CPU_PROFILE_OUT: file };
}

export function proxyProfiler(pid: number, file: string): Profiler {
  return {
    start: () => void process.kill(pid, 'SIGUSR2'),
    async stop() {
      process.kill(pid, 'SIGUSR2');
      for (let waited = 0; waited < 10_000 && !existsSync(file); waited += 100) await sleep(100);
    },
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** The profile's busy time by function and by package or place, largest first. */
export function summariseProfile(file: string): string[] {
  if (!existsSync(file)) return [`  no profile was written to ${file}`];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
  }
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const key = `${functionName || '(anonymous)'}  ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const place = ['(garbage collector)', '(program)'].includes(functionName) ? functionName : placeOf(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const top = (totals: Map<string, number>, n: number): string[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, us]) => `    ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  return [
    `  ${file}: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle during the proxied throughput run; % of busy time`,
    '  top self time by function:',
    ...top(byFunction, 25),
    '  self time by place:',
    ...top(byPlace, 15),
  ];
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(`${REPO}/`, '')
    .replace(/^.*node_modules\//, 'node_modules/');
}

/** A package, a Node internal module, the proxy's own dist/, or the VM. */
function placeOf(url: string): string {
  if (!url) return '(native / VM)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(\w+).*/, 'node:internal/$1');
  const short = shortUrl(url);
  const pkg = /^node_modules\/((@[^/]+\/)?[^/]+)/.exec(short);
  return pkg ? pkg[1]! : short.startsWith('dist/') ? 'iam-agent-proxy (dist/)' : short;
}
