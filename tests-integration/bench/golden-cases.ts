/**
 * The golden resolution cases' requests (test/pipeline/resolve/cases/*.jsonl), resolved and signed
 * with the built proxy code (dist/): shared by resolution-child.ts and decision-child.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRawQuery, splitTarget } from '../../dist/aws/query.js';
import { createSigner } from '../../dist/aws/signer.js';
import { AwsRequest } from '../../dist/pipeline/intercept/aws-request.js';
import type { EndpointMatcher } from '../../dist/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest, type ResolveDeps, type Resolution } from '../../dist/pipeline/resolve/resolve.js';
import { ACCOUNT_ID, requestParts, type CaseRequest } from '../../test/support/case-request.js';

const CASES_DIR = fileURLToPath(new URL('../../test/pipeline/resolve/cases/', import.meta.url));

/** Every request of the case files (not the `_pending` ones). */
export function caseRequests(): CaseRequest[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.jsonl') && !f.startsWith('_'))
    .flatMap((f) => readFileSync(CASES_DIR + f, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('//')))
    .map((line) => (JSON.parse(line) as { request: CaseRequest }).request);
}

/** The signature's scope: the case's own, else what its host signs with. */
function scopeOf(spec: CaseRequest, hostname: string, endpoints: EndpointMatcher): { service: string; region: string } {
  const match = endpoints.match(hostname)[0];
  const [service, region] = spec.scope?.split('/') ?? [match?.signingName ?? 'execute-api', match?.hostRegion ?? 'us-east-1'];
  return { service: service!, region: region! };
}

/** Resolves one request as the proxy does; only resolveRequest itself is timed (µs). */
export async function timedResolve(spec: CaseRequest, deps: ResolveDeps): Promise<{ resolution: Resolution; us: number }> {
  const parts = requestParts(spec);
  const request = new AwsRequest(parts.method, parts.target, parts.hostname, parts.headers, parts.rawHeaders);
  if (parts.body) request.setBody(parts.body);
  const scope = scopeOf(spec, request.hostname, deps.endpoints);
  const started = performance.now();
  const resolution = await resolveRequest(request, { scope, accountId: ACCOUNT_ID, readBody: async () => request.body ?? Buffer.alloc(0) }, deps);
  return { resolution, us: (performance.now() - started) * 1000 };
}

/**
 * The baseline, timed in the same process over the same requests: one SigV4 signature of the
 * request with the proxy's signer (it makes two per request: verify, re-sign), µs. This machine's
 * speed drifts between runs; the ratio to it does much less.
 */
export async function timedSign(spec: CaseRequest, endpoints: EndpointMatcher): Promise<number> {
  const parts = requestParts(spec);
  const { rawPath, rawQuery } = splitTarget(parts.target);
  const { service, region } = scopeOf(spec, parts.hostname, endpoints);
  const started = performance.now();
  const signer = createSigner(SIGNING_KEY, region, service);
  await signer.sign({ method: parts.method, protocol: 'https:', hostname: parts.hostname, path: rawPath, query: parseRawQuery(rawQuery), headers: { ...parts.headers, host: parts.hostname }, body: parts.body });
  return (performance.now() - started) * 1000;
}
const SIGNING_KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
