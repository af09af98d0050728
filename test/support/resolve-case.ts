import { AwsRequest } from '../../src/pipeline/intercept/aws-request.js';
import { IamReference } from '../../src/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest, type Resolution, type ResolveDeps } from '../../src/pipeline/resolve/resolve.js';
import { defaultCatalog } from '../../src/services/catalog.js';

/** A request as a case file writes it: header names any case; body as text or base64. */
export interface CaseRequest {
  method: string;
  host: string;
  /** Path and query, as sent on the wire. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyBase64?: string;
  /** The signature's credential scope, `<service>/<region>`; default: what the host signs with. */
  scope?: string;
}

export const ACCOUNT_ID = '123456789012';

let deps: ResolveDeps | undefined;
function resolveDeps(): ResolveDeps {
  const catalog = defaultCatalog();
  deps ??= { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };
  return deps;
}

export function awsRequest(spec: CaseRequest): AwsRequest {
  const rawHeaders: string[] = ['Host', spec.host];
  for (const [name, value] of Object.entries(spec.headers ?? {})) for (const v of ([] as string[]).concat(value)) rawHeaders.push(name, v);
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? rawHeaders[i + 1]! : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  const request = new AwsRequest(spec.method, spec.path, spec.host.toLowerCase(), headers, rawHeaders);
  const body = bodyOf(spec);
  if (body && (spec.method === 'POST' || spec.method === 'PUT' || body.length)) request.setBody(body);
  return request;
}

function bodyOf(spec: CaseRequest): Buffer | undefined {
  if (spec.bodyBase64 !== undefined) return Buffer.from(spec.bodyBase64, 'base64');
  return Buffer.from(spec.body ?? '', 'utf8');
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
