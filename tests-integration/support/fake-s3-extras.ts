/**
 * The S3 operations fake-s3.ts leaves generic that clients need real answers from:
 * CopyObject (PUT with x-amz-copy-source) and DeleteObjects (POST ?delete).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { queryOf, s3Error, xmlEscape, type S3Store } from './fake-s3.js';
import type { Reply } from './fake-aws.js';

const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const VIRTUAL_HOST = /^(.+?)\.s3(?:[.-][a-z0-9.-]+)?\.amazonaws\.com$/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface S3ExtraRequest {
  method: string;
  host: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const xml = (document: string): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${document}`,
});

function xmlUnescape(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x?[0-9a-fA-F]+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? entity;
  });
}

/** `{ bucket, key }` of a path-style or virtual-hosted request, decoded. */
function target(host: string, path: string): { bucket: string; key: string } {
  const pathname = path.split('?')[0] ?? '';
  const virtualBucket = VIRTUAL_HOST.exec(host.replace(/:\d+$/, '').toLowerCase())?.[1];
  const [bucket = '', ...key] = virtualBucket ? [virtualBucket, pathname.slice(1)] : pathname.slice(1).split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(key.join('/')) };
}

function copyObject(request: S3ExtraRequest, store: S3Store, copySource: string): Reply {
  const [source = ''] = copySource.split('?');
  const sourceId = decodeURIComponent(source.replace(/^\//, ''));
  const data = store.objects.get(sourceId);
  if (!data) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const { bucket, key } = target(request.host, request.path);
  store.objects.set(`${bucket}/${key}`, data);
  const etag = `"${createHash('md5').update(data).digest('hex')}"`;
  return xml(`<CopyObjectResult xmlns="${NAMESPACE}"><LastModified>${new Date().toISOString()}</LastModified><ETag>${xmlEscape(etag)}</ETag></CopyObjectResult>`);
}

function deleteObjects(request: S3ExtraRequest, store: S3Store): Reply {
  const { bucket } = target(request.host, request.path);
  const keys = [...request.body.toString().matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) => xmlUnescape(match[1] ?? ''));
  for (const key of keys) store.objects.delete(`${bucket}/${key}`);
  const deleted = keys.map((key) => `<Deleted><Key>${xmlEscape(key)}</Key></Deleted>`).join('');
  return xml(`<DeleteResult xmlns="${NAMESPACE}">${deleted}</DeleteResult>`);
}

/** The reply for CopyObject or DeleteObjects, or undefined for every other S3 request. */
export function s3ExtraReply(request: S3ExtraRequest, store: S3Store): Reply | undefined {
  const copySource = request.headers['x-amz-copy-source'];
  const query = queryOf(request.path);
  if (request.method === 'PUT' && typeof copySource === 'string' && !query.has('uploadId')) return copyObject(request, store, copySource);
  if (request.method === 'POST' && query.has('delete')) return deleteObjects(request, store);
  return undefined;
}
