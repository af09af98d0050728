import { cbor } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import type { AwsRequest } from '../../../../src/pipeline/intercept/aws-request.js';
import type { Decoding } from '../../../../src/pipeline/resolve/decode/decoding.js';
import { decodeAwsJson, decodeQuery, decodeRpcV2Cbor } from '../../../../src/pipeline/resolve/decode/rpc.js';
import { defaultCatalog } from '../../../../src/services/catalog.js';
import { awsRequest, type CaseRequest } from '../../../support/resolve-case.js';

const catalog = defaultCatalog();
const dynamodb = catalog.service('dynamodb');
const cloudtrail = catalog.service('cloudtrail');
const cloudwatch = catalog.service('cloudwatch');
const sqs = catalog.service('sqs');
const ec2 = catalog.service('ec2');
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const CBOR_PATH = '/service/GraniteServiceVersion20100801/operation/';

const req = (spec: Omit<CaseRequest, 'host'>): AwsRequest => awsRequest({ host: 'h.amazonaws.com', ...spec });
/** A request whose body has not been read yet (the case helper reads none for a GET). */
const unread = (method: string, path: string, headers: Record<string, string>): AwsRequest => {
  const r = awsRequest({ method: 'GET', host: 'h.amazonaws.com', path, headers });
  Object.defineProperty(r, 'method', { value: method });
  return r;
};
const call = (d: Decoding) => {
  if (!d.ok) throw new Error(`not decoded: ${JSON.stringify(d)}`);
  return { protocol: d.call.protocol, operation: d.call.operation, input: JSON.parse(JSON.stringify(d.call.input)) as unknown };
};
const refusal = (d: Decoding) => (!d.ok && 'error' in d ? `${d.error.code}: ${d.error.message}` : `not refused: ${JSON.stringify(d)}`);
const json = (target: string, body: string, method = 'POST', path = '/') => decodeAwsJson(dynamodb, req({ method, path, headers: { 'x-amz-target': target }, body }), 'awsJson1_0');

describe('decodeAwsJson', () => {
  it('reads the operation after the last dot of X-Amz-Target and the input by member name', () => {
    expect(call(json('DynamoDB_20120810.GetItem', '{"TableName":"t","Key":{"k":{"S":"v"}},"Unknown":1}'))).toStrictEqual({
      protocol: 'awsJson1_0',
      operation: 'GetItem',
      input: { TableName: 't', Key: { k: { S: 'v' } } },
    });
  });

  it('accepts each of a service\'s target prefixes', () => {
    const target = (prefix: string) => call(decodeAwsJson(cloudtrail, req({ method: 'POST', path: '/', headers: { 'x-amz-target': `${prefix}.ListTrails` }, body: '{}' }), 'awsJson1_1')).operation;
    expect(target('CloudTrail_20131101')).toBe('ListTrails');
    expect(target('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101')).toBe('ListTrails');
  });

  it.each([
    ['no prefix', 'GetItem'],
    ['another service\'s prefix', 'DynamoDBStreams_20120810.GetRecords'],
    ['the prefix in another case', 'dynamodb_20120810.GetItem'],
    ['a prefix with something before it', 'x.DynamoDB_20120810.GetItem'],
    ['an empty target', ''],
  ])('refuses a target with %s', (_, target) => {
    expect(refusal(json(target, '{}'))).toBe(`UnknownOperationException: X-Amz-Target "${target}" does not name a DynamoDB operation (DynamoDB_20120810.<Operation>).`);
  });

  it.each([
    ['an empty operation', 'DynamoDB_20120810.', ''],
    ['an operation in another case', 'DynamoDB_20120810.getitem', 'getitem'],
    ['a prototype member as the operation', 'DynamoDB_20120810.constructor', 'constructor'],
    ['__proto__ as the operation', 'DynamoDB_20120810.__proto__', '__proto__'],
  ])('refuses %s', (_, target, operation) => {
    expect(refusal(json(target, '{}'))).toBe(`UnknownOperationException: DynamoDB has no operation "${operation}".`);
  });

  it('is POST / only, without a query string', () => {
    expect(refusal(json('DynamoDB_20120810.ListTables', '{}', 'PUT'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: DynamoDB JSON requests are POST /, not PUT /.');
    expect(refusal(json('DynamoDB_20120810.ListTables', '{}', 'POST', '/?x=1'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: a JSON request has no query string.');
    expect(refusal(json('DynamoDB_20120810.ListTables', '{}', 'POST', '//'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: DynamoDB JSON requests are POST /, not POST //.');
  });

  it('an empty body is an empty input; a body not read yet is asked for', () => {
    expect(call(json('DynamoDB_20120810.ListTables', '')).input).toStrictEqual({});
    expect(decodeAwsJson(dynamodb, unread('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.ListTables' }), 'awsJson1_0')).toStrictEqual({ ok: false, needsBody: true });
  });

  it.each(['[]', '"x"', 'null', '1'])('refuses a body that is not an object: %s', (body) => {
    expect(refusal(json('DynamoDB_20120810.GetItem', body))).toBe('SerializationException: The request body is not an object.');
  });

  it('refuses a member given twice, and JSON that does not parse', () => {
    expect(refusal(json('DynamoDB_20120810.GetItem', '{"TableName":"a","TableName":"b"}'))).toBe('SerializationException: The request body is the name "TableName" appears twice in one JSON object.');
    expect(refusal(json('DynamoDB_20120810.GetItem', '{"TableName":'))).toMatch(/^SerializationException: The request body is not valid JSON/);
  });

  it('refuses a document nested deeper than the reader reads', () => {
    const deep = `{"Item":{"k":${'{"M":{"k":'.repeat(40)}{"S":"x"}${'}}'.repeat(40)}},"TableName":"t"}`;
    expect(refusal(json('DynamoDB_20120810.PutItem', deep))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: the document nests deeper than the proxy reads.');
  });
});

describe('decodeRpcV2Cbor', () => {
  const cborReq = (operation: string, body: Uint8Array | undefined, over: { method?: string; protocol?: string; query?: string } = {}) =>
    req({
      method: over.method ?? 'POST',
      path: `${CBOR_PATH}${operation}${over.query ?? ''}`,
      headers: { 'smithy-protocol': over.protocol ?? 'rpc-v2-cbor', 'content-type': 'application/cbor' },
      ...(body ? { bodyBase64: Buffer.from(body).toString('base64') } : { body: '' }),
    });

  it('reads the operation from the path and the input from the CBOR body', () => {
    expect(call(decodeRpcV2Cbor(cloudwatch, cborReq('ListMetrics', cbor.serialize({ Namespace: 'App', MetricName: 'm', Extra: 1 }))))).toStrictEqual({
      protocol: 'rpcv2Cbor',
      operation: 'ListMetrics',
      input: { Namespace: 'App', MetricName: 'm' },
    });
  });

  it('an empty body is an empty input', () => {
    expect(call(decodeRpcV2Cbor(cloudwatch, cborReq('ListMetrics', undefined))).input).toStrictEqual({});
  });

  it('refuses a CBOR map with a key twice', () => {
    expect(refusal(decodeRpcV2Cbor(cloudwatch, cborReq('ListMetrics', Buffer.from('a2 694e616d657370616365 6161 694e616d657370616365 6162'.replace(/ /g, ''), 'hex'))))).toBe(
      'SerializationException: The request body is the key "Namespace" appears twice in one CBOR map.',
    );
  });

  it('refuses a body that is not a map', () => {
    expect(refusal(decodeRpcV2Cbor(cloudwatch, cborReq('ListMetrics', cbor.serialize([1]))))).toBe('SerializationException: The request body is not an object.');
  });

  it('smithy-protocol must be exactly rpc-v2-cbor', () => {
    expect(refusal(decodeRpcV2Cbor(cloudwatch, cborReq('ListMetrics', undefined, { protocol: 'RPC-V2-CBOR' })))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: smithy-protocol must be rpc-v2-cbor.');
  });

  it.each([
    ['GET', 'ListMetrics', ''],
    ['POST', 'ListMetrics', '?x=1'],
    ['POST', 'ListMetrics/', ''],
    ['POST', 'ListMetrics/extra', ''],
  ])('is POST /service/<name>/operation/<op> only: %s %s%s', (method, operation, query) => {
    expect(refusal(decodeRpcV2Cbor(cloudwatch, cborReq(operation, undefined, { method, query })))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: rpc-v2-cbor requests are POST /service/GraniteServiceVersion20100801/operation/<Operation>.',
    );
  });

  it('another service name, or an operation the model lacks, is an unknown operation', () => {
    const other = req({ method: 'POST', path: '/service/DynamoDB_20120810/operation/ListMetrics', headers: { 'smithy-protocol': 'rpc-v2-cbor' }, body: '' });
    expect(refusal(decodeRpcV2Cbor(cloudwatch, other))).toBe('UnknownOperationException: /service/DynamoDB_20120810 is not CloudWatch (GraniteServiceVersion20100801).');
    expect(refusal(decodeRpcV2Cbor(cloudwatch, cborReq('toString', undefined)))).toBe('UnknownOperationException: CloudWatch has no operation "toString".');
  });

  it('a body not read yet is asked for', () => {
    expect(decodeRpcV2Cbor(cloudwatch, unread('POST', `${CBOR_PATH}ListMetrics`, { 'smithy-protocol': 'rpc-v2-cbor' }))).toStrictEqual({ ok: false, needsBody: true });
  });
});

describe('decodeQuery', () => {
  const query = (spec: Omit<CaseRequest, 'host'>, model = sqs, protocol: 'awsQuery' | 'ec2Query' = 'awsQuery') => decodeQuery(model, req(spec), protocol);
  const post = (body: string, path = '/', headers: Record<string, string> = FORM) => query({ method: 'POST', path, headers, body });

  it('reads Action and members from a form body; Version checked and dropped', () => {
    expect(call(post('Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Tag.1.Key=team&Tag.1.Value=a'))).toStrictEqual({
      protocol: 'awsQuery',
      operation: 'CreateQueue',
      input: { QueueName: 'q', Attributes: { DelaySeconds: '5' }, tags: { team: 'a' } },
    });
  });

  it('reads the query string of a GET, without the signature parameters of a presigned URL', () => {
    expect(call(query({ method: 'GET', path: '/?Action=ListQueues&QueueNamePrefix=a%20b&X-Amz-Signature=s&X-Amz-Credential=c' }))).toStrictEqual({
      protocol: 'awsQuery',
      operation: 'ListQueues',
      input: { QueueNamePrefix: 'a b' },
    });
  });

  it('joins query-string and body parameters', () => {
    expect(call(query({ method: 'POST', path: '/?Action=ListQueues', headers: FORM, body: 'QueueNamePrefix=p' })).input).toStrictEqual({ QueueNamePrefix: 'p' });
  });

  it('a + in a form body is a space; in the query string it is refused', () => {
    expect(call(post('Action=ListQueues&QueueNamePrefix=a+b')).input).toStrictEqual({ QueueNamePrefix: 'a b' });
    expect(refusal(query({ method: 'GET', path: '/?Action=ListQueues&QueueNamePrefix=a+b' }))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: a "+" in the query string could be read as a plus or a space; encode it as %2B or %20.',
    );
  });

  it('refuses a parameter given twice, or in two cases, across query string and body', () => {
    expect(refusal(query({ method: 'POST', path: '/?QueueNamePrefix=a', headers: FORM, body: 'Action=ListQueues&queuenameprefix=b' }))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: the parameter "queuenameprefix" is given more than once.',
    );
    expect(refusal(post('Action=ListQueues&Version=2012-11-05&VERSION=2011-01-01'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: the parameter "VERSION" is given more than once.');
  });

  it('Action missing, or naming no operation of the model', () => {
    expect(refusal(post('Version=2012-11-05'))).toBe('MissingAction: The request must contain the parameter Action.');
    expect(refusal(post('Action=constructor'))).toBe('InvalidAction: The action constructor is not valid for SQS.');
    expect(refusal(post('Action=listqueues'))).toBe('InvalidAction: The action listqueues is not valid for SQS.');
  });

  it('a Version other than the model\'s is refused; none is fine', () => {
    expect(refusal(post('Action=ListQueues&Version=2011-10-01'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: Version 2011-10-01 is not the SQS API version the proxy reads (2012-11-05).');
    expect(call(post('Action=ListQueues')).operation).toBe('ListQueues');
  });

  it('is GET or POST / only', () => {
    expect(refusal(post('Action=ListQueues', '/123456789012/q'))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: SQS query requests are GET or POST /, not POST /123456789012/q.');
    expect(refusal(query({ method: 'PUT', path: '/', headers: FORM, body: 'Action=ListQueues' }))).toBe('InvalidRequest: iam-agent-proxy refuses an ambiguous request: SQS query requests are GET or POST /, not PUT /.');
  });

  it('a POST body must be form-encoded (media type in any case); an empty one is fine', () => {
    expect(refusal(post('Action=ListQueues', '/', { 'content-type': 'application/json' }))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: a query request\'s body must be application/x-www-form-urlencoded, not "application/json".',
    );
    expect(call(post('Action=ListQueues', '/', { 'content-type': 'Application/X-WWW-Form-URLEncoded' })).operation).toBe('ListQueues');
    expect(call(query({ method: 'POST', path: '/?Action=ListQueues', body: '' })).operation).toBe('ListQueues');
  });

  it('a form body with a malformed escape is MalformedQueryString', () => {
    expect(refusal(post('Action=ListQueues&QueueNamePrefix=%zz'))).toBe('MalformedQueryString: The form body has malformed percent-encoding in "QueueNamePrefix=%zz".');
  });

  it('more than 10 000 parameters are refused', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `p${i}=1`).join('&');
    expect(refusal(post(`Action=ListQueues&${many}`))).toBe('MalformedQueryString: More than 10000 parameters.');
  });

  it('a GET with a body is refused (the body would travel unread)', () => {
    const refused = 'InvalidRequest: iam-agent-proxy refuses an ambiguous request: a GET query request has no body.';
    expect(refusal(query({ method: 'GET', path: '/?Action=ListQueues', headers: { 'content-length': '5' } }))).toBe(refused);
    expect(refusal(query({ method: 'GET', path: '/?Action=ListQueues', headers: { 'transfer-encoding': 'chunked' } }))).toBe(refused);
    expect(refusal(query({ method: 'GET', path: '/?Action=ListQueues', body: 'Action=DeleteQueue' }))).toBe(refused);
    expect(call(query({ method: 'GET', path: '/?Action=ListQueues', headers: { 'content-length': '0' } })).operation).toBe('ListQueues');
  });

  it('a POST body not read yet is asked for', () => {
    expect(decodeQuery(sqs, unread('POST', '/?Action=ListQueues', FORM), 'awsQuery')).toStrictEqual({ ok: false, needsBody: true });
  });

  it('ec2Query: lists are Name.N, member names capitalised', () => {
    expect(call(query({ method: 'POST', path: '/', headers: FORM, body: 'Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&DryRun=true' }, ec2, 'ec2Query'))).toStrictEqual({
      protocol: 'ec2Query',
      operation: 'DescribeInstances',
      input: { InstanceIds: ['i-1', 'i-2'], DryRun: 'true' },
    });
  });

  it('list items numbered with a leading zero are refused', () => {
    expect(refusal(query({ method: 'POST', path: '/', headers: FORM, body: 'Action=DescribeInstances&InstanceId.01=i-1' }, ec2, 'ec2Query'))).toBe(
      'InvalidRequest: iam-agent-proxy refuses an ambiguous request: "InstanceId.01" is not numbered as a list item (1, 2, …).',
    );
  });
});
