/** The requests of the golden case files, and what an AwsRequest is built from for one (no source imports: the bench builds them from dist/). */

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

/** What an AwsRequest is built from, for a case's request. */
export function requestParts(spec: CaseRequest): { method: string; target: string; hostname: string; headers: Record<string, string>; rawHeaders: string[]; body: Buffer | undefined } {
  const rawHeaders: string[] = ['Host', spec.host];
  for (const [name, value] of Object.entries(spec.headers ?? {})) for (const v of ([] as string[]).concat(value)) rawHeaders.push(name, v);
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? rawHeaders[i + 1]! : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  const body = bodyOf(spec);
  const sendsBody = body !== undefined && (spec.method === 'POST' || spec.method === 'PUT' || body.length > 0);
  return { method: spec.method, target: spec.path, hostname: spec.host.toLowerCase(), headers, rawHeaders, body: sendsBody ? body : undefined };
}

export function bodyOf(spec: CaseRequest): Buffer | undefined {
  if (spec.bodyBase64 !== undefined) return Buffer.from(spec.bodyBase64, 'base64');
  return Buffer.from(spec.body ?? '', 'utf8');
}
