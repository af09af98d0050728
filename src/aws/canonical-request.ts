import type { IncomingHttpHeaders } from 'node:http';
import { escapeUri } from '@smithy/core/protocols';
import { parseRawQuery, type QueryParameters } from './query.js';
import { encodesPathOnce } from './signer.js';

/**
 * The SigV4 canonical request as AWS computes it, built here rather than by the signer library:
 * the library rebuilds the header list itself (drops `date`, reads Node's merged repeats), signs
 * an S3 path as given and every value of a repeated S3 parameter, and skips any parameter named
 * X-Amz-Signature; AWS does none of that. SigV4 and SigV4a verification share it.
 */
export interface CanonicalInput {
  method: string;
  /** Path exactly as it arrived on the wire (still percent-encoded). */
  rawPath: string;
  /** Query string exactly as it arrived, without the `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /**
   * Header lines as received (name, value, name, value, …), repeats included: what the signature
   * covers. Without them (a request built by hand) the merged `headers` stand in.
   */
  rawHeaders?: string[];
}

/**
 * The canonical request, or undefined when there is none: a SignedHeaders list not sorted and
 * unique (every AWS signer sorts it; one that is not would be a guess at how AWS reads it), or an
 * S3 path that does not decode. `unsignedParameter` is a presigned URL's X-Amz-Signature.
 */
export function canonicalRequest(request: CanonicalInput, service: string, signedHeaders: string[], payloadHash: string, unsignedParameter?: string): string | undefined {
  const path = canonicalPath(request.rawPath, service);
  if (path === undefined || signedHeaders.some((name, i) => name === '' || (i > 0 && signedHeaders[i - 1]! >= name))) return undefined;
  const values = signedHeaderValues(request.rawHeaders ?? linesOf(request.headers), signedHeaders);
  let headers = '';
  for (const name of signedHeaders) headers += `${name}:${canonicalHeaderValue(values.get(name))}\n`;
  const query = request.rawQuery === '' ? '' : canonicalQuery(signedQuery(request.rawQuery, service), unsignedParameter);
  return `${request.method}\n${path}\n${query}\n${headers}\n${signedHeaders.join(';')}\n${payloadHash}`;
}

/**
 * S3 and its relatives (disableDoubleEncoding) sign the object key the path names, encoded once:
 * S3 decodes the path (a `+` in it is a space to S3) and canonicalises what it decoded, so `/a=b`
 * is signed as `/a%3Db`; nothing is normalised. Every other service resolves `.`, `..` and empty
 * segments in the path as sent, then encodes it again.
 */
export function canonicalPath(rawPath: string, service: string): string | undefined {
  if (encodesPathOnce(service)) {
    try {
      return escapeUri(decodeURIComponent(rawPath.replace(/\+/g, ' '))).replace(/%2F/g, '/');
    } catch {
      return undefined;
    }
  }
  if (rawPath === '/') return '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const trailingSlash = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(escapeUri).join('/')}${trailingSlash}`;
}

/**
 * The query parameters a signature covers, decoded. A repeated parameter: every value, except for
 * S3, which signs only the first, the one it reads (its SignatureDoesNotMatch for `?b=1&a=2&a=1`
 * shows `a=2&b=1`, aws/aws-sdk-go#1495).
 */
export function signedQuery(rawQuery: string, service: string): QueryParameters {
  const query = parseRawQuery(rawQuery);
  if (!encodesPathOnce(service)) return query;
  for (const [name, values] of Object.entries(query)) if (Array.isArray(values)) query[name] = values[0]!;
  return query;
}

/** Every parameter, empty ones included, encoded AWS's way, sorted by name, then value. */
function canonicalQuery(query: QueryParameters, unsignedParameter: string | undefined): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(query)) {
    if (name === unsignedParameter) continue;
    for (const value of [values].flat()) pairs.push([escapeUri(name), escapeUri(value)]);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return pairs
    .sort(([nameA, valueA], [nameB, valueB]) => order(nameA, nameB) || order(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The lines (values as sent) of each signed header, any letter case, in the order sent: one pass over the headers. */
function signedHeaderValues(lines: string[], signedHeaders: string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const name of signedHeaders) values.set(name, []);
  for (let i = 0; i + 1 < lines.length; i += 2) values.get(lines[i]!.toLowerCase())?.push(lines[i + 1]!);
  return values;
}

/** Runs of spaces, tabs and line breaks, and a leading or trailing one: what canonicalising a value changes. */
const NOT_CANONICAL = /[\t\r\n]|  |^ | $/;

/**
 * A signed header's canonical value: every line of that name (any letter case) in the order sent,
 * each with its runs of spaces, tabs and line breaks made one space and trimmed, joined by ','.
 * (Node's merged `headers` join repeats with ', ' or keep only the first.) A listed header that was
 * not sent is canonicalised as empty, as the algorithm reads; AWS documents no refusal for it, and
 * accepting it gains the signer nothing: it holds the key and could sign the request without it.
 */
function canonicalHeaderValue(lines: string[] | undefined): string {
  if (!lines || lines.length === 0) return '';
  const canonical = (value: string): string => (NOT_CANONICAL.test(value) ? value.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '') : value);
  return lines.length === 1 ? canonical(lines[0]!) : lines.map(canonical).join(',');
}

function linesOf(headers: IncomingHttpHeaders): string[] {
  const lines: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) lines.push(name, v);
    else lines.push(name, String(value));
  }
  return lines;
}
