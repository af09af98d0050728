import { describe, expect, it } from 'vitest';
import { resolveCall } from '../../../src/pipeline/resolve/resolve.js';
import { call } from '../../support/call.js';

const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

describe('resolveCall', () => {
  it('S3 REST: ListBuckets → s3:ListAllMyBuckets, known', async () => {
    expect(await resolveCall(call({ service: 's3', method: 'GET', rawPath: '/' }), 'rest-xml')).toStrictEqual({
      service: 's3',
      region: 'us-east-1',
      protocol: 'rest-xml',
      operation: 'ListBuckets',
      actions: [{ action: 's3:ListAllMyBuckets', resources: [], known: true }],
    });
  });

  it('Lambda REST: Invoke → lambda:InvokeFunction (known) with the function ARN', async () => {
    const resolved = await resolveCall(call({ service: 'lambda', method: 'POST', rawPath: '/2015-03-31/functions/fn/invocations' }), 'rest-json');
    expect(resolved.operation).toBe('Invoke');
    expect(resolved.actions).toStrictEqual([{ action: 'lambda:InvokeFunction', resources: ['arn:aws:lambda:us-east-1:123456789012:function:fn'], known: true }]);
  });

  it('API Gateway REST: apigateway:GET, known', async () => {
    const resolved = await resolveCall(call({ service: 'apigateway', method: 'GET', rawPath: '/restapis' }), 'rest-json');
    expect(resolved.actions).toStrictEqual([{ action: 'apigateway:GET', resources: ['arn:aws:apigateway:us-east-1::/restapis'], known: true }]);
  });

  it('json: X-Amz-Target DynamoDB_20120810.ListTables → dynamodb:ListTables, known', async () => {
    const resolved = await resolveCall(
      call({ service: 'dynamodb', method: 'POST', rawPath: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') }),
      'json',
    );
    expect(resolved).toMatchObject({ protocol: 'json', operation: 'ListTables', actions: [{ action: 'dynamodb:ListTables', resources: [], known: true }] });
  });

  it('query: Action in a form body, where + elsewhere means a space', async () => {
    const body = Buffer.from('QueueName=my+queue&Attribute.1.Value=a+b&Action=CreateQueue&Version=2012-11-05');
    const resolved = await resolveCall(call({ service: 'sqs', method: 'POST', rawPath: '/', headers: form, body }), 'query');
    expect(resolved).toMatchObject({ operation: 'CreateQueue', actions: [{ action: 'sqs:CreateQueue', known: true }] });
  });

  it('query: Action in the query string', async () => {
    const resolved = await resolveCall(call({ service: 'sts', method: 'GET', rawPath: '/', rawQuery: 'Action=GetCallerIdentity&Version=2011-06-15' }), 'query');
    expect(resolved).toMatchObject({ operation: 'GetCallerIdentity', actions: [{ action: 'sts:GetCallerIdentity', resources: [], known: true }] });
  });

  it('query: Action in both the query string and the form body, and they agree', async () => {
    const resolved = await resolveCall(
      call({ service: 'sts', method: 'POST', rawPath: '/', rawQuery: 'Action=GetCallerIdentity', headers: form, body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-15') }),
      'query',
    );
    expect(resolved).toMatchObject({ operation: 'GetCallerIdentity', actions: [{ action: 'sts:GetCallerIdentity', known: true }] });
  });

  it('query: the query string and the form body name different actions → no operation, no actions', async () => {
    const resolved = await resolveCall(
      call({ service: 'sts', method: 'POST', rawPath: '/', rawQuery: 'Action=GetCallerIdentity', headers: form, body: Buffer.from('Action=AssumeRole&Version=2011-06-15') }),
      'query',
    );
    expect(resolved).toMatchObject({ operation: undefined, actions: [] });
  });

  // Regression: it was renamed to dynamodb:PutItem, so an allowlist allowing PutItem let through transactional updates and deletes.
  // IAM has no dynamodb:TransactWriteItems action (AWS checks PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item), so it is unknown.
  it('json: DynamoDB TransactWriteItems → dynamodb:TransactWriteItems (not renamed to PutItem), unknown to IAM', async () => {
    const resolved = await resolveCall(
      call({ service: 'dynamodb', method: 'POST', rawPath: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems', 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') }),
      'json',
    );
    expect(resolved).toMatchObject({ operation: 'TransactWriteItems', actions: [{ action: 'dynamodb:TransactWriteItems', resources: [], known: false }] });
  });

  it('query: a form body is ignored when the content type is not form-encoded', async () => {
    const resolved = await resolveCall(call({ service: 'sts', method: 'POST', rawPath: '/', headers: { 'content-type': 'text/plain' }, body: Buffer.from('Action=GetCallerIdentity') }), 'query');
    expect(resolved).toMatchObject({ operation: undefined, actions: [] });
  });

  it('ec2: Action in the form body', async () => {
    const resolved = await resolveCall(call({ service: 'ec2', method: 'POST', rawPath: '/', headers: form, body: Buffer.from('Action=DescribeInstances&Version=2016-11-15') }), 'ec2');
    expect(resolved.actions).toStrictEqual([{ action: 'ec2:DescribeInstances', resources: [], known: true }]);
  });

  it('monitoring (query) → cloudwatch:PutMetricData', async () => {
    const resolved = await resolveCall(call({ service: 'monitoring', method: 'POST', rawPath: '/', headers: form, body: Buffer.from('Action=PutMetricData&Namespace=x') }), 'query');
    expect(resolved).toMatchObject({ service: 'monitoring', operation: 'PutMetricData', actions: [{ action: 'cloudwatch:PutMetricData', known: true }] });
  });

  it('monitoring (rpc-v2-cbor) → cloudwatch:GetMetricData from the operation path', async () => {
    const resolved = await resolveCall(
      call({ service: 'monitoring', method: 'POST', rawPath: '/service/GraniteServiceVersion20100801/operation/GetMetricData' }),
      'rpc-v2-cbor',
    );
    expect(resolved).toMatchObject({ operation: 'GetMetricData', actions: [{ action: 'cloudwatch:GetMetricData', known: true }] });
  });

  it('email → ses:SendEmail', async () => {
    const resolved = await resolveCall(call({ service: 'email', method: 'POST', rawPath: '/', headers: form, body: Buffer.from('Action=SendEmail') }), 'query');
    expect(resolved.actions[0]).toStrictEqual({ action: 'ses:SendEmail', resources: [], known: true });
  });

  it('an operation IAM does not know → the guessed action with known: false', async () => {
    const resolved = await resolveCall(call({ service: 'sts', method: 'GET', rawPath: '/', rawQuery: 'Action=MadeUpOperation' }), 'query');
    expect(resolved).toMatchObject({ operation: 'MadeUpOperation', actions: [{ action: 'sts:MadeUpOperation', resources: [], known: false }] });
  });

  it('an unknown service → known: false', async () => {
    const resolved = await resolveCall(call({ service: 'notaservice', method: 'POST', rawPath: '/', headers: { 'x-amz-target': 'X_1.DoIt' } }), 'json');
    expect(resolved.actions).toStrictEqual([{ action: 'notaservice:DoIt', resources: [], known: false }]);
  });

  it('no Action at all → no operation, no actions', async () => {
    expect(await resolveCall(call({ service: 'sts', method: 'GET', rawPath: '/' }), 'query')).toMatchObject({ operation: undefined, actions: [] });
  });

  it('a json target without an operation name → no operation', async () => {
    expect(await resolveCall(call({ service: 'dynamodb', method: 'POST', rawPath: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.' } }), 'json')).toMatchObject({ operation: undefined, actions: [] });
  });

  it('an unmapped REST route → no operation, no actions', async () => {
    expect(await resolveCall(call({ service: 's3', method: 'PATCH', rawPath: '/b/k' }), 'rest-xml')).toMatchObject({ operation: undefined, actions: [] });
  });
});
