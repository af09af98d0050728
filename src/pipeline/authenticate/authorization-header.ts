import { firstValue, type QueryParameters } from '../../aws/query.js';

/** The parts of an `AWS4-HMAC-SHA256` Authorization header. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** Credential scope: `yyyymmdd/region/service/aws4_request`. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9\-;_.]+)\s*,\s*Signature=([0-9a-f]{64})$/;

/** Parses the header, or returns undefined when it is not a well-formed SigV4 header. */
export function parseAuthorization(header: string): SigV4Authorization | undefined {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return undefined;
  const [, accessKeyId, scopeDate, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId!,
    scopeDate: scopeDate!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!,
  };
}

/** The auth parameters of a presigned (query-string) request; they are not part of what is forwarded. */
export const PRESIGN_PARAMS = [
  'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token',
  'X-Amz-S3session-Token',
];

export interface PresignedAuthorization extends SigV4Authorization {
  amzDate: string;
  expiresInSeconds: number;
}

/** Parses a presigned request's query auth (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`). */
export function parsePresignedQuery(query: QueryParameters): PresignedAuthorization | undefined {
  const param = (name: string) => firstValue(query, name);
  if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return undefined;
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(param('X-Amz-Credential') ?? '');
  const signedHeaders = param('X-Amz-SignedHeaders') ?? '';
  const signature = param('X-Amz-Signature') ?? '';
  const expires = Number(param('X-Amz-Expires'));
  if (!credential || !/^[a-z0-9\-;_.]+$/.test(signedHeaders) || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  if (!Number.isInteger(expires) || expires < 1 || expires > 7 * 24 * 3600) return undefined;
  return {
    accessKeyId: credential[1]!,
    scopeDate: credential[2]!,
    region: credential[3]!,
    service: credential[4]!,
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate: param('X-Amz-Date') ?? '',
    expiresInSeconds: expires,
  };
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
