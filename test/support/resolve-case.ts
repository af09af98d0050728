import { AwsRequest } from '../../src/pipeline/intercept/aws-request.js';
import { IamReference } from '../../src/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest, type Resolution, type ResolveDeps } from '../../src/pipeline/resolve/resolve.js';
import { defaultCatalog } from '../../src/services/catalog.js';
import { ACCOUNT_ID, bodyOf, requestParts, type CaseRequest } from './case-request.js';

export { ACCOUNT_ID, type CaseRequest } from './case-request.js';

let deps: ResolveDeps | undefined;
function resolveDeps(): ResolveDeps {
  const catalog = defaultCatalog();
  deps ??= { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };
  return deps;
}

export function awsRequest(spec: CaseRequest): AwsRequest {
  const parts = requestParts(spec);
  const request = new AwsRequest(parts.method, parts.target, parts.hostname, parts.headers, parts.rawHeaders);
  if (parts.body) request.setBody(parts.body);
  return request;
}

/** Resolves a case's request as the proxy would after the signature checked out. */
export async function resolveCase(spec: CaseRequest): Promise<Resolution> {
  const d = resolveDeps();
  const request = awsRequest(spec);
  const [service, region] = spec.scope?.split('/') ?? defaultScope(d, request.hostname);
  return resolveRequest(request, { scope: { service: service!, region: region! }, accountId: ACCOUNT_ID, readBody: async () => bodyOf(spec) ?? Buffer.alloc(0) }, d);
}

function defaultScope(d: ResolveDeps, host: string): [string, string] {
  const match = d.endpoints.match(host)[0];
  if (!match) return ['execute-api', /\.([a-z]{2}-[a-z]+-\d)\./.exec(host)?.[1] ?? 'us-east-1'];
  const region = match.hostRegion ?? (match.signingRegions === 'any' ? 'us-east-1' : match.signingRegions[0]!);
  return [match.signingName, region];
}
