/** The benchmark's knobs; the environment variables are described at the top of bench.ts. */
import { join, resolve } from 'node:path';

export const LATENCY_N = envInt('BENCH_LATENCY_N', 2000);
export const LATENCY_WARMUP = 300;
/** Proxied and direct alternate in blocks of this many requests, so drift hits both alike. */
export const LATENCY_BLOCK = 100;
export const THROUGHPUT_MS = envInt('BENCH_THROUGHPUT_SECONDS', 10) * 1000;
export const CONCURRENCY = envInt('BENCH_CONCURRENCY', 32);
export const NEW_HOST_REGIONS = ['us-west-1', 'us-west-2', 'us-east-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-south-1', 'ap-northeast-1', 'ap-southeast-2', 'sa-east-1'];
/**
 * sts.<region> hosts the proxy mints certificates for at start (its region, AWS_REGION, is not set by the bench:
 * us-east-1), timed as a row of their own; NEW_HOST_REGIONS are none of them.
 */
export const PREMINTED_REGIONS = ['us-east-1'];
/** Where the proxy's CPU profile goes; undefined unless BENCH_PROXY_CPU_PROF asks for one. */
export const CPU_PROF_FILE = process.env.BENCH_PROXY_CPU_PROF ? join(resolve(process.env.BENCH_PROXY_CPU_PROF), 'proxy-throughput.cpuprofile') : undefined;
/** The same for the enforce-mode proxied run. */
export const CPU_PROF_FILE_ENFORCE = CPU_PROF_FILE?.replace(/\.cpuprofile$/, '-enforce.cpuprofile');
/** 2b's two proxies, freshly started, serve this long together, untimed, before their runs. */
export const ENFORCE_WARMUP_MS = 5000;
/** 2b alternates record and enforce mode in this many blocks each, of THROUGHPUT_MS / ENFORCE_BLOCKS. */
export const ENFORCE_BLOCKS = 4;

/** 9. Load: this many keep-alive clients through a proxy of their own for LOAD_MS; errors counted (the goal is none). */
export const LOAD_CONCURRENCY = envInt('BENCH_LOAD_CONCURRENCY', 64);
export const LOAD_MS = envInt('BENCH_LOAD_SECONDS', 60) * 1000;
/** 9. Soak: the same run goes on until this many requests are answered; VmRSS read at a tenth of them and at all. */
export const SOAK_REQUESTS = envInt('BENCH_SOAK_REQUESTS', 200_000);

/** 8. Streaming: MiB per PUT and per GET (a GiB), and how many times each runs, direct and proxied alternately. */
export const STREAM_MIB = envInt('BENCH_STREAM_MIB', 1024);
export const STREAM_ROUNDS = envInt('BENCH_STREAM_ROUNDS', 2);

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
