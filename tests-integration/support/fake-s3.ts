import { createHash, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Reply } from './fake-aws.js';

/** The fake's S3 state: `objects` is keyed `${bucket}/${key}`; `buckets` holds created ones; `uploads` multipart parts by upload id. */
export interface S3Store {
  objects: Map<string, Buffer>;
  buckets: Set<string>;
  uploads: Map<string, { id: string; parts: Map<number, Buffer> }>;
}

export interface S3Request {
  method: string;
  host: string;
  path: string;
  /** The object bytes, already stripped of any aws-chunked framing. */
  body: Buffer;
  region: string;
  /** A `Range: bytes=first-last` header, as the AWS CLI sends for parallel downloads. */
  range?: string;
}

const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
// `objects` holds bare Buffers so tests can seed it directly; one timestamp is all clients need.
const LAST_MODIFIED = new Date();
// `<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3-accelerate...`
const VIRTUAL_HOST = /^(.+?)\.s3(?:express-[a-z0-9-]+)?(?:[.-][a-z0-9.-]+)?\.amazonaws\.com$/;
const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => XML_ENTITIES[c] ?? c);
}

/** The query string of a raw request target, without the leading `?`. */
export function queryOf(path: string): URLSearchParams {
  const start = path.indexOf('?');
  return new URLSearchParams(start < 0 ? '' : path.slice(start + 1));
}

function xml(status: number, document: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${document}`,
  };
}

/** S3 (restXml) errors have `<Error>` as the root, unlike the query protocol's `<ErrorResponse>`. */
export function s3Error(status: number, code: string, message: string): Reply {
  return xml(status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
}

const empty = (status: number): Reply => ({ status, headers: {}, body: '' });

/** ETags of objects completed from parts, by the stored Buffer: S3's `"<md5 of the parts' binary md5s>-<part count>"`. */
const MULTIPART_ETAGS = new WeakMap<Buffer, string>();

function etag(data: Buffer): string {
  return MULTIPART_ETAGS.get(data) ?? `"${createHash('md5').update(data).digest('hex')}"`;
}

function locate(host: string, path: string): { bucket?: string; key?: string } {
  const pathname = path.split('?')[0] ?? '';
  const virtualBucket = VIRTUAL_HOST.exec(host.replace(/:\d+$/, '').toLowerCase())?.[1];
  const [bucket, ...keyParts] = virtualBucket ? [virtualBucket, pathname.slice(1)] : pathname.slice(1).split('/');
  const key = keyParts.join('/');
  return { bucket: bucket ? decodeURIComponent(bucket) : undefined, key: key ? decodeURIComponent(key) : undefined };
}

export function handleS3(request: S3Request, store: S3Store): Reply {
  const { bucket, key } = locate(request.host, request.path);
  const query = queryOf(request.path);
  query.delete('x-id'); // The JS SDK appends it for its own routing; it is not a sub-resource.
  if (!bucket) return request.method === 'GET' ? listBuckets(store) : empty(200);
  if (!key) return bucketOperation(request, store, bucket, query);
  if (query.has('uploads') || query.has('uploadId')) return multipartOperation(request, store, bucket, key, query);
  // Other sub-resources (?tagging, ?acl, ...) are accepted and ignored.
  if (query.size > 0) return empty(200);
  return objectOperation(request, store, `${bucket}/${key}`);
}

function bucketOperation(request: S3Request, store: S3Store, bucket: string, query: URLSearchParams): Reply {
  const listing = [...query.keys()].every((name) => LIST_PARAMETERS.has(name));
  if (request.method === 'GET' && listing) return listObjects(store, bucket, query);
  if (request.method === 'GET' && query.has('uploads')) return listMultipartUploads(store, bucket, query);
  // GetBucketLocation: S3 answers an empty LocationConstraint for us-east-1 (s3cmd reads it before listing).
  if (request.method === 'GET' && query.has('location')) {
    const constraint = request.region === 'us-east-1' ? '' : xmlEscape(request.region);
    return xml(200, `<LocationConstraint xmlns="${NAMESPACE}">${constraint}</LocationConstraint>`);
  }
  if (query.size > 0) return empty(200);
  switch (request.method) {
    case 'PUT':
      store.buckets.add(bucket);
      return { status: 200, headers: { location: `/${bucket}` }, body: '' };
    case 'HEAD':
      return { status: 200, headers: { 'x-amz-bucket-region': request.region }, body: '' };
    case 'DELETE':
      return empty(204);
    default:
      return empty(200);
  }
}

function objectOperation(request: S3Request, store: S3Store, id: string): Reply {
  switch (request.method) {
    case 'PUT':
      store.objects.set(id, request.body);
      return { status: 200, headers: { etag: etag(request.body) }, body: '' };
    case 'GET':
    case 'HEAD': {
      // Node drops the body of a HEAD response but keeps our content-length, as HeadObject needs.
      const data = store.objects.get(id);
      if (!data) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      const headers = { etag: etag(data), 'last-modified': LAST_MODIFIED.toUTCString(), 'content-type': 'application/octet-stream' };
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.range ?? '');
      if (!range) return { status: 200, headers, body: data };
      const first = Number(range[1]);
      const last = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
      return { status: 206, headers: { ...headers, 'content-range': `bytes ${first}-${last}/${data.length}` }, body: data.subarray(first, last + 1) };
    }
    case 'DELETE':
      store.objects.delete(id);
      return empty(204);
    default:
      return empty(200);
  }
}

/** Create, upload part, complete and abort: enough for the AWS CLI's multipart `aws s3 cp`. */
function multipartOperation(request: S3Request, store: S3Store, bucket: string, key: string, query: URLSearchParams): Reply {
  const id = `${bucket}/${key}`;
  if (request.method === 'POST' && query.has('uploads')) {
    const uploadId = randomUUID();
    store.uploads.set(uploadId, { id, parts: new Map() });
    return xml(200, `<InitiateMultipartUploadResult xmlns="${NAMESPACE}"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
  }
  const upload = store.uploads.get(query.get('uploadId') ?? '');
  if (!upload || upload.id !== id) return s3Error(404, 'NoSuchUpload', 'The specified upload does not exist.');
  switch (request.method) {
    case 'PUT': {
      upload.parts.set(Number(query.get('partNumber')), request.body);
      return { status: 200, headers: { etag: etag(request.body) }, body: '' };
    }
    case 'POST': {
      const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
      const data = Buffer.concat(parts);
      const digests = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
      MULTIPART_ETAGS.set(data, `"${createHash('md5').update(digests).digest('hex')}-${parts.length}"`);
      store.objects.set(id, data);
      store.uploads.delete(query.get('uploadId')!);
      return xml(200, `<CompleteMultipartUploadResult xmlns="${NAMESPACE}"><Location>${xmlEscape(`https://${request.host}${request.path.split('?')[0]}`)}</Location><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag(data))}</ETag></CompleteMultipartUploadResult>`);
    }
    case 'DELETE':
      store.uploads.delete(query.get('uploadId')!);
      return empty(204);
    default:
      return empty(200);
  }
}

function listBuckets(store: S3Store): Reply {
  const names = new Set(['test-bucket', ...store.buckets]);
  for (const id of store.objects.keys()) names.add(id.slice(0, id.indexOf('/')));
  const buckets = [...names]
    .sort()
    .map((name) => `<Bucket><Name>${xmlEscape(name)}</Name><CreationDate>${LAST_MODIFIED.toISOString()}</CreationDate></Bucket>`);
  const owner = '<Owner><ID>fake-owner</ID><DisplayName>fake-owner</DisplayName></Owner>';
  return xml(200, `<ListAllMyBucketsResult xmlns="${NAMESPACE}">${owner}<Buckets>${buckets.join('')}</Buckets></ListAllMyBucketsResult>`);
}

/** ListMultipartUploads (minio-js asks for an upload to resume before starting one); one page. */
function listMultipartUploads(store: S3Store, bucket: string, query: URLSearchParams): Reply {
  const prefix = query.get('prefix') ?? '';
  const uploads = [...store.uploads]
    .filter(([, upload]) => upload.id.startsWith(`${bucket}/${prefix}`))
    .map(([uploadId, upload]) => `<Upload><Key>${xmlEscape(upload.id.slice(bucket.length + 1))}</Key><UploadId>${uploadId}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>${LAST_MODIFIED.toISOString()}</Initiated></Upload>`);
  return xml(
    200,
    `<ListMultipartUploadsResult xmlns="${NAMESPACE}"><Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      `<Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`,
  );
}

/** The query parameters of ListObjects (v1) and ListObjectsV2; a bucket GET with only these is a listing. */
const LIST_PARAMETERS = new Set(['list-type', 'prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'continuation-token', 'start-after', 'fetch-owner']);

/** ListObjects (v1, as s3cmd and rclone's v1 mode send it) and ListObjectsV2, with delimiter (CommonPrefixes); one page. */
function listObjects(store: S3Store, bucket: string, query: URLSearchParams): Reply {
  const v2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  // With encoding-type=url (AWS CLI sends it) clients URL-decode keys and the prefix.
  const urlEncoded = query.get('encoding-type') === 'url';
  const encode = (text: string): string => xmlEscape(urlEncoded ? encodeURIComponent(text) : text);
  const prefixes = new Set<string>();
  const contents: string[] = [];
  for (const [id, data] of [...store.objects].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!id.startsWith(`${bucket}/${prefix}`)) continue;
    const key = id.slice(bucket.length + 1);
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      prefixes.add(key.slice(0, cut + delimiter.length));
      continue;
    }
    contents.push(
      [
        `<Contents><Key>${encode(key)}</Key>`,
        `<LastModified>${LAST_MODIFIED.toISOString()}</LastModified>`,
        `<ETag>${xmlEscape(etag(data))}</ETag><Size>${data.length}</Size>`,
        '<StorageClass>STANDARD</StorageClass></Contents>',
      ].join(''),
    );
  }
  const common = [...prefixes].map((p) => `<CommonPrefixes><Prefix>${encode(p)}</Prefix></CommonPrefixes>`).join('');
  const encodingType = urlEncoded ? '<EncodingType>url</EncodingType>' : '';
  const delimiterElement = delimiter ? `<Delimiter>${encode(delimiter)}</Delimiter>` : '';
  const position = v2 ? `<KeyCount>${contents.length + prefixes.size}</KeyCount>` : `<Marker>${encode(query.get('marker') ?? '')}</Marker>`;
  return xml(
    200,
    `<ListBucketResult xmlns="${NAMESPACE}"><Name>${xmlEscape(bucket)}</Name><Prefix>${encode(prefix)}</Prefix>` +
      `${position}<MaxKeys>1000</MaxKeys>${delimiterElement}${encodingType}<IsTruncated>false</IsTruncated>` +
      `${contents.join('')}${common}</ListBucketResult>`,
  );
}

/** The base64 checksum S3 would compute, or undefined for algorithms the fake cannot check (crc32c, crc64nvme). */
function checksum(trailer: string, data: Buffer): string | undefined {
  switch (trailer) {
    case 'x-amz-checksum-crc32': {
      const digest = Buffer.alloc(4);
      digest.writeUInt32BE(crc32(data));
      return digest.toString('base64');
    }
    case 'x-amz-checksum-sha1':
      return createHash('sha1').update(data).digest('base64');
    case 'x-amz-checksum-sha256':
      return createHash('sha256').update(data).digest('base64');
    default:
      return undefined;
  }
}

function parseTrailers(section: string): Map<string, string> {
  const trailers = new Map<string, string>();
  // The JS SDK ends a body without trailers right after `0\r\n`.
  if (section === '') return trailers;
  const lines = section.split('\r\n');
  if (lines.pop() !== '' || lines.pop() !== '') throw new Error('trailer section not terminated by an empty line');
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed trailer line ${JSON.stringify(line)}`);
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return trailers;
}

/**
 * Strips aws-chunked framing (`<hex-size>[;ext]\r\n<data>\r\n` ... `0\r\n<trailers>\r\n\r\n`)
 * and checks each trailer named in x-amz-trailer is present and, where computable, correct.
 * Throws an Error describing the first defect.
 */
export function decodeAwsChunked(raw: Buffer, expectedTrailers: string[]): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', position);
    const sizeField = lineEnd < 0 ? '' : raw.subarray(position, lineEnd).toString('latin1').split(';')[0];
    if (!sizeField || !/^[0-9a-fA-F]+$/.test(sizeField)) throw new Error(`bad chunk header at byte ${position}`);
    const size = parseInt(sizeField, 16);
    position = lineEnd + 2;
    if (size === 0) break;
    if (raw.subarray(position + size, position + size + 2).toString('latin1') !== '\r\n') {
      throw new Error(`chunk at byte ${position} is not ${size} bytes followed by CRLF`);
    }
    chunks.push(raw.subarray(position, position + size));
    position += size + 2;
  }
  const data = Buffer.concat(chunks);
  const trailers = parseTrailers(raw.subarray(position).toString('latin1'));
  for (const name of expectedTrailers) {
    const value = trailers.get(name);
    if (value === undefined) throw new Error(`trailer ${name} is missing`);
    const expected = checksum(name, data);
    if (expected !== undefined && expected !== value) throw new Error(`trailer ${name} does not match the decoded body`);
  }
  return data;
}
