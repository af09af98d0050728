import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { hostWithoutPort } from '../../aws/hosts.js';
import { parseRawQuery, splitTarget, type QueryParameters } from '../../aws/query.js';
import { decodeAwsChunked } from '../../aws/wire/aws-chunked.js';
import { parseCbor } from '../../aws/wire/cbor.js';
import { parseForm } from '../../aws/wire/form.js';
import { parseJson } from '../../aws/wire/json.js';
import { gunzip } from '../../aws/wire/gzip.js';
import { unreadable, type Parsed } from '../../aws/wire/parsed.js';
import { parseXml, type XmlNode } from '../../aws/wire/xml.js';

/**
 * One intercepted request, built once and shared by every step. Each view of it (query,
 * form, JSON, XML, CBOR body) is computed on first use and kept, so no step parses it again.
 */
export class AwsRequest {
  private buffered: Buffer | undefined;
  private headViews: { query?: QueryParameters; headerCounts?: Map<string, number>; mediaType?: string } = {};
  private bodyViews: { payload?: Parsed<Buffer>; text?: Parsed<string>; form?: Parsed<Array<[string, string]>>; json?: Parsed<unknown>; xml?: Parsed<Record<string, XmlNode>>; cbor?: Parsed<unknown> } = {};

  constructor(
    readonly method: string,
    /** Request target as sent (path + query), origin-form. */
    readonly target: string,
    /** Host name from the Host header, lowercased, without port. */
    readonly hostname: string,
    readonly headers: IncomingHttpHeaders,
    /** Header names and values as received, repeats included (Node joins or drops repeats in `headers`). */
    readonly rawHeaders: string[],
  ) {
    const { rawPath, rawQuery } = splitTarget(target);
    this.rawPath = rawPath;
    this.rawQuery = rawQuery;
  }

  readonly rawPath: string;
  readonly rawQuery: string;

  static from(req: IncomingMessage): AwsRequest {
    // Plain-HTTP proxy requests arrive in absolute form (`http://host/path`); keep only the target.
    const target = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
    return new AwsRequest(req.method ?? 'GET', target, hostWithoutPort(req.headers.host ?? ''), req.headers, req.rawHeaders);
  }

  /** The body, once a step has read it (a signed payload, or one the resolver needs). */
  get body(): Buffer | undefined {
    return this.buffered;
  }

  setBody(body: Buffer): void {
    this.buffered = body;
    this.bodyViews = {};
  }

  /** The query string, percent-decoded (`+` stays `+`), repeated keys as arrays. */
  query(): QueryParameters {
    return (this.headViews.query ??= parseRawQuery(this.rawQuery));
  }

  /** How many times a header was sent (case-insensitive). */
  headerCount(name: string): number {
    let counts = this.headViews.headerCounts;
    if (!counts) {
      counts = this.headViews.headerCounts = new Map<string, number>();
      for (let i = 0; i < this.rawHeaders.length; i += 2) {
        const key = this.rawHeaders[i]!.toLowerCase();
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts.get(name.toLowerCase()) ?? 0;
  }

  /** A single-valued header: its value, or undefined when absent. */
  header(name: string): string | undefined {
    const value = this.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  }

  /** The media type of Content-Type, lowercased, parameters dropped. */
  mediaType(): string {
    return (this.headViews.mediaType ??= (this.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase());
  }

  /**
   * The body's content, its content codings undone (the last one listed first): `aws-chunked` (a
   * streamed upload, signed as STREAMING-…) and `gzip` (AWS request compression). Any other coding,
   * or aws-chunked on a body not signed as streamed, is unreadable: a service could read it otherwise.
   */
  payload(): Parsed<Buffer> {
    return (this.bodyViews.payload ??= this.undoCodings());
  }

  private undoCodings(): Parsed<Buffer> {
    let content: Buffer = this.body ?? Buffer.alloc(0);
    const codings = (this.header('content-encoding') ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
    // S3 reads a signed-chunk body as aws-chunked whether or not Content-Encoding says so (minio-go leaves it out).
    if (this.header('x-amz-content-sha256')?.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') && !codings.includes('aws-chunked')) codings.push('aws-chunked');
    for (const coding of codings.reverse()) {
      const undone = coding === 'aws-chunked' && this.header('x-amz-content-sha256')?.startsWith('STREAMING-') ? decodeAwsChunked(content) : coding === 'gzip' ? gunzip(content) : unreadable(`content coding "${coding}" on this request`);
      if (!undone.ok) return undone;
      content = undone.value;
    }
    return { ok: true, value: content };
  }

  /** The content as UTF-8 text. */
  text(): Parsed<string> {
    return (this.bodyViews.text ??= this.fromPayload((payload) => ({ ok: true, value: payload.toString('utf8') })));
  }

  form(): Parsed<Array<[string, string]>> {
    return (this.bodyViews.form ??= this.parseText(parseForm));
  }

  /** JSON; an empty body is an empty object, as AWS JSON services read it. */
  json(): Parsed<unknown> {
    return (this.bodyViews.json ??= this.parseText((text) => (text.trim() === '' ? { ok: true, value: {} } : parseJson(text))));
  }

  xml(): Parsed<Record<string, XmlNode>> {
    return (this.bodyViews.xml ??= this.parseText(parseXml));
  }

  cbor(): Parsed<unknown> {
    return (this.bodyViews.cbor ??= this.fromPayload(parseCbor));
  }

  private fromPayload<T>(parse: (payload: Buffer) => Parsed<T>): Parsed<T> {
    const payload = this.payload();
    return payload.ok ? parse(payload.value) : payload;
  }

  private parseText<T>(parse: (text: string) => Parsed<T>): Parsed<T> {
    const text = this.text();
    return text.ok ? parse(text.value) : text;
  }
}
