import { describe, expect, it } from 'vitest';
import { encodeCborTextMap, escapeXml, renderAwsError } from '../../src/aws/errors.js';

const denied = { status: 403, code: 'AccessDenied', message: 'not allowed' };

/** Text of the first <tag>…</tag> in an XML body. */
function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function rootElement(xml: string): string | undefined {
  return /^<\?xml[^>]*\?>\s*<([A-Za-z]+)>/.exec(xml)?.[1];
}

describe('renderAwsError: XML protocols', () => {
  it('s3 (rest-xml): a root <Error> with Code, Message, RequestId and the x-amz-request-id header', () => {
    const r = renderAwsError('restXml', denied, { service: 's3', method: 'GET', requestId: 'req-1' });
    const xml = r.body.toString('utf8');
    expect(r.status).toBe(403);
    expect(rootElement(xml)).toBe('Error');
    expect(tag(xml, 'Code')).toBe('AccessDenied');
    expect(tag(xml, 'Message')).toBe('not allowed');
    expect(tag(xml, 'RequestId')).toBe('req-1');
    expect(r.headers['x-amz-request-id']).toBe('req-1');
    expect(r.headers['x-amzn-requestid']).toBe('req-1');
    expect(r.headers['content-type']).toBe('text/xml');
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });

  it('query: <ErrorResponse><Error><Code>', () => {
    const r = renderAwsError('awsQuery', { status: 400, code: 'SignatureDoesNotMatch', message: 'bad' }, { service: 'sts', method: 'POST', requestId: 'req-2' });
    const xml = r.body.toString('utf8');
    expect(r.status).toBe(400);
    expect(rootElement(xml)).toBe('ErrorResponse');
    expect(xml).toMatch(/<ErrorResponse><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code><Message>bad<\/Message><\/Error><RequestId>req-2<\/RequestId><\/ErrorResponse>$/);
    expect(r.headers['x-amz-request-id']).toBeUndefined();
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });

  it('ec2: <Response><Errors><Error> and a RequestID', () => {
    const r = renderAwsError('ec2Query', denied, { service: 'ec2', method: 'POST', requestId: 'req-3' });
    const xml = r.body.toString('utf8');
    expect(rootElement(xml)).toBe('Response');
    expect(xml).toContain('<Response><Errors><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></Errors>');
    expect(tag(xml, 'RequestID')).toBe('req-3');
    expect(r.headers['content-type']).toMatch(/^text\/xml/);
  });

  it('escapes <&>\'" in the message so the XML stays well formed', () => {
    const message = `a <b> & 'c' "d"`;
    const r = renderAwsError('awsQuery', { ...denied, message }, { service: 'iam', method: 'POST' });
    const raw = tag(r.body.toString('utf8'), 'Message')!;
    expect(raw).not.toMatch(/[<>'"]/);
    expect(raw).not.toMatch(/&(?!#\d+;)/);
    const decoded = raw.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    expect(decoded).toBe(message);
  });

  it('escapeXml encodes each of the five characters', () => {
    expect(escapeXml(`<>&'"x`)).toBe('&#60;&#62;&#38;&#39;&#34;x');
  });

  it('makes up a request id when none is given, different each time', () => {
    const a = renderAwsError('awsQuery', denied, { service: 'sts', method: 'GET' });
    const b = renderAwsError('awsQuery', denied, { service: 'sts', method: 'GET' });
    expect(a.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-amzn-requestid']).not.toBe(b.headers['x-amzn-requestid']);
    expect(tag(a.body.toString(), 'RequestId')).toBe(a.headers['x-amzn-requestid']);
  });
});

describe('renderAwsError: JSON protocols', () => {
  it('json: __type and x-amzn-errortype, AccessDenied becomes AccessDeniedException', () => {
    const r = renderAwsError('awsJson1_1', denied, { service: 'dynamodb', method: 'POST', requestId: 'req-4' });
    const body = JSON.parse(r.body.toString('utf8')) as Record<string, string>;
    expect(r.status).toBe(403);
    expect(body.__type).toBe('AccessDeniedException');
    expect(body.message).toBe('not allowed');
    expect(r.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(r.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(r.headers['x-amzn-requestid']).toBe('req-4');
  });

  it('json: other codes keep their name', () => {
    const r = renderAwsError('awsJson1_1', { status: 403, code: 'InvalidClientTokenId', message: 'm' }, { service: 'logs', method: 'POST' });
    expect(JSON.parse(r.body.toString()).__type).toBe('InvalidClientTokenId');
    expect(r.headers['x-amzn-errortype']).toBe('InvalidClientTokenId');
  });

  it('rest-json: application/json with the same fields', () => {
    const r = renderAwsError('restJson1', denied, { service: 'lambda', method: 'GET' });
    const body = JSON.parse(r.body.toString('utf8')) as Record<string, string>;
    expect(r.headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({ __type: 'AccessDeniedException', message: 'not allowed', Message: 'not allowed' });
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });

  it('rpc-v2-cbor: a CBOR map with __type and message', () => {
    const r = renderAwsError('rpcv2Cbor', denied, { service: 'monitoring', method: 'POST' });
    expect(r.headers['content-type']).toBe('application/cbor');
    expect(r.headers['smithy-protocol']).toBe('rpc-v2-cbor');
    expect(decodeCborTextMap(r.body)).toStrictEqual({ __type: 'AccessDeniedException', message: 'not allowed' });
  });
});

describe('renderAwsError: HEAD', () => {
  it.each(['restXml', 'awsJson1_1', 'awsQuery'] as const)('%s: empty body, content-length 0, status kept', (protocol) => {
    const r = renderAwsError(protocol, { status: 404, code: 'NoSuchKey', message: 'gone' }, { service: 's3', method: 'HEAD' });
    expect(r.status).toBe(404);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe('0');
  });
});

/** A hand-written decoder for exactly what encodeCborTextMap may emit: a map of text strings. */
function decodeCborTextMap(bytes: Buffer): Record<string, string> {
  let at = 0;
  const head = (expectedMajor: number): number => {
    const first = bytes[at++]!;
    expect(first >> 5).toBe(expectedMajor);
    const info = first & 0x1f;
    if (info < 24) return info;
    if (info === 24) return bytes[at++]!;
    if (info === 25) return (at += 2), bytes.readUInt16BE(at - 2);
    if (info === 26) return (at += 4), bytes.readUInt32BE(at - 4);
    throw new Error(`unexpected additional info ${info}`);
  };
  const text = (): string => {
    const length = head(3);
    const value = bytes.subarray(at, at + length).toString('utf8');
    at += length;
    return value;
  };
  const out: Record<string, string> = {};
  const entries = head(5);
  for (let i = 0; i < entries; i++) {
    const key = text();
    out[key] = text();
  }
  expect(at).toBe(bytes.length);
  return out;
}

describe('encodeCborTextMap', () => {
  it('encodes a short map byte for byte', () => {
    // a1 (map of 1) 61 'a' (text of 1) 62 'b' 'c' (text of 2)
    expect([...encodeCborTextMap({ a: 'bc' })]).toStrictEqual([0xa1, 0x61, 0x61, 0x62, 0x62, 0x63]);
  });

  it('uses a one-byte length for 24..255-byte strings', () => {
    const value = 'x'.repeat(30);
    const bytes = encodeCborTextMap({ k: value });
    expect([...bytes.subarray(0, 5)]).toStrictEqual([0xa1, 0x61, 0x6b, 0x78, 30]);
    expect(bytes.subarray(5).toString('utf8')).toBe(value);
    expect(bytes.length).toBe(5 + 30);
  });

  it('uses a two-byte length for strings over 255 bytes', () => {
    const value = 'y'.repeat(300);
    const bytes = encodeCborTextMap({ k: value });
    expect([...bytes.subarray(0, 6)]).toStrictEqual([0xa1, 0x61, 0x6b, 0x79, 0x01, 0x2c]);
    expect(bytes.length).toBe(6 + 300);
  });

  it('counts UTF-8 bytes, not characters, and round-trips several entries', () => {
    const map = { __type: 'AccessDeniedException', message: 'é'.repeat(20), long: 'z'.repeat(70_000) };
    const bytes = encodeCborTextMap(map);
    expect(decodeCborTextMap(bytes)).toStrictEqual(map);
    // 'é' is 2 bytes: 40 bytes ≥ 24 needs the one-byte length form (0x78 0x28)
    const at = bytes.indexOf(Buffer.from('message')) + 'message'.length;
    expect([bytes[at], bytes[at + 1]]).toStrictEqual([0x78, 40]);
  });

  it('encodes an empty map as a single byte', () => {
    expect([...encodeCborTextMap({})]).toStrictEqual([0xa0]);
  });
});
