/**
 * `npm run coverage`: for every operation in the service catalog, a request synthesised from its
 * HTTP binding in each protocol its service speaks, resolved as the proxy would. Prints how many
 * resolve to their own operation, how many map to at least one IAM action AWS defines, and the misses.
 */
import { cbor } from '@smithy/core/cbor';
import { AwsRequest } from '../../src/pipeline/intercept/aws-request.js';
import { IamReference } from '../../src/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest } from '../../src/pipeline/resolve/resolve.js';
import { defaultCatalog } from '../../src/services/catalog.js';
import type { EndpointTemplate, Member, Protocol, ServiceModel, ShapeRef } from '../../src/services/model.js';
import { sampleInput } from './sample-input.js';

const ACCOUNT = '123456789012';
const catalog = defaultCatalog();
const deps = { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };

interface Tally {
  requests: number;
  resolved: number;
  mapped: number;
  misses: string[];
}
const byProtocol = new Map<Protocol, Tally>();
const total: Tally = { requests: 0, resolved: 0, mapped: 0, misses: [] };

for (const id of Object.keys(catalog.index.services)) {
  const model = catalog.service(id);
  for (const protocol of model.protocols) {
    for (const operation of Object.keys(model.operations)) {
      const tally = byProtocol.get(protocol) ?? { requests: 0, resolved: 0, mapped: 0, misses: [] };
      byProtocol.set(protocol, tally);
      const outcome = await resolveSynthesised(model, operation, protocol);
      for (const t of [tally, total]) {
        t.requests++;
        if (outcome.resolved) t.resolved++;
        if (outcome.mapped) t.mapped++;
        if (!outcome.mapped) t.misses.push(`${id} ${operation} (${protocol}): ${outcome.why}`);
      }
    }
  }
}

const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(2)}%`;
console.log('protocol      requests  resolved  mapped to IAM actions');
for (const [protocol, t] of [...byProtocol.entries(), ['all' as Protocol, total] as const]) {
  console.log(`${protocol.padEnd(12)} ${String(t.requests).padStart(9)}  ${percent(t.resolved, t.requests).padStart(8)}  ${percent(t.mapped, t.requests).padStart(8)}`);
}
console.log(`\ntargets: ≥ 99% resolved, ≥ 97% mapped to valid actions`);
console.log(`\nmisses (${total.misses.length}):`);
for (const miss of total.misses) console.log(`  ${miss}`);

async function resolveSynthesised(model: ServiceModel, operation: string, protocol: Protocol): Promise<{ resolved: boolean; mapped: boolean; why: string }> {
  const op = model.operations[operation]!;
  const endpoint = endpointFor(model, op.hostPrefix);
  if (!endpoint) return { resolved: false, mapped: false, why: 'no endpoint template' };
  const region = endpoint.signingRegion.startsWith('{') ? 'us-east-1' : endpoint.signingRegion;
  const host = fillHost(endpoint.host, region);
  const input = sampleInput(model, op.input);
  const wire = synthesise(model, operation, protocol, input);
  if (!wire) return { resolved: false, mapped: false, why: 'cannot synthesise' };
  const rawHeaders = Object.entries({ host, ...wire.headers }).flat();
  const request = new AwsRequest(wire.method, wire.target, host, Object.fromEntries(Object.entries({ host, ...wire.headers })), rawHeaders);
  request.setBody(wire.body);
  const resolution = await resolveRequest(request, { scope: { service: endpoint.signingName, region }, accountId: ACCOUNT, readBody: async () => wire.body }, deps);
  if (!resolution.ok) return { resolved: false, mapped: false, why: `${resolution.error.code}: ${resolution.error.message}` };
  const { call } = resolution;
  if (call.operation !== operation) return { resolved: false, mapped: false, why: `resolved as ${call.operation}` };
  const known = call.authorizations.filter((a) => a.known);
  return { resolved: true, mapped: known.length > 0, why: `no IAM action AWS defines (${call.authorizations.map((a) => a.action).join(', ')})` };
}

/** A host the operation is sent to: a regional endpoint with the operation's host prefix, if any. */
function endpointFor(model: ServiceModel, hostPrefix: string | undefined): EndpointTemplate | undefined {
  const candidates = catalog.index.endpoints.filter((e) => e.service === model.id && e.hostPrefix === hostPrefix && !/\{(Bucket|accessPointName)\}/.test(e.host));
  const own = candidates.filter((e) => e.signingName === model.signingName);
  return [...own, ...candidates].find((e) => e.host.includes('{Region}.{dnsSuffix}') && !e.host.includes('fips')) ?? own[0] ?? candidates[0];
}

function fillHost(template: string, region: string): string {
  return template
    .replace('{dnsSuffix}', 'amazonaws.com')
    .replace('{dualStackDnsSuffix}', 'api.aws')
    .replace('{implicitGlobalRegion}', 'us-east-1')
    .replace('{Region}', region)
    .replace('{AccountId}', ACCOUNT)
    .replace('{OperationType}', 'control')
    .replace(/\{\w+\}/g, 'sample');
}

interface Wire {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: Buffer;
}

function synthesise(model: ServiceModel, operation: string, protocol: Protocol, input: Record<string, unknown>): Wire | undefined {
  switch (protocol) {
    case 'awsJson1_0':
    case 'awsJson1_1':
      return { method: 'POST', target: '/', headers: { 'x-amz-target': `${model.targetPrefixes[0]}.${operation}`, 'content-type': `application/x-amz-json-${protocol.slice(-3).replace('_', '.')}` }, body: Buffer.from(JSON.stringify(input)) };
    case 'rpcv2Cbor':
      return { method: 'POST', target: `/service/${model.shapeName}/operation/${operation}`, headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' }, body: Buffer.from(cbor.serialize(input)) };
    case 'awsQuery':
    case 'ec2Query':
      return { method: 'POST', target: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(`Action=${operation}&Version=${model.version}`) };
    case 'restJson1':
    case 'restXml':
      return synthesiseRest(model, operation, protocol, input);
  }
}

function synthesiseRest(model: ServiceModel, operation: string, protocol: 'restJson1' | 'restXml', input: Record<string, unknown>): Wire | undefined {
  const op = model.operations[operation]!;
  if (!op.http) return undefined;
  const [method, uri] = op.http;
  const members = op.input ? (model.shapes[op.input] as { members: Record<string, Member> }).members : {};
  const [pathTemplate = '', queryTemplate] = uri.split('?', 2);
  const path = pathTemplate.replace(/\{(\w+)(\+)?\}/g, (_, name: string, greedy?: string) => {
    const value = String(input[name] ?? 'sample');
    return greedy ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
  const query = queryTemplate ? queryTemplate.split('&') : [];
  const headers: Record<string, string> = {};
  for (const [name, member] of Object.entries(members)) {
    if (!member.required || input[name] === undefined) continue;
    if (member.location === 'query') query.push(`${encodeURIComponent(member.name!)}=${encodeURIComponent(scalar(input[name]))}`);
    if (member.location === 'header') headers[member.name!] = scalar(input[name]);
  }
  const body = protocol === 'restJson1' ? '{}' : `<${bodyRoot(model, members)}/>`;
  if (protocol === 'restJson1') headers['content-type'] = 'application/json';
  return { method, target: query.length ? `${path}?${query.join('&')}` : path, headers, body: Buffer.from(body) };
}

function scalar(value: unknown): string {
  return Array.isArray(value) ? String(value[0] ?? 'sample') : String(value);
}

function bodyRoot(model: ServiceModel, members: Record<string, Member>): string {
  const payload = Object.entries(members).find(([, m]) => m.location === 'payload');
  const target: ShapeRef | undefined = payload?.[1].target;
  return payload?.[1].xmlName ?? (target && model.shapes[target] ? target : 'Request');
}
