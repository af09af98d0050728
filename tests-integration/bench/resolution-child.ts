/**
 * Run in a process of its own by resolution.ts, so its memory is the catalog's alone: how long
 * the resolver takes per request, what loading the catalog costs, and how much the data holds.
 * Prints one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IamReference } from '../../src/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest } from '../../src/pipeline/resolve/resolve.js';
import { defaultCatalog } from '../../src/services/catalog.js';
import { ACCOUNT_ID, awsRequest, type CaseRequest } from '../../test/support/resolve-case.js';

const CASES_DIR = fileURLToPath(new URL('../../test/pipeline/resolve/cases/', import.meta.url));
const rss = () => process.memoryUsage().rss / 2 ** 20;

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
  const request = awsRequest(spec);
  const match = deps.endpoints.match(request.hostname)[0];
  const [service, region] = spec.scope?.split('/') ?? [match?.signingName ?? 'execute-api', match?.hostRegion ?? 'us-east-1'];
  const started = performance.now();
  await resolveRequest(request, { scope: { service: service!, region: region! }, accountId: ACCOUNT_ID, readBody: async () => request.body ?? Buffer.alloc(0) }, deps);
  return (performance.now() - started) * 1000;
}

const firstStarted = performance.now();
for (const spec of requests) await resolveOnce(spec);
const firstPassMs = performance.now() - firstStarted;
for (let round = 0; round < 20; round++) for (const spec of requests) await resolveOnce(spec);
const samples: number[] = [];
for (let round = 0; round < 50; round++) for (const spec of requests) samples.push(await resolveOnce(spec));
samples.sort((a, b) => a - b);
const inUse = rss();
for (const id of Object.keys(catalog.index.services)) catalog.service(id);
const allLoaded = rss();

console.log(
  JSON.stringify({
    requests: requests.length,
    services: new Set(requests.map((r) => r.host)).size,
    loadMs,
    firstPassMs,
    medianUs: samples[Math.floor(samples.length / 2)],
    p99Us: samples[Math.floor(samples.length * 0.99)],
    baselineMiB: baseline,
    inUseMiB: inUse - baseline,
    allLoadedMiB: allLoaded - baseline,
  }),
);
