/**
 * A local stand-in for AWS that only answers requests signed with the REAL credentials.
 * It checks SigV4 with the `aws4` package, deliberately not @smithy/signature-v4 which the
 * proxy under test uses, so a bug shared by signer and verifier cannot hide.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import aws4 from 'aws4';
import { chunkChainProblem } from './fake-chunks.js';
import { decodeAwsChunked, handleS3, s3Error, xmlEscape, type S3Store } from './fake-s3.js';
import { s3ExtraReply } from './fake-s3-extras.js';
import { json, jsonContentType, s3ControlReply, serviceReply } from './fake-services.js';
import { isUnsignedSsoCall, sessionReply, type FakeSession, type SessionBook } from './fake-sessions.js';
import { parseSigv4aAuthorization, sigv4aSignatureValid } from './fake-sigv4a.js';
import { createTestCa } from './test-ca.js';

export interface UpstreamCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RecordedRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  decodedBody: Buffer;
  accessKeyId?: string;
  service?: string;
  region?: string;
  verified: boolean;
  /** A call AWS serves unsigned (the SSO portal's) or an unsigned bucket probe, let through without a signature. */
  unsigned?: true;
  failure?: string;
}

export interface FakeAws {
  endpoint: string;
  caFile: string;
  caPem: string;
  accountId: string;
  requests: RecordedRequest[];
  objects: Map<string, Buffer>;
  /** Temporary credentials the fake issued (AssumeRole, SSO, CreateSession…), by access key id. */
  sessions: SessionBook;
  reset(): void;
  /** TLS connections the fake has accepted since it started (how well clients pool them). */
  connectionsAccepted(): number;
  close(): Promise<void>;
}

/** A response before it is written; fake-s3.ts produces these too. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

interface Incoming {
  method: string;
  host: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

interface Authorization {
  /** SigV4a: `region` is then the region set. */
  sigv4a?: true;
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

interface Context {
  credentials: UpstreamCredentials;
  accountId: string;
  requests: RecordedRequest[];
  store: S3Store;
  sessions: SessionBook;
}

const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([^\s,]+), ?Signature=([0-9a-f]{64})$/;

/** A request the fake refuses; `code` is the AWS error code the client gets. */
class Rejection extends Error {
  constructor(
    message: string,
    readonly code = 'SignatureDoesNotMatch',
  ) {
    super(message);
  }
}

function check(condition: unknown, message: string, code?: string): asserts condition {
  if (!condition) throw new Rejection(message, code);
}

const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A header's canonical SigV4 value: each occurrence trimmed and space-collapsed, repeats comma-joined. */
function headerValue(rawHeaders: string[], name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) values.push((rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' '));
  }
  return values.length > 0 ? values.join(',') : undefined;
}

function parseAuthorization(header: string | undefined): Authorization {
  check(header !== undefined, 'missing Authorization header');
  const match = AUTHORIZATION.exec(header);
  check(match, `malformed Authorization header: ${header}`);
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** Runs every check; on success marks the record verified and fills decodedBody. */
function authenticate(request: Incoming, context: Context, record: RecordedRequest): void {
  const header = headerValue(request.rawHeaders, 'authorization');
  const auth = parseSigv4aAuthorization(header ?? '', headerValue(request.rawHeaders, 'x-amz-region-set')) ?? parseAuthorization(header);
  Object.assign(record, { accessKeyId: auth.accessKeyId, service: auth.service, region: auth.region });
  const session: FakeSession | undefined = context.sessions.get(auth.accessKeyId);
  const credentials = auth.accessKeyId === context.credentials.accessKeyId ? context.credentials : session?.credentials;
  check(credentials !== undefined, `unknown access key id ${auth.accessKeyId}`, 'InvalidClientTokenId');
  const signed = signedHeaderValues(request.rawHeaders, auth.signedHeaders);
  checkDate(signed['x-amz-date'] ?? '', auth.date);
  checkSessionToken(request.rawHeaders, auth.signedHeaders, credentials.sessionToken, session?.tokenHeader);
  if (auth.service === 's3' || auth.service === 's3express') checkS3Headers(request.rawHeaders, auth.signedHeaders);
  record.decodedBody = checkPayload(request);
  const payload = signed['x-amz-content-sha256'] ?? '';
  if (payload.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')) {
    const chain = { secretAccessKey: credentials.secretAccessKey, amzDate: signed['x-amz-date'] ?? '', region: auth.region, service: auth.service };
    const problem = chunkChainProblem(request.body, chain, auth.signature);
    check(problem === undefined, `signed-chunk upload: ${problem}`);
  }
  checkSignature(request, auth, signed, credentials);
  record.verified = true;
}

function signedHeaderValues(rawHeaders: string[], names: string[]): Record<string, string> {
  for (const required of ['host', 'x-amz-date']) check(names.includes(required), `${required} is not signed`);
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(rawHeaders, name);
    check(value !== undefined, `signed header ${name} is absent`);
    values[name] = value;
  }
  return values;
}

function checkDate(amzDate: string, scopeDate: string): void {
  const time = Date.parse(amzDate.replace(AMZ_DATE, '$1-$2-$3T$4:$5:$6Z'));
  check(AMZ_DATE.test(amzDate) && !Number.isNaN(time), `malformed x-amz-date ${amzDate}`);
  check(Math.abs(Date.now() - time) <= MAX_CLOCK_SKEW_MS, `x-amz-date ${amzDate} is more than 15 minutes from now`);
  check(amzDate.startsWith(scopeDate), `credential scope date ${scopeDate} does not match x-amz-date ${amzDate}`);
}

function checkSessionToken(rawHeaders: string[], signedNames: string[], expected: string | undefined, tokenHeader = 'x-amz-security-token'): void {
  // A leftover token (e.g. the agent's fake one) next to long-term keys would make AWS refuse the request.
  for (const name of ['x-amz-security-token', 'x-amz-s3session-token']) {
    const token = headerValue(rawHeaders, name);
    if (expected === undefined || name !== tokenHeader) {
      check(token === undefined, `${name} sent but the credentials have none there`);
      continue;
    }
    check(token === expected, `${name} missing or not the real session token`);
    check(signedNames.includes(name), `${name} is not signed`);
  }
}

/** S3 refuses unsigned x-amz-* headers and requires x-amz-content-sha256. */
function checkS3Headers(rawHeaders: string[], signedNames: string[]): void {
  const names = rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
  const unsigned = names.find((name) => name.startsWith('x-amz-') && !signedNames.includes(name));
  check(unsigned === undefined, `${unsigned} is not signed`);
  check(names.includes('x-amz-content-sha256'), 'S3 requires x-amz-content-sha256');
}

/** Validates x-amz-content-sha256 against the body and returns the body without aws-chunked framing. */
function checkPayload(request: Incoming): Buffer {
  const declared = headerValue(request.rawHeaders, 'x-amz-content-sha256');
  const encodings = (headerValue(request.rawHeaders, 'content-encoding') ?? '').split(',').map((e) => e.trim());
  // S3 reads a signed-chunk body as aws-chunked whether or not Content-Encoding says so (minio-go leaves it out).
  const chunked = encodings.includes('aws-chunked') || declared?.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') === true;
  if (declared?.startsWith('STREAMING-')) check(chunked, `${declared} without content-encoding aws-chunked`);
  else if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD') {
    check(SHA256_HEX.test(declared), `invalid x-amz-content-sha256 ${declared}`);
    check(declared === sha256Hex(request.body), 'x-amz-content-sha256 does not match body');
  }
  return chunked ? decodeChunkedBody(request) : request.body;
}

function decodeChunkedBody(request: Incoming): Buffer {
  const trailers = (headerValue(request.rawHeaders, 'x-amz-trailer') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  let data: Buffer;
  try {
    data = decodeAwsChunked(request.body, trailers);
  } catch (error) {
    throw new Rejection(`malformed aws-chunked body: ${(error as Error).message}`);
  }
  const declaredLength = headerValue(request.rawHeaders, 'x-amz-decoded-content-length');
  check(declaredLength === undefined || Number(declaredLength) === data.length, 'x-amz-decoded-content-length does not match');
  return data;
}

/**
 * Recomputes the signature with aws4 over exactly the signed headers. aws4 quirks handled:
 * - it leaves user-agent, range, expect, ... out unless named in extraHeadersToInclude;
 *   SigV4 has no such list, and @smithy signs range;
 * - doNotModifyHeaders stops it adding Content-Type/Content-Length/X-Amz-* headers,
 *   but then it ignores x-amz-date, hence `datetime` set by hand.
 * Given the wire path, it encodes once without normalising for s3, and normalises and
 * double-encodes for every other service, as SigV4 prescribes.
 */
function checkSignature(request: Incoming, auth: Authorization, signed: Record<string, string>, credentials: UpstreamCredentials): void {
  const options: aws4.Request & { extraHeadersToInclude: Record<string, boolean> } = {
    method: request.method,
    path: request.path,
    headers: signed,
    // Used for the payload hash only when x-amz-content-sha256 is not among the signed headers.
    body: request.body,
    service: auth.service,
    region: auth.region,
    doNotModifyHeaders: true,
    extraHeadersToInclude: Object.fromEntries(auth.signedHeaders.map((name) => [name, true])),
  };
  const signer = new aws4.RequestSigner(options, credentials);
  signer.datetime = signed['x-amz-date'];
  check(signer.signedHeaders() === auth.signedHeaders.join(';'), 'SignedHeaders not sorted, lowercase and unique');
  if (auth.sigv4a) {
    // aws4 makes the canonical request (the same as SigV4's); fake-sigv4a.ts checks the ECDSA signature over it.
    check(auth.signedHeaders.includes('x-amz-region-set'), 'x-amz-region-set is not signed');
    check(sigv4aSignatureValid(signer.canonicalString(), signed['x-amz-date'] ?? '', auth, credentials), 'SigV4a signature mismatch');
    return;
  }
  const expected = Buffer.from(signer.signature());
  const received = Buffer.from(auth.signature);
  check(expected.length === received.length && timingSafeEqual(expected, received), 'signature mismatch');
}

/** Errors in the shape each protocol's clients parse, so they report the code rather than a parse failure. */
function errorReply(request: Incoming, record: RecordedRequest, status: number, code: string, message: string): Reply {
  if (record.service === 's3') return s3Error(status, code, message);
  const contentType = jsonContentType(request.headers);
  if (contentType) return json(status, { __type: code, message }, contentType, { 'x-amzn-errortype': code });
  const error = `<Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  return { status, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse>${error}<RequestId>${randomUUID()}</RequestId></ErrorResponse>` };
}

function route(request: Incoming, record: RecordedRequest, context: Context): Reply {
  const { service = '', region = 'us-east-1', decodedBody } = record;
  const { method, host, path, headers } = request;
  const issued = sessionReply({ method, host, path, headers, body: decodedBody, service: record.service, accountId: context.accountId, callerKeyId: record.accessKeyId }, context.sessions);
  if (issued) return issued;
  if (service === 's3' || service === 's3express') {
    const special = s3ControlReply(request) ?? s3ExtraReply({ ...request, body: decodedBody }, context.store);
    return special ?? handleS3({ ...request, body: decodedBody, region, range: headerText(headers.range) }, context.store);
  }
  return serviceReply({ method, host, path, headers, body: decodedBody, service, region, accountId: context.accountId });
}

function respond(request: Incoming, context: Context): Reply {
  const { method, host, path, headers, body } = request;
  const record: RecordedRequest = { method, host, path, headers, body, decodedBody: body, verified: false };
  context.requests.push(record);
  try {
    const unsigned = headerValue(request.rawHeaders, 'authorization') === undefined;
    const probe = unsigned ? unsignedBucketReply(request) : undefined;
    if (probe) {
      record.unsigned = true;
      return probe;
    }
    if (unsigned && isUnsignedSsoCall(request)) record.unsigned = true;
    else authenticate(request, context, record);
  } catch (error) {
    if (!(error instanceof Rejection)) {
      record.failure = `malformed request: ${String(error)}`;
      return errorReply(request, record, 400, 'MalformedRequest', record.failure);
    }
    record.failure = error.message;
    return errorReply(request, record, 403, error.code, error.message);
  }
  return route(request, record, context);
}

/** `<bucket>.s3[.<region>].amazonaws.com` or `s3[.<region>].amazonaws.com/<bucket>`: the bucket and the host's region. */
const S3_HOST = /^(?:(.+)\.)?s3\.(?:([a-z]{2}-[a-z]+-\d)\.)?amazonaws\.com$/;
/** A bucket named `…-in-<region>` lives in that region; every other one in us-east-1. */
const BUCKET_REGION = /-in-([a-z]{2}-[a-z]+-\d)$/;

/**
 * S3 answers an unsigned HEAD or GET of a bucket with the bucket's region: 301 from another
 * region's endpoint, else 403 (the fake's buckets are private), `x-amz-bucket-region` on both.
 */
function unsignedBucketReply(request: Incoming): Reply | undefined {
  const host = S3_HOST.exec(request.host.replace(/:\d+$/, ''));
  if (!host || (request.method !== 'HEAD' && request.method !== 'GET')) return undefined;
  const segments = (request.path.split('?')[0] ?? '').split('/').filter(Boolean);
  const bucket = host[1] ?? segments.shift();
  if (!bucket || segments.length > 0) return undefined;
  const region = BUCKET_REGION.exec(bucket)?.[1] ?? 'us-east-1';
  const reply = region === (host[2] ?? 'us-east-1') ? s3Error(403, 'AccessDenied', 'Access Denied') : s3Error(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.');
  return { ...reply, headers: { ...reply.headers, 'x-amz-bucket-region': region } };
}

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function serve(message: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  let reply: Reply;
  try {
    const { method = 'GET', url = '/', headers, rawHeaders } = message;
    const body = await readBody(message);
    reply = respond({ method, host: headers.host ?? '', path: url, headers, rawHeaders, body }, context);
  } catch (error) {
    reply = { status: 400, headers: { 'content-type': 'text/plain' }, body: `malformed request: ${String(error)}` };
  }
  const body = Buffer.from(reply.body);
  // RFC 9110 forbids Content-Length on 204; for HEAD it announces the body node then omits.
  const length: Record<string, string> = reply.status === 204 ? {} : { 'content-length': String(body.length) };
  response.writeHead(reply.status, { 'x-amz-request-id': randomUUID(), ...length, ...reply.headers });
  response.end(body);
}

export async function startFakeAws(options: {
  credentials: UpstreamCredentials;
  dir: string;
  accountId?: string;
}): Promise<FakeAws> {
  const ca = createTestCa(options.dir);
  const context: Context = {
    credentials: options.credentials,
    accountId: options.accountId ?? '123456789012',
    requests: [],
    store: { objects: new Map(), buckets: new Set(), uploads: new Map() },
    sessions: new Map(),
  };
  const server = createServer({ key: ca.serverKeyPem, cert: ca.serverCertPem }, (message, response) => {
    serve(message, response, context).catch(() => response.destroy());
  });
  // SDKs pool connections; a short timeout would make them race the server closing idle sockets.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  let connectionsAccepted = 0;
  server.on('secureConnection', () => void connectionsAccepted++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    caFile: ca.caFile,
    caPem: ca.caPem,
    accountId: context.accountId,
    requests: context.requests,
    objects: context.store.objects,
    sessions: context.sessions,
    connectionsAccepted: () => connectionsAccepted,
    reset() {
      context.requests.length = 0;
      context.store.objects.clear();
      context.store.buckets.clear();
      context.store.uploads.clear();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
