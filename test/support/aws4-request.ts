import aws4 from 'aws4';
import { splitTarget } from '../../src/aws/query.js';
import type { SignedRequest } from '../../src/pipeline/authenticate/verify-signature.js';

export interface SigningOptions {
  host: string;
  /** Path and query as they go on the wire (already percent-encoded). */
  path: string;
  service: string;
  region: string;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Headers aws4 leaves unsigned by default (user-agent, range) that should be signed anyway. */
  alsoSign?: string[];
  date?: Date;
}

export const toAmzDate = (date: Date): string => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * Signs a request with aws4 (a signer independent of the proxy's smithy-based verifier) and returns
 * it the way the proxy sees it arrive: lowercased header names, raw path and raw query.
 */
export function signWithAws4(options: SigningOptions, credentials: { accessKeyId: string; secretAccessKey: string }): SignedRequest {
  const headers: Record<string, string> = { ...options.headers, 'X-Amz-Date': toAmzDate(options.date ?? new Date()) };
  const request = {
    host: options.host,
    path: options.path,
    service: options.service,
    region: options.region,
    method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
    body: options.body,
    headers,
    extraHeadersToInclude: Object.fromEntries((options.alsoSign ?? []).map((h) => [h, true])),
  };
  const signed = aws4.sign(request, credentials);
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) lower[name.toLowerCase()] = String(value);
  const { rawPath, rawQuery } = splitTarget(signed.path ?? '/');
  return { method: signed.method ?? 'GET', rawPath, rawQuery, headers: lower };
}

/** The SignedHeaders list of a request's Authorization header. */
export function signedHeadersOf(request: SignedRequest): string[] {
  return /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1]?.split(';') ?? [];
}
