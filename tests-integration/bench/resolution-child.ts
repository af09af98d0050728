/**
 * Run in a process of its own by resolution.ts, so its memory is the catalog's alone: how long
 * the resolver takes per request, what loading the catalog costs, and how much the data holds.
 * It measures the built proxy (dist/, as `npm run bench` builds it first), not the sources
 * through tsx. Prints one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AwsRequest } from '../../dist/pipeline/intercept/aws-request.js';
import { IamReference } from '../../dist/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../dist/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest } from '../../dist/pipeline/resolve/resolve.js';
import { defaultCatalog } from '../../dist/services/catalog.js';
import { createSigner } from '../../dist/aws/signer.js';
import { parseRawQuery, splitTarget } from '../../dist/aws/query.js';
import { ACCOUNT_ID, requestParts, type CaseRequest } from '../../test/support/case-request.js';

const CASES_DIR = fileURLToPath(new URL('../../test/pipeline/resolve/cases/', import.meta.url));
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

const requests: CaseRequest[] = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.jsonl') && !f.startsWith('_'))
  .flatMap((f) => readFileSync(CASES_DIR + f, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('//')))
  .map((line) => (JSON.parse(line) as { request: CaseRequest }).request);

async function resolveOnce(spec: CaseRequest): Promise<number> {
  const parts = requestParts(spec);
  const request = new AwsRequest(parts.method, parts.target, parts.hostname, parts.headers, parts.rawHeaders);
  if (parts.body) request.setBody(parts.body);
  const match = deps.endpoints.match(request.hostname)[0];
  const [service, region] = spec.scope?.split('/') ?? [match?.signingName ?? 'execute-api', match?.hostRegion ?? 'us-east-1'];
  const started = performance.now();
  await resolveRequest(request, { scope: { service: service!, region: region! }, accountId: ACCOUNT_ID, readBody: async () => request.body ?? Buffer.alloc(0) }, deps);
  return (performance.now() - started) * 1000;
}

/**
 * The baseline, timed in the same process over the same requests: one SigV4 signature of the
 * request with the proxy's signer (it makes two per request: verify, re-sign). This machine's speed
 * drifts between runs; the ratio to it does much less.
 */
async function signOnce(spec: CaseRequest): Promise<number> {
  const parts = requestParts(spec);
  const { rawPath, rawQuery } = splitTarget(parts.target);
  const match = deps.endpoints.match(parts.hostname)[0];
  const [service, region] = spec.scope?.split('/') ?? [match?.signingName ?? 'execute-api', match?.hostRegion ?? 'us-east-1'];
  const started = performance.now();
  const signer = createSigner(SIGNING_KEY, region!, service!);
  await signer.sign({ method: parts.method, protocol: 'https:', hostname: parts.hostname, path: rawPath, query: parseRawQuery(rawQuery), headers: { ...parts.headers, host: parts.hostname }, body: parts.body });
  return (performance.now() - started) * 1000;
}
const SIGNING_KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

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
