/**
 * The proxy's per-request steps timed one by one, in a process of its own, over the bench's request
 * (STS GetCallerIdentity signed with aws4 by an issued key): parse and check the signature claim,
 * verify the signature, resolve, re-sign, and write the log record and console line. µs per step,
 * median of rounds of 2,000 after a warm-up. Run with node --import tsx; prints one JSON line.
 */
import aws4 from 'aws4';
import { readSignatureClaim, verifySignatureClaim } from '../../dist/pipeline/authenticate/authenticate.js';
import { identifyCaller } from '../../dist/pipeline/authenticate/caller.js';
import { AwsRequest } from '../../dist/pipeline/intercept/aws-request.js';
import { consoleLines } from '../../dist/pipeline/log/action-log.js';
import { IamReference } from '../../dist/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../dist/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest } from '../../dist/pipeline/resolve/resolve.js';
import { outboundRequest } from '../../dist/pipeline/resign/outbound.js';
import { defaultCatalog } from '../../dist/services/catalog.js';
import { REAL } from '../support/proxy-process.js';
import { BODY, CONTENT_TYPE, STS_HOST } from './client.js';

const agent = { accessKeyId: 'AKIAAGENTKEY00000001', secretAccessKey: 'agent/Secret+Key000000000000000000000001' };
const key = { ...agent, agent: 'bench', issuedAt: Date.now() - 1000, expiresAt: Date.now() + 3600_000 };
const lookupKey = () => ({ status: 'valid' as const, key });
const body = Buffer.from(BODY);
const catalog = defaultCatalog();
const deps = { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };

function request(): AwsRequest {
  const signed = aws4.sign({ host: STS_HOST, method: 'POST', path: '/', service: 'sts', region: 'us-east-1', body: BODY, headers: { 'Content-Type': CONTENT_TYPE } }, agent);
  const headers: Record<string, string> = { 'user-agent': 'bench', accept: '*/*', 'content-length': String(body.length), connection: 'keep-alive' };
  for (const [name, value] of Object.entries(signed.headers as Record<string, string>)) headers[name.toLowerCase()] = String(value);
  const rawHeaders = Object.entries(headers).flat();
  const r = new AwsRequest('POST', '/', STS_HOST, headers, rawHeaders);
  r.setBody(body);
  return r;
}

const now = new Date();
const steps: Record<string, (r: AwsRequest) => Promise<unknown> | unknown> = {
  claim: (r) => readSignatureClaim(r, now),
  verify: async (r) => {
    const claim = readSignatureClaim(r, now);
    if (!claim.ok) throw new Error(claim.error.message);
    const v = await verifySignatureClaim(r, claim.value, r.body, lookupKey);
    if (!v.ok) throw new Error(v.error.message);
  },
  identify: async (r) => {
    const c = await identifyCaller(r, { now, lookupKey, readBody: async () => body, hostScope: () => undefined });
    if (!c.ok) throw new Error(c.error.message);
  },
  resolve: async (r) => {
    // A fresh request: the views a resolution parses are kept on the request object.
    const fresh = new AwsRequest(r.method, r.target, r.hostname, r.headers, r.rawHeaders);
    fresh.setBody(body);
    const t0 = performance.now();
    const res = await resolveRequest(fresh, { scope: { service: 'sts', region: 'us-east-1' }, accountId: '123456789012', readBody: async () => body }, deps);
    if (!res.ok) throw new Error(res.error.message);
    return performance.now() - t0;
  },
  resign: async (r) => {
    const c = await identifyCaller(r, { now, lookupKey, readBody: async () => body, hostScope: () => undefined });
    const res = await resolveRequest(r, { scope: { service: 'sts', region: 'us-east-1' }, accountId: '123456789012', readBody: async () => body }, deps);
    if (!c.ok || !res.ok) throw new Error('setup');
    const t0 = performance.now();
    await outboundRequest({ request: r, caller: c.value, call: res.call, credentials: REAL, readsResponse: false, now }, body);
    return performance.now() - t0;
  },
  log: async (r) => {
    const res = await resolveRequest(r, { scope: { service: 'sts', region: 'us-east-1' }, accountId: '123456789012', readBody: async () => body }, deps);
    if (!res.ok) throw new Error('setup');
    const call = res.call;
    const t0 = performance.now();
    const entry = { v: 2, time: now.toISOString(), accessKeyId: key.accessKeyId, agent: key.agent, host: r.hostname, service: call.service, region: call.region, protocol: call.protocol, operation: call.operation, authorizations: call.authorizations, context: call.context, decision: 'allowed', upstreamStatus: 200, latencyMs: 1.23 };
    JSON.stringify(entry);
    consoleLines(entry as never, now);
    return performance.now() - t0;
  },
};

const requests = Array.from({ length: 2000 }, request);
const result: Record<string, number> = {};
for (const [name, step] of Object.entries(steps)) {
  const medians: number[] = [];
  for (let round = 0; round < 8; round++) {
    let total = 0;
    for (const r of requests) {
      const t0 = performance.now();
      const inner = await step(r);
      total += typeof inner === 'number' ? inner : performance.now() - t0;
    }
    if (round >= 3) medians.push((total / requests.length) * 1000);
  }
  medians.sort((a, b) => a - b);
  result[name] = Math.round(medians[Math.floor(medians.length / 2)]! * 10) / 10;
}
console.log(JSON.stringify(result));
