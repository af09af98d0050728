import { describe, expect, it } from 'vitest';
import type { AwsRequest } from '../../../../src/pipeline/intercept/aws-request.js';
import { decodeRequest, rpcProtocol } from '../../../../src/pipeline/resolve/decode/decode.js';
import type { Decoding } from '../../../../src/pipeline/resolve/decode/decoding.js';
import type { EndpointMatch } from '../../../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { defaultCatalog } from '../../../../src/services/catalog.js';
import type { ServiceModel } from '../../../../src/services/model.js';
import { awsRequest, type CaseRequest } from '../../../support/resolve-case.js';

const catalog = defaultCatalog();
const cloudwatch = catalog.service('cloudwatch'); // awsQuery, awsJson1_0, rpcv2Cbor
const dynamodb = catalog.service('dynamodb'); // awsJson1_0 only
const sts = catalog.service('sts'); // awsQuery only
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const req = (spec: Omit<CaseRequest, 'host'>): AwsRequest => awsRequest({ host: 'h.amazonaws.com', ...spec });
const endpoint = (service: string, signingName: string, disableDoubleEncoding = false): EndpointMatch => ({
  service,
  partition: 'aws',
  signingName,
  signingRegions: ['us-east-1'],
  hostRegion: 'us-east-1',
  disableDoubleEncoding,
  labels: {},
});
const refusal = (d: Protocolish) => (typeof d === 'string' ? `protocol ${d}` : !d.ok && 'error' in d ? `${d.error.code}: ${d.error.message}` : JSON.stringify(d));
type Protocolish = ReturnType<typeof rpcProtocol>;

describe('rpcProtocol: the protocol a request names its operation in', () => {
  it('X-Amz-Target: the service\'s JSON protocol', () => {
    expect(rpcProtocol(cloudwatch, req({ method: 'POST', path: '/', headers: { 'x-amz-target': 'x' }, body: '' }))).toBe('awsJson1_0');
  });

  it('smithy-protocol: rpcv2Cbor, whatever its value (the decoder checks it)', () => {
    expect(rpcProtocol(cloudwatch, req({ method: 'POST', path: '/', headers: { 'smithy-protocol': 'other' }, body: '' }))).toBe('rpcv2Cbor');
  });

  it('Action in the query string or a form body: the query protocol', () => {
    expect(rpcProtocol(cloudwatch, req({ method: 'GET', path: '/?Action=ListMetrics' }))).toBe('awsQuery');
    expect(rpcProtocol(cloudwatch, req({ method: 'POST', path: '/', headers: FORM, body: 'Action=ListMetrics' }))).toBe('awsQuery');
  });

  it('a form body is read for Action only on POST with the form media type, any case', () => {
    expect(rpcProtocol(sts, req({ method: 'POST', path: '/', headers: { 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED;charset=x' }, body: 'Action=GetCallerIdentity' }))).toBe('awsQuery');
    expect(refusal(rpcProtocol(sts, req({ method: 'POST', path: '/', headers: { 'content-type': 'text/plain' }, body: 'Action=GetCallerIdentity' })))).toBe('MissingAction: The request must contain the parameter Action.');
    expect(refusal(rpcProtocol(sts, req({ method: 'PUT', path: '/', headers: FORM, body: 'Action=GetCallerIdentity' })))).toBe('MissingAction: The request must contain the parameter Action.');
  });

  it('a form body not read yet is asked for', () => {
    const r = awsRequest({ method: 'GET', host: 'h', path: '/', headers: FORM });
    Object.defineProperty(r, 'method', { value: 'POST' });
    expect(rpcProtocol(sts, r)).toStrictEqual({ ok: false, needsBody: true });
  });

  it.each([
    ['X-Amz-Target twice', { headers: { 'x-amz-target': ['a', 'b'] } }, 'X-Amz-Target is sent more than once'],
    ['smithy-protocol twice', { headers: { 'smithy-protocol': ['rpc-v2-cbor', 'rpc-v2-cbor'] } }, 'smithy-protocol is sent more than once'],
    ['Action twice in the query', { path: '/?Action=A&Action=A' }, 'Action is given more than once (in the query string and/or the body)'],
    ['Action in the query and the body', { path: '/?Action=A', headers: FORM, body: 'Action=A' }, 'Action is given more than once (in the query string and/or the body)'],
    ['X-Amz-Target and smithy-protocol', { headers: { 'x-amz-target': 'a', 'smithy-protocol': 'rpc-v2-cbor' } }, 'the request names its operation in more than one protocol (json, cbor)'],
    ['smithy-protocol and Action', { path: '/?Action=A', headers: { 'smithy-protocol': 'rpc-v2-cbor' } }, 'the request names its operation in more than one protocol (cbor, query)'],
    ['all three', { path: '/?Action=A', headers: { 'x-amz-target': 'a', 'smithy-protocol': 'rpc-v2-cbor' } }, 'the request names its operation in more than one protocol (json, cbor, query)'],
  ])('refuses %s', (_, spec, why) => {
    expect(refusal(rpcProtocol(cloudwatch, req({ method: 'POST', path: '/', body: '', ...spec })))).toBe(`InvalidRequest: iam-agent-proxy refuses an ambiguous request: ${why}.`);
  });

  it('a form body that does not parse names no Action', () => {
    expect(refusal(rpcProtocol(sts, req({ method: 'POST', path: '/', headers: FORM, body: 'Action=GetCallerIdentity&x=%' })))).toBe('MissingAction: The request must contain the parameter Action.');
  });

  it('a protocol the service does not speak is an unknown operation', () => {
    expect(refusal(rpcProtocol(sts, req({ method: 'POST', path: '/', headers: { 'x-amz-target': 'x' }, body: '' })))).toBe('UnknownOperationException: STS does not speak the JSON protocol (X-Amz-Target).');
    expect(refusal(rpcProtocol(dynamodb, req({ method: 'POST', path: '/', headers: { 'smithy-protocol': 'rpc-v2-cbor' }, body: '' })))).toBe('UnknownOperationException: DynamoDB does not speak rpc-v2-cbor.');
    expect(refusal(rpcProtocol(dynamodb, req({ method: 'GET', path: '/?Action=ListTables' })))).toBe('UnknownOperationException: DynamoDB does not speak the query protocol (Action=).');
  });

  it('nothing names an operation', () => {
    expect(refusal(rpcProtocol(sts, req({ method: 'GET', path: '/' })))).toBe('MissingAction: The request must contain the parameter Action.');
    expect(refusal(rpcProtocol(dynamodb, req({ method: 'POST', path: '/', body: '{}' })))).toBe('UnknownOperationException: The request names no DynamoDB operation (X-Amz-Target).');
  });

  it('a lowercase action parameter is not Action', () => {
    expect(refusal(rpcProtocol(sts, req({ method: 'GET', path: '/?action=GetCallerIdentity' })))).toBe('MissingAction: The request must contain the parameter Action.');
  });
});

describe('decodeRequest: the model\'s protocols, never the request\'s claims', () => {
  const decode = (model: ServiceModel, spec: Omit<CaseRequest, 'host'>, ep = endpoint(model.id, model.signingName)): Decoding => decodeRequest(model, req(spec), ep);
  const op = (d: Decoding) => (d.ok ? `${d.call.protocol} ${d.call.operation}` : 'error' in d ? `${d.error.code}` : 'needs body');

  it('each protocol of a multi-protocol service', () => {
    expect(op(decode(cloudwatch, { method: 'POST', path: '/', headers: { 'x-amz-target': 'GraniteServiceVersion20100801.ListMetrics' }, body: '{}' }))).toBe('awsJson1_0 ListMetrics');
    expect(op(decode(cloudwatch, { method: 'POST', path: '/service/GraniteServiceVersion20100801/operation/ListMetrics', headers: { 'smithy-protocol': 'rpc-v2-cbor' }, body: '' }))).toBe('rpcv2Cbor ListMetrics');
    expect(op(decode(cloudwatch, { method: 'POST', path: '/', headers: FORM, body: 'Action=ListMetrics&Version=2010-08-01' }))).toBe('awsQuery ListMetrics');
  });

  it('ec2Query for EC2', () => {
    expect(op(decode(catalog.service('ec2'), { method: 'GET', path: '/?Action=DescribeRegions&Version=2016-11-15' }))).toBe('ec2Query DescribeRegions');
  });

  it('a REST service ignores X-Amz-Target, smithy-protocol and Action', () => {
    const lambda = catalog.service('lambda');
    expect(op(decode(lambda, { method: 'GET', path: '/2015-03-31/functions?Action=DeleteFunction', headers: { 'x-amz-target': 'AWSLambda.DeleteFunction', 'smithy-protocol': 'rpc-v2-cbor' } }))).toBe('restJson1 ListFunctions');
  });

  it('restXml for S3', () => {
    expect(op(decode(catalog.service('s3'), { method: 'GET', path: '/b?acl' }, endpoint('s3', 's3', true)))).toBe('restXml GetBucketAcl');
  });

  it('a model that speaks no protocol the proxy reads is an unknown operation', () => {
    const odd = { ...dynamodb, protocols: [] } as ServiceModel;
    expect(refusal(rpcProtocol(odd, req({ method: 'POST', path: '/', body: '' })))).toBe('UnknownOperationException: The request names no DynamoDB operation (X-Amz-Target).');
    expect(decode(odd, { method: 'POST', path: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' })).toMatchObject({ ok: false, error: { code: 'UnknownOperationException' } });
  });
});
