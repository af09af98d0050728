import { describe, expect, it } from 'vitest';
import type { AwsRequest } from '../../../../src/pipeline/intercept/aws-request.js';
import { decodeRest } from '../../../../src/pipeline/resolve/decode/rest.js';
import type { Decoding } from '../../../../src/pipeline/resolve/decode/decoding.js';
import type { EndpointMatch } from '../../../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { defaultCatalog } from '../../../../src/services/catalog.js';
import { awsRequest } from '../../../support/resolve-case.js';

const catalog = defaultCatalog();
const endpoint = (over: Partial<EndpointMatch> = {}): EndpointMatch => ({
  service: 's3',
  partition: 'aws',
  signingName: 's3',
  signingRegions: ['us-east-1'],
  hostRegion: 'us-east-1',
  disableDoubleEncoding: true,
  labels: {},
  ...over,
});
const S3 = endpoint();
const APIGW = endpoint({ service: 'api-gateway', signingName: 'apigateway', disableDoubleEncoding: false });
const LAMBDA = endpoint({ service: 'lambda', signingName: 'lambda', disableDoubleEncoding: false });

interface Sent {
  headers?: Record<string, string | string[]>;
  /** The body as read; absent: not read yet. */
  body?: string;
}
function request(method: string, path: string, sent: Sent = {}): AwsRequest {
  return awsRequest({ method, host: 'h.amazonaws.com', path, headers: sent.headers, body: sent.body ?? '' });
}

function decode(service: string, protocol: 'restJson1' | 'restXml', ep: EndpointMatch, req: AwsRequest): Decoding {
  return decodeRest(catalog.service(service), req, ep, protocol);
}
const s3 = (method: string, path: string, sent?: Sent, ep = S3) => decode('s3', 'restXml', ep, request(method, path, sent));
const apigw = (method: string, path: string, sent?: Sent) => decode('api-gateway', 'restJson1', APIGW, request(method, path, sent));
const call = (d: Decoding) => {
  if (!d.ok) throw new Error(`not decoded: ${JSON.stringify(d)}`);
  return { operation: d.call.operation, protocol: d.call.protocol, input: JSON.parse(JSON.stringify(d.call.input)) as unknown };
};
const refusal = (d: Decoding) => (!d.ok && 'error' in d ? `${d.error.code}: ${d.error.message}` : `not refused: ${JSON.stringify(d)}`);

describe('decodeRest: operation and labels', () => {
  it('reads labels, query members and headers into the input by member name', () => {
    expect(call(decode('lambda', 'restJson1', LAMBDA, request('POST', '/2015-03-31/functions/fn/invocations?Qualifier=1', { headers: { 'X-Amz-Invocation-Type': 'Event' }, body: '{"ignored":1}' })))).toStrictEqual({
      operation: 'Invoke',
      protocol: 'restJson1',
      input: { FunctionName: 'fn', InvocationType: 'Event', Qualifier: '1' },
    });
  });

  it('a blob payload is never read: the operation decodes before the body arrives', () => {
    const req = awsRequest({ method: 'GET', host: 'h', path: '/2015-03-31/functions/fn/invocations' });
    Object.defineProperty(req, 'method', { value: 'POST' });
    expect(req.body).toBeUndefined();
    expect(call(decodeRest(catalog.service('lambda'), req, LAMBDA, 'restJson1')).operation).toBe('Invoke');
  });

  it('a request no route fits is an unknown operation', () => {
    expect(refusal(s3('PATCH', '/b'))).toBe('UnknownOperationException: No S3 operation is PATCH /b.');
  });

  it('a virtual-hosted bucket comes from the host; the whole path is the key', () => {
    expect(call(s3('GET', '/other-bucket/k', {}, endpoint({ labels: { Bucket: 'vb' } }))).input).toStrictEqual({ Bucket: 'vb', Key: 'other-bucket/k' });
  });

  it('an access-point host: the access point ARN is the Bucket', () => {
    const ap = endpoint({ bucket: 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap', labels: { accessPointName: 'ap', AccountId: '123456789012' } });
    expect(call(s3('GET', '/k', {}, ap)).input).toStrictEqual({ Bucket: 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap', Key: 'k' });
  });

  it('GET / is ListBuckets or ListDirectoryBuckets by the endpoint\'s signing name', () => {
    expect(call(s3('GET', '/')).operation).toBe('ListBuckets');
    expect(call(s3('GET', '/', {}, endpoint({ signingName: 's3express' }))).operation).toBe('ListDirectoryBuckets');
  });

  it('two routes that claim the request are ambiguous, naming both', () => {
    expect(refusal(s3('GET', '/b/k?acl&tagging'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: GET /b/k fits GetObject and GetObjectAcl and GetObjectTagging.');
  });

  it('a subresource key of another operation is refused', () => {
    expect(refusal(s3('GET', '/b?uploads&delete'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: the query key "delete" selects another operation than ListMultipartUploads.');
  });

  it('x-id naming the chosen operation is fine; given twice it is refused', () => {
    expect(call(s3('GET', '/b/k?x-id=GetObject')).operation).toBe('GetObject');
    expect(refusal(s3('GET', '/b/k?x-id=GetObject&x-id=GetObject'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: x-id=GetObject,GetObject names another operation than GetObject.');
  });
});

describe('decodeRest: paths AWS would normalise (every service but S3)', () => {
  it.each([
    ['an encoded dot segment', '/restapis/%2e/stages'],
    ['an encoded double dot, upper case', '/restapis/%2E%2E/stages'],
    ['a dot segment inside an encoded slash', '/restapis/a%2F.%2Fb/stages'],
    ['a double dot at the end', '/restapis/a/..'],
  ])('%s is refused', (_, path) => {
    expect(refusal(apigw('GET', path))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: a "." or ".." path segment (encoded or not) is resolved by AWS before routing.');
  });

  it('an empty segment is refused; a trailing slash is not', () => {
    expect(refusal(apigw('GET', '/restapis//stages'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: an empty path segment ("//") is removed by AWS before routing.');
    expect(call(apigw('GET', '/restapis/a/stages/')).operation).toBe('GetStages');
  });

  it('dots inside a segment are characters', () => {
    expect(call(apigw('GET', '/restapis/a..b/stages')).input).toStrictEqual({ restApiId: 'a..b' });
  });

  it('S3 does not normalise: dot and empty segments stay in the key', () => {
    expect(call(s3('GET', '/b/a/../%2e/./k')).input).toStrictEqual({ Bucket: 'b', Key: 'a/../././k' });
  });
});

describe('decodeRest: query, header and host inputs', () => {
  it('a list query member takes every value, in order; one value is a list of one', () => {
    expect(call(apigw('DELETE', '/tags/arn?tagKeys=a&tagKeys=b')).input).toStrictEqual({ resourceArn: 'arn', tagKeys: ['a', 'b'] });
    expect(call(apigw('DELETE', '/tags/arn?tagKeys=a')).input).toStrictEqual({ resourceArn: 'arn', tagKeys: ['a'] });
  });

  it('a single-valued query member given twice is refused', () => {
    expect(refusal(s3('GET', '/b/k?versionId=1&versionId=2'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: the query parameter "versionId" is given more than once.');
  });

  it('queryParams: every query key no member binds, signature parameters left out, repeats kept', () => {
    expect(call(apigw('GET', '/restapis/a/stages/s/exports/swagger?extensions=postman&X-Amz-Signature=x&X-Amz-Date=1&a=1&a=2')).input).toStrictEqual({
      restApiId: 'a',
      stageName: 's',
      exportType: 'swagger',
      parameters: { extensions: 'postman', a: ['1', '2'] },
    });
  });

  it('a list header member is split on commas and trimmed', () => {
    expect(call(s3('GET', '/b/k?attributes', { headers: { 'x-amz-object-attributes': 'ETag, Checksum,ObjectSize' } })).input).toStrictEqual({
      Bucket: 'b',
      Key: 'k',
      ObjectAttributes: ['ETag', 'Checksum', 'ObjectSize'],
    });
  });

  it('a header member sent twice is refused, even in different case', () => {
    expect(refusal(s3('PUT', '/b/k', { headers: { 'x-amz-acl': 'private', 'X-Amz-Acl': 'public-read' }, body: 'data' }))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: the header x-amz-acl is sent more than once.',
    );
  });

  it('prefix headers: every header with the prefix, the rest of its name lowercased as the key', () => {
    expect(call(s3('PUT', '/b/k', { headers: { 'x-amz-meta-a': 'x', 'X-Amz-Meta-B': 'y' }, body: 'data' })).input).toStrictEqual({ Bucket: 'b', Key: 'k', Metadata: { a: 'x', b: 'y' } });
  });

  it('a member the host also carries must agree with it', () => {
    const control = endpoint({ service: 's3-control', labels: { AccountId: '123456789012' }, hostPrefix: '{AccountId}.' });
    const get = (account: string) => decode('s3-control', 'restXml', control, request('GET', '/v20180820/configuration/publicAccessBlock', { headers: { 'x-amz-account-id': account } }));
    expect(call(get('123456789012')).input).toStrictEqual({ AccountId: '123456789012' });
    expect(refusal(get('999999999999'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: AccountId is 999999999999 in the request but 123456789012 in the host name.');
  });
});

describe('decodeRest: bodies', () => {
  it('restJson1 body members by jsonName; a label member\'s jsonName is not read from the body', () => {
    const d = apigw('PUT', '/restapis/a/resources/r/methods/GET/integration', { body: '{"type":"HTTP","httpMethod":"POST","requestHttpMethod":"PUT","integrationHttpMethod":"DELETE"}' });
    expect(call(d).input).toStrictEqual({ restApiId: 'a', resourceId: 'r', httpMethod: 'GET', type: 'HTTP', integrationHttpMethod: 'POST' });
  });

  it('a body that has not been read yet: the decoder asks for it', () => {
    const req = awsRequest({ method: 'GET', host: 'h', path: '/tags/arn' });
    Object.defineProperty(req, 'method', { value: 'PUT' });
    expect(decodeRest(catalog.service('api-gateway'), req, APIGW, 'restJson1')).toStrictEqual({ ok: false, needsBody: true });
  });

  it('an empty body reads as no body members', () => {
    expect(call(apigw('PUT', '/tags/arn', { body: '' })).input).toStrictEqual({ resourceArn: 'arn' });
  });

  it('map keys named __proto__ and constructor are plain keys', () => {
    const d = apigw('PUT', '/tags/arn', { body: '{"tags":{"__proto__":"x","constructor":"y"}}' });
    const tags = (d.ok ? d.call.input.tags : undefined) as Record<string, string>;
    expect(Object.entries(tags)).toStrictEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('a JSON name given twice, or JSON that does not parse, is a SerializationException', () => {
    expect(refusal(apigw('PUT', '/tags/arn', { body: '{"tags":{"a":"1"},"tags":{"b":"2"}}' }))).toBe('SerializationException: The request body is the name "tags" appears twice in one JSON object.');
    expect(refusal(apigw('PUT', '/tags/arn', { body: '{"tags":' }))).toMatch(/^SerializationException: The request body is not valid JSON/);
  });

  it('a string payload is the body text, unparsed', () => {
    expect(call(s3('PUT', '/b?policy', { body: '{"Version":"2012-10-17","Version":"x"}' })).input).toStrictEqual({ Bucket: 'b', Policy: '{"Version":"2012-10-17","Version":"x"}' });
  });

  it('a structure payload is the XML root element, whatever it is named; the XML declaration is not a root', () => {
    expect(call(s3('POST', '/b?delete', { body: '<?xml version="1.0"?><Delete><Object><Key>a</Key></Object></Delete>' })).input).toStrictEqual({
      Bucket: 'b',
      Delete: { Objects: [{ Key: 'a' }] },
    });
  });

  it('XML that is not well-formed is MalformedXML', () => {
    expect(refusal(s3('POST', '/b?delete', { body: '<Delete><Object><Key>a</Key></Object>' }))).toBe(
      "MalformedXML: The XML you provided was not well-formed: not well-formed XML (Unclosed tag 'Delete'.).",
    );
  });

  it('two roots, or a processing instruction beside the root, are refused', () => {
    expect(refusal(s3('POST', '/b?delete', { body: '<?pi x?><Delete/>' }))).toBe('MalformedXML: The XML you provided was not well-formed: an XML body must have exactly one root element.');
    expect(refusal(s3('POST', '/b?delete', { body: '<Delete/><Delete/>' }))).toBe('MalformedXML: The XML you provided was not well-formed: an XML body must have exactly one root element.');
  });

  it('an XML element given twice where the model has one value is refused', () => {
    expect(refusal(s3('PUT', '/b', { body: '<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint><LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>' }))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: an XML element that holds one value appears more than once.',
    );
  });
});
