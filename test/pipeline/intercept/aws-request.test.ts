import type { IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { cbor } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';

/** A request as Node would hand it over: `headers` lowercased and joined, `rawHeaders` as sent. */
function request(method: string, target: string, raw: Array<[string, string]> = [], body?: Buffer | string): AwsRequest {
  const rawHeaders = raw.flat();
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const made = new AwsRequest(method, target, 'example.amazonaws.com', headers, rawHeaders);
  if (body !== undefined) made.setBody(Buffer.isBuffer(body) ? body : Buffer.from(body));
  return made;
}

describe('AwsRequest: the request head', () => {
  it('splits the target at the first ? into raw path and raw query, undecoded', () => {
    const r = request('GET', '/a%2Fb/c?x=%20&y=1?z');
    expect([r.rawPath, r.rawQuery]).toStrictEqual(['/a%2Fb/c', 'x=%20&y=1?z']);
  });

  it('a target without ? has an empty query', () => {
    const r = request('GET', '/path');
    expect([r.rawPath, r.rawQuery]).toStrictEqual(['/path', '']);
  });

  it('query(): percent-decoded, + kept, repeats as arrays, prototype-free', () => {
    const q = request('GET', '/?a=1+2&b=%2B&a=3&__proto__=x').query();
    expect(Object.entries(q)).toStrictEqual([
      ['a', ['1+2', '3']],
      ['b', '+'],
      ['__proto__', 'x'],
    ]);
    expect(Object.getPrototypeOf(q)).toBeNull();
  });

  it('query() is computed once', () => {
    const r = request('GET', '/?a=1');
    expect(r.query()).toBe(r.query());
  });

  it('header(): a single value, or repeats joined by a comma, undefined when absent', () => {
    const r = new AwsRequest('GET', '/', 'h', { 'x-one': 'a', 'set-cookie': ['b', 'c'] }, ['X-One', 'a', 'Set-Cookie', 'b', 'Set-Cookie', 'c']);
    expect([r.header('x-one'), r.header('set-cookie'), r.header('x-none')]).toStrictEqual(['a', 'b,c', undefined]);
  });

  it('headerCount(): counts each raw repeat, whatever case each was sent in', () => {
    const r = request('POST', '/', [
      ['X-Amz-Target', 'A.B'],
      ['x-amz-target', 'A.C'],
      ['X-AMZ-TARGET', 'A.D'],
      ['Content-Type', 'application/json'],
    ]);
    expect(r.headerCount('x-amz-target')).toBe(3);
    expect(r.headerCount('content-type')).toBe(1);
    expect(r.headerCount('smithy-protocol')).toBe(0);
  });

  it('headerCount(): a repeat Node folded into one value still counts twice', () => {
    const r = request('GET', '/', [
      ['x-amz-copy-source', '/a/b'],
      ['x-amz-copy-source', '/c/d'],
    ]);
    expect(r.header('x-amz-copy-source')).toBe('/a/b, /c/d');
    expect(r.headerCount('x-amz-copy-source')).toBe(2);
  });

  // Was a bug (aws-request.ts): headerCount is documented as case-insensitive but does not lowercase the
  // name it is asked for; every caller passes lowercase names today.
  it('headerCount(): the name asked for is case-insensitive too', () => {
    expect(request('POST', '/', [['X-Amz-Target', 'A.B']]).headerCount('X-Amz-Target')).toBe(1);
  });

  it('mediaType(): lowercased, parameters and whitespace dropped', () => {
    expect(request('POST', '/', [['Content-Type', ' Application/X-WWW-Form-URLEncoded ; charset=UTF-8']]).mediaType()).toBe('application/x-www-form-urlencoded');
    expect(request('POST', '/', [['Content-Type', 'application/x-amz-json-1.0']]).mediaType()).toBe('application/x-amz-json-1.0');
    expect(request('POST', '/').mediaType()).toBe('');
  });

  it('from(): the target of an absolute-form proxy request, the Host header without port', () => {
    const from = (url: string | undefined, host: string) =>
      AwsRequest.from({ method: 'PUT', url, headers: { host }, rawHeaders: ['Host', host] } as unknown as IncomingMessage);
    const absolute = from('http://s3.amazonaws.com:80/b/k?acl', 'S3.AmazonAWS.com:443');
    expect([absolute.method, absolute.target, absolute.rawPath, absolute.rawQuery, absolute.hostname]).toStrictEqual(['PUT', '/b/k?acl', '/b/k', 'acl', 's3.amazonaws.com']);
    expect(from('HTTPS://host', 'h').target).toBe('/');
    expect(from('/origin/form?x', 'h').target).toBe('/origin/form?x');
    expect(from(undefined, 'h').target).toBe('/');
  });
});

describe('AwsRequest: body views', () => {
  it('has no body until one is set; the views then read an empty one', () => {
    const r = request('POST', '/');
    expect(r.body).toBeUndefined();
    expect(r.payload()).toStrictEqual({ ok: true, value: Buffer.alloc(0) });
    expect(r.json()).toStrictEqual({ ok: true, value: {} });
  });

  it('json(): an empty or blank body is an empty object', () => {
    expect(request('POST', '/', [], '').json()).toStrictEqual({ ok: true, value: {} });
    expect(request('POST', '/', [], ' \r\n\t').json()).toStrictEqual({ ok: true, value: {} });
  });

  it('json(): refuses a repeated name', () => {
    expect(request('POST', '/', [], '{"a":1,"a":2}').json()).toStrictEqual({ ok: false, error: 'the name "a" appears twice in one JSON object' });
  });

  it('text(): the payload as UTF-8', () => {
    expect(request('POST', '/', [], Buffer.from('é✓', 'utf8')).text()).toStrictEqual({ ok: true, value: 'é✓' });
  });

  it('form(), xml(), cbor(): each body format', () => {
    expect(request('POST', '/', [], 'a=1+2&b').form()).toStrictEqual({ ok: true, value: [['a', '1 2'], ['b', '']] });
    expect(request('POST', '/', [], '<a>x</a>').xml()).toStrictEqual({ ok: true, value: { a: 'x' } });
    expect(request('POST', '/', [], Buffer.from(cbor.serialize({ a: [1] }))).cbor()).toStrictEqual({ ok: true, value: { a: [1] } });
  });

  it('views are computed once and kept', () => {
    const r = request('POST', '/', [], '{"a":{"b":1}}');
    const first = r.json();
    expect(r.json()).toBe(first);
    expect(r.text()).toBe(r.text());
    expect(r.payload()).toBe(r.payload());
  });

  it('setBody() drops every body view, and keeps query and header views', () => {
    const r = request('POST', '/?q=1', [['Content-Type', 'application/json']], '{"a":1}');
    const query = r.query();
    expect(r.json()).toStrictEqual({ ok: true, value: { a: 1 } });
    expect(r.form()).toStrictEqual({ ok: true, value: [['{"a":1}', '']] });
    r.setBody(Buffer.from('{"b":2}'));
    expect(r.body?.toString()).toBe('{"b":2}');
    expect(r.text()).toStrictEqual({ ok: true, value: '{"b":2}' });
    expect(r.json()).toStrictEqual({ ok: true, value: { b: 2 } });
    expect(r.form()).toStrictEqual({ ok: true, value: [['{"b":2}', '']] });
    expect(r.query()).toBe(query);
  });

  it('setBody() also drops the xml and cbor views', () => {
    const r = request('POST', '/', [], '<a>1</a>');
    expect(r.xml()).toStrictEqual({ ok: true, value: { a: '1' } });
    expect(r.cbor().ok).toBe(false);
    r.setBody(Buffer.from(cbor.serialize({ z: 1 })));
    expect(r.cbor()).toStrictEqual({ ok: true, value: { z: 1 } });
    expect(r.xml().ok).toBe(false);
  });
});

describe('AwsRequest: content codings', () => {
  const chunked = '5;chunk-signature=abc\r\n{"a":\r\n2;chunk-signature=def\r\n1}\r\n0;chunk-signature=ghi\r\n\r\n';
  const STREAMING: Array<[string, string]> = [['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']];

  it('aws-chunked on a streamed upload: the views read the payload without its framing', () => {
    const r = request('PUT', '/b/k', [['Content-Encoding', 'aws-chunked'], ...STREAMING], chunked);
    expect(r.payload()).toStrictEqual({ ok: true, value: Buffer.from('{"a":1}') });
    expect(r.json()).toStrictEqual({ ok: true, value: { a: 1 } });
    expect(r.body?.toString()).toBe(chunked);
  });

  it('a signed-chunk body is read as aws-chunked even when Content-Encoding leaves it out, as S3 reads it', () => {
    expect(request('PUT', '/b/k', [...STREAMING], chunked).json()).toStrictEqual({ ok: true, value: { a: 1 } });
    expect(request('PUT', '/b/k', [['Content-Encoding', 'gzip'], ...STREAMING], chunked).payload().ok).toBe(false); // gzip inside the framing
  });

  it('aws-chunked in any case, among identity codings', () => {
    expect(request('PUT', '/', [['Content-Encoding', 'identity, AWS-Chunked'], ...STREAMING], chunked).text()).toStrictEqual({ ok: true, value: '{"a":1}' });
  });

  it('aws-chunked on a body not signed as streamed is unreadable', () => {
    const error = { ok: false, error: 'content coding "aws-chunked" on this request' };
    expect(request('PUT', '/', [['Content-Encoding', 'aws-chunked']], chunked).payload()).toStrictEqual(error);
    expect(request('PUT', '/', [['Content-Encoding', 'aws-chunked'], ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD']], chunked).payload()).toStrictEqual(error);
  });

  it('gzip is decompressed; gzip over aws-chunked is undone last-listed first', () => {
    const zipped = gzipSync(Buffer.from('Action=ListMetrics'));
    expect(request('POST', '/', [['Content-Encoding', 'gzip']], zipped).form()).toStrictEqual({ ok: true, value: [['Action', 'ListMetrics']] });
    const framed = Buffer.concat([Buffer.from(`${zipped.length.toString(16)}\r\n`), zipped, Buffer.from('\r\n0\r\n\r\n')]);
    expect(request('PUT', '/', [['Content-Encoding', 'gzip, aws-chunked'], ...STREAMING], framed).text()).toStrictEqual({ ok: true, value: 'Action=ListMetrics' });
  });

  it('a gzip body that does not decompress is unreadable', () => {
    expect(request('POST', '/', [['Content-Encoding', 'gzip']], 'not gzip').payload()).toMatchObject({ ok: false, error: expect.stringMatching(/^a gzip body that cannot be decompressed/) });
  });

  it('any other content coding is unreadable', () => {
    expect(request('POST', '/', [['Content-Encoding', 'br']], 'x').text()).toStrictEqual({ ok: false, error: 'content coding "br" on this request' });
    expect(request('POST', '/', [['Content-Encoding', 'aws-chunked-ish']], 'x').text()).toStrictEqual({ ok: false, error: 'content coding "aws-chunked-ish" on this request' });
  });

  it('a malformed framing makes every view unreadable, with the framing error', () => {
    const r = request('PUT', '/', [['Content-Encoding', 'aws-chunked'], ...STREAMING], '5\r\n{"a":1}\r\n0\r\n\r\n');
    const error = { ok: false, error: 'an aws-chunked chunk at byte 3 that is not 5 bytes long' };
    expect([r.payload(), r.text(), r.json(), r.form(), r.xml(), r.cbor()]).toStrictEqual([error, error, error, error, error, error]);
  });
});
