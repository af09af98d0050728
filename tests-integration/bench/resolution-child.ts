/**
 * Run in a process of its own by resolution.ts, so its memory is the catalog's alone: how long
 * the resolver takes per request, what loading the catalog costs, and how much the data holds.
 * It measures the built proxy (dist/, as `npm run bench` builds it first), not the sources
 * through tsx. Prints one JSON line.
 */
import { IamReference } from '../../dist/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../dist/pipeline/resolve/endpoint/match-endpoint.js';
import { defaultCatalog } from '../../dist/services/catalog.js';
import type { CaseRequest } from '../../test/support/case-request.js';
import { caseRequests, timedResolve, timedSign } from './golden-cases.js';

/** MiB once garbage is collected (the parent runs this with --expose-gc): what the data holds, not what requests left behind. */
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};
const heapUsed = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const baseline = rss();
const loadStarted = performance.now();
const catalog = defaultCatalog();
const deps = { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };
const loadMs = performance.now() - loadStarted;

const requests: CaseRequest[] = caseRequests();
const resolveOnce = async (spec: CaseRequest): Promise<number> => (await timedResolve(spec, deps)).us;
const signOnce = (spec: CaseRequest): Promise<number> => timedSign(spec, deps.endpoints);

const firstStarted = performance.now();
for (const spec of requests) await resolveOnce(spec);
const firstPassMs = performance.now() - firstStarted;
const inUse = rss();
// V8 keeps optimising for a while: the figures are for a proxy that has served some traffic.
for (let round = 0; round < 100; round++) for (const spec of requests) await resolveOnce(spec);
const samples: number[] = [];
for (let round = 0; round < 50; round++) for (const spec of requests) samples.push(await resolveOnce(spec));
// Then interleaved with the baseline, so both see the same machine (and each other's cache footprint, as in the proxy).
for (let round = 0; round < 20; round++) for (const spec of requests) await signOnce(spec);
const mixedResolve: number[] = [];
const mixedSign: number[] = [];
for (let round = 0; round < 30; round++) {
  for (const spec of requests) {
    mixedResolve.push(await resolveOnce(spec));
    mixedSign.push(await signOnce(spec));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
samples.sort((a, b) => a - b);
// Timed with only the services in use loaded, as a proxy runs; then every model, for its heap.
const heapBefore = heapUsed();
for (const id of Object.keys(catalog.index.services)) catalog.service(id);
const allModelsHeap = heapUsed() - heapBefore;

console.log(
  JSON.stringify({
    requests: requests.length,
    services: new Set(requests.map((r) => deps.endpoints.match(r.host.toLowerCase())[0]?.service ?? 'execute-api')).size,
    loadMs,
    firstPassMs,
    medianUs: samples[Math.floor(samples.length / 2)],
    p99Us: samples[Math.floor(samples.length * 0.99)],
    interleavedMedianUs: median(mixedResolve),
    signMedianUs: median(mixedSign),
    baselineMiB: baseline,
    inUseMiB: inUse - baseline,
    allModelsHeapMiB: allModelsHeap,
  }),
);
