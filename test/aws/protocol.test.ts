import { describe, expect, it } from 'vitest';
import { detectProtocol } from '../../src/aws/protocol.js';

describe('detectProtocol', () => {
  it('json: an X-Amz-Target header', () => {
    expect(detectProtocol({ service: 'dynamodb', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, hasAction: false })).toBe('json');
  });

  it('json: an application/x-amz-json content type without a target', () => {
    expect(detectProtocol({ service: 'logs', headers: { 'content-type': 'application/x-amz-json-1.1' }, hasAction: false })).toBe('json');
  });

  it('json wins over a query service name when the target header is present', () => {
    expect(detectProtocol({ service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, hasAction: false })).toBe('json');
  });

  it('rpc-v2-cbor: the smithy-protocol header', () => {
    expect(detectProtocol({ service: 'monitoring', headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' }, hasAction: false })).toBe('rpc-v2-cbor');
  });

  it('ec2: the ec2 service, even with an Action', () => {
    expect(detectProtocol({ service: 'ec2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, hasAction: true })).toBe('ec2');
  });

  it('query: an Action on a service not otherwise known to be query', () => {
    expect(detectProtocol({ service: 'someservice', headers: {}, hasAction: true })).toBe('query');
  });

  it('query: a form-encoded body', () => {
    expect(detectProtocol({ service: 'someservice', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, hasAction: false })).toBe('query');
  });

  it.each(['sts', 'iam', 'sns', 'sqs', 'monitoring', 'cloudformation'])('query: %s without an Action (a bare GET)', (service) => {
    expect(detectProtocol({ service, headers: {}, hasAction: false })).toBe('query');
  });

  it.each(['s3', 'route53', 'cloudfront'])('rest-xml: %s', (service) => {
    expect(detectProtocol({ service, headers: {}, hasAction: false })).toBe('rest-xml');
  });

  it.each(['lambda', 'apigateway', 'execute-api'])('rest-json: %s', (service) => {
    expect(detectProtocol({ service, headers: { 'content-type': 'application/json' }, hasAction: false })).toBe('rest-json');
  });
});
