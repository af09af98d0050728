import { firstValue, type QueryParameters } from '../../aws/query.js';

export const SIGV4 = 'AWS4-HMAC-SHA256';
/** SigV4a: an ECDSA P-256 signature valid in a set of regions (S3 Multi-Region Access Points, global endpoints). */
export const SIGV4A = 'AWS4-ECDSA-P256-SHA256';
type Algorithm = typeof SIGV4 | typeof SIGV4A;

/** The parts of a SigV4 or SigV4a Authorization header. */
export interface SigV4Authorization {
  algorithm: Algorithm;
  accessKeyId: string;
  /** Credential scope: `yyyymmdd/region/service/aws4_request`; SigV4a's has no region: `yyyymmdd/service/aws4_request`. */
  scopeDate: string;
  /**
   * The region the signature is scoped to. SigV4a: its region set's one region, or `*` when the
   * set names several or all; the host alone (a Multi-Region Access Point) then decides where AWS
   * acts, and the call is resolved, logged and judged as made in any region.
   */
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** SigV4a only: the regions the signature is valid in (`x-amz-region-set`, signed), as sent. */
  regionSet?: string[];
}

const AUTHORIZATION = /^(AWS4-HMAC-SHA256|AWS4-ECDSA-P256-SHA256) +Credential=([^,\s]+)\s*,\s*SignedHeaders=([a-z0-9\-;_.]+)\s*,\s*Signature=([0-9a-f]+)$/;
const SIGNED_HEADERS = /^[a-z0-9\-;_.]+$/;
/** SigV4: a hex HMAC-SHA256; SigV4a: a DER-encoded P-256 ECDSA signature (8 to 72 bytes), in hex. */
const SIGNATURE: Record<Algorithm, RegExp> = { [SIGV4]: /^[0-9a-f]{64}$/, [SIGV4A]: /^(?:[0-9a-f]{2}){8,72}$/ };

/**
 * Parses the header, or returns undefined when it is not a well-formed SigV4 or SigV4a header.
 * A SigV4a header is well formed only together with the request's `x-amz-region-set`.
 */
export function parseAuthorization(header: string, regionSetHeader?: string | string[]): SigV4Authorization | undefined {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return undefined;
  const [, algorithm, credential, signedHeaders, signature] = match as unknown as [string, Algorithm, string, string, string];
  const scope = parseScope(algorithm, credential, typeof regionSetHeader === 'string' ? regionSetHeader : undefined);
  if (!scope || !SIGNATURE[algorithm].test(signature)) return undefined;
  return { ...scope, signedHeaders: signedHeaders.split(';'), signature };
}

type Scope = Pick<SigV4Authorization, 'algorithm' | 'accessKeyId' | 'scopeDate' | 'region' | 'service' | 'regionSet'>;

/** `AKID/yyyymmdd/region/service/aws4_request`, or SigV4a's `AKID/yyyymmdd/service/aws4_request` with its region set. */
function parseScope(algorithm: Algorithm, credential: string, regionSetValue: string | undefined): Scope | undefined {
  if (algorithm === SIGV4) {
    const match = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(credential);
    return match ? { algorithm, accessKeyId: match[1]!, scopeDate: match[2]!, region: match[3]!, service: match[4]! } : undefined;
  }
  const match = /^([^/]+)\/(\d{8})\/([^/]+)\/aws4_request$/.exec(credential);
  const regionSet = regionSetValue?.split(',').map((region) => region.trim());
  // Regions or patterns (`*`, `us-east-1,us-west-2`, `us-*`).
  if (!match || !regionSet?.every((region) => /^[a-z0-9*-]+$/.test(region))) return undefined;
  const region = regionSet.length === 1 && !regionSet[0]!.includes('*') ? regionSet[0]! : '*';
  return { algorithm, accessKeyId: match[1]!, scopeDate: match[2]!, region, service: match[3]!, regionSet };
}

/** The auth parameters of a presigned (query-string) request; they are not part of what is forwarded. */
export const PRESIGN_PARAMS = [
  'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token',
  'X-Amz-S3session-Token', 'X-Amz-Region-Set',
];

export interface PresignedAuthorization extends SigV4Authorization {
  amzDate: string;
  expiresInSeconds: number;
}

/** Parses a presigned request's query auth (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`; SigV4a's adds X-Amz-Region-Set). */
export function parsePresignedQuery(query: QueryParameters): PresignedAuthorization | undefined {
  const param = (name: string) => firstValue(query, name);
  const algorithm = param('X-Amz-Algorithm');
  if (algorithm !== SIGV4 && algorithm !== SIGV4A) return undefined;
  const scope = parseScope(algorithm, param('X-Amz-Credential') ?? '', param('X-Amz-Region-Set'));
  const signedHeaders = param('X-Amz-SignedHeaders') ?? '';
  const signature = param('X-Amz-Signature') ?? '';
  const expires = Number(param('X-Amz-Expires'));
  if (!scope || !SIGNED_HEADERS.test(signedHeaders) || !SIGNATURE[algorithm].test(signature)) return undefined;
  if (!Number.isInteger(expires) || expires < 1 || expires > 7 * 24 * 3600) return undefined;
  return { ...scope, signedHeaders: signedHeaders.split(';'), signature, amzDate: param('X-Amz-Date') ?? '', expiresInSeconds: expires };
}

/** `20240101T120000Z` → Date, or undefined when malformed. */
export function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  // Date.UTC rolls 31 February over into March, 24:00 into the next day: a real timestamp does not move.
  const exact =
    date.getUTCFullYear() === y && date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
  return exact ? date : undefined;
}
