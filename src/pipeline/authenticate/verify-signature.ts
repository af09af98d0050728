import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { escapeUri } from '@smithy/core/protocols';
import { ALGORITHM_IDENTIFIER, createScope, SignatureV4 } from '@smithy/signature-v4';
import { parseRawQuery } from '../../aws/query.js';
import { signerOptions, signsPathAsSent } from '../../aws/signer.js';
import type { PresignedAuthorization, SigV4Authorization } from './authorization-header.js';

export interface SignedRequest {
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
 * Recomputes the signature the holder of `secretAccessKey` would have produced over the request as
 * AWS canonicalises it, exactly the headers the client listed as signed, and compares it in
 * constant time. `payloadHash` is the value the canonical request must end with (already checked
 * against the body).
 */
export function signatureMatches(request: SignedRequest, auth: SigV4Authorization, secretAccessKey: string, payloadHash: string, signingDate: Date): Promise<boolean> {
  return matches(canonicalRequest(request, auth, payloadHash, undefined), auth, secretAccessKey, signingDate);
}

/**
 * The same for a presigned (query-string) request: the signature covers every query parameter but
 * X-Amz-Signature, and the headers X-Amz-SignedHeaders names.
 */
export function presignedSignatureMatches(request: SignedRequest, auth: PresignedAuthorization, secretAccessKey: string, payloadHash: string, signingDate: Date): Promise<boolean> {
  return matches(canonicalRequest(request, auth, payloadHash, 'X-Amz-Signature'), auth, secretAccessKey, signingDate);
}

async function matches(canonical: string | undefined, auth: SigV4Authorization, secretAccessKey: string, signingDate: Date): Promise<boolean> {
  if (canonical === undefined) return false;
  const verifier = new Verifier(signerOptions({ accessKeyId: auth.accessKeyId, secretAccessKey }, auth.region, auth.service));
  const expected = await verifier.signatureOver(canonical, signingDate);
  return expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

/** The signer's own string-to-sign and key derivation, over a canonical request built here. */
class Verifier extends SignatureV4 {
  async signatureOver(canonicalRequest: string, signingDate: Date): Promise<string> {
    const { longDate, shortDate } = this.formatDate(signingDate);
    const scope = createScope(shortDate, await this.regionProvider(), this.service);
    return this.sign(await this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER), { signingDate });
  }
}

/**
 * The canonical request AWS computes, or undefined when there is none: a SignedHeaders list not
 * sorted and unique (every AWS signer sorts it; one that is not would be a guess at how AWS
 * reads it), or an S3 path that does not decode.
 */
function canonicalRequest(request: SignedRequest, auth: SigV4Authorization, payloadHash: string, unsignedParameter: string | undefined): string | undefined {
  const path = canonicalPath(request.rawPath, auth.service);
  const names = auth.signedHeaders;
  if (path === undefined || names.some((name, i) => name === '' || (i > 0 && names[i - 1]! >= name))) return undefined;
  const lines = request.rawHeaders ?? linesOf(request.headers);
  const headers = names.map((name) => `${name}:${canonicalHeaderValue(lines, name)}\n`).join('');
  const query = canonicalQuery(request.rawQuery, unsignedParameter, signsPathAsSent(auth.service));
  return [request.method, path, query, headers, names.join(';'), payloadHash].join('\n');
}

/**
 * S3 and its relatives (disableDoubleEncoding) sign the object key the path names, encoded once:
 * S3 decodes the path (a `+` in it is a space to S3) and canonicalises what it decoded, so `/a=b`
 * is signed as `/a%3Db`; nothing is normalised. Every other service resolves `.`, `..` and empty
 * segments in the path as sent, then encodes it again.
 */
function canonicalPath(rawPath: string, service: string): string | undefined {
  if (signsPathAsSent(service)) {
    try {
      return escapeUri(decodeURIComponent(rawPath.replace(/\+/g, ' '))).replace(/%2F/g, '/');
    } catch {
      return undefined;
    }
  }
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const trailingSlash = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(escapeUri).join('/')}${trailingSlash}`;
}

/**
 * Every parameter, empty ones included, decoded then encoded AWS's way, sorted by name, then value.
 * A repeated parameter: every value, except for S3 (`firstValueOnly`), which signs only the first,
 * the one it reads (its SignatureDoesNotMatch for `?b=1&a=2&a=1` shows `a=2&b=1`, aws/aws-sdk-go#1495).
 */
function canonicalQuery(rawQuery: string, unsignedParameter: string | undefined, firstValueOnly: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(parseRawQuery(rawQuery))) {
    if (name === unsignedParameter) continue;
    const signed = [values].flat();
    for (const value of firstValueOnly ? signed.slice(0, 1) : signed) pairs.push([escapeUri(name), escapeUri(value)]);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return pairs
    .sort(([nameA, valueA], [nameB, valueB]) => order(nameA, nameB) || order(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/**
 * A signed header's canonical value: every line of that name (any letter case) in the order sent,
 * each with its runs of spaces, tabs and line breaks made one space and trimmed, joined by ','.
 * (Node's merged `headers` join repeats with ', ' or keep only the first.) A listed header that was
 * not sent is canonicalised as empty, as the algorithm reads; AWS documents no refusal for it, and
 * accepting it gains the signer nothing: it holds the key and could sign the request without it.
 */
function canonicalHeaderValue(lines: string[], name: string): string {
  const values: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i]!.toLowerCase() === name) values.push(lines[i + 1]!.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, ''));
  }
  return values.join(',');
}

function linesOf(headers: IncomingHttpHeaders): string[] {
  return Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [value].flat().flatMap((v) => [name, v])));
}
