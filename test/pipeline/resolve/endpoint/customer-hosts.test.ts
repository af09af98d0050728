import { describe, expect, it } from 'vitest';
import { customerHostCall, type CustomerHostCall } from '../../../../src/pipeline/resolve/endpoint/customer-hosts.js';

const API = 'abcdefghij.execute-api.us-east-1.amazonaws.com';
const ACCOUNT = '123456789012';
const call = (host: string, method: string, rawPath: string, accountId: string | undefined = ACCOUNT) => customerHostCall(host, method, rawPath, accountId);
const invoke = (arn: string, resolved = true, region = 'us-east-1', partition = 'aws', operation = 'Invoke'): CustomerHostCall => ({
  service: 'execute-api',
  signingName: 'execute-api',
  region,
  partition,
  operation,
  authorization: { action: `execute-api:${operation}`, known: true, resources: [{ arn, type: 'execute-api-general', resolved }] },
});

describe('customerHostCall: API Gateway execute-api hosts', () => {
  it('Invoke on api id, stage, method and resource path', () => {
    expect(call(API, 'GET', '/prod/pets/1')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/pets/1'));
  });

  it('the query string is not part of the resource', () => {
    expect(call(API, 'POST', '/prod/pets?limit=1')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/POST/pets'));
  });

  it('a stage without a resource path, with or without the trailing slash', () => {
    expect(call(API, 'GET', '/prod')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/'));
    expect(call(API, 'GET', '/prod/')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/'));
  });

  it('a WebSocket API\'s @connections callback is ManageConnections', () => {
    expect(call(API, 'DELETE', '/prod/@connections/abc=')).toStrictEqual(
      invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/DELETE/@connections/abc=', true, 'us-east-1', 'aws', 'ManageConnections'),
    );
  });

  // Likely Was a bug (customer-hosts.ts): API Gateway percent-decodes the path, so /prod/%40connections/x is
  // most likely the @connections callback (ManageConnections), while the proxy reads an Invoke.
  it('an encoded @connections is the callback too, or refused', () => {
    const result = call(API, 'DELETE', '/prod/%40connections/abc');
    expect(result === 'unreadable-path' ? result : result?.operation).toMatch(/^(ManageConnections|unreadable-path)$/);
  });

  it('China and GovCloud partitions', () => {
    expect(call('abcdefghij.execute-api.cn-north-1.amazonaws.com.cn', 'GET', '/prod/x')).toStrictEqual(
      invoke('arn:aws-cn:execute-api:cn-north-1:123456789012:abcdefghij/prod/GET/x', true, 'cn-north-1', 'aws-cn'),
    );
    expect(call('abcdefghij.execute-api.us-gov-west-1.amazonaws.com', 'GET', '/prod/x')).toStrictEqual(
      invoke('arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdefghij/prod/GET/x', true, 'us-gov-west-1', 'aws-us-gov'),
    );
  });

  it('an unknown account or an empty stage leaves the resource unresolved', () => {
    expect(customerHostCall(API, 'GET', '/prod/x', undefined)).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:${Account}:abcdefghij/prod/GET/x', false));
    expect(call(API, 'GET', '/')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij//GET/', false));
  });

  it.each([
    ['an empty segment', '/prod//admin'],
    ['an empty stage before a path', '//admin'],
    ['..', '/prod/public/../admin'],
    ['.', '/prod/./admin'],
    ['%2e%2e', '/prod/public/%2e%2e/admin'],
    ['%2E%2E', '/prod/public/%2E%2E/admin'],
    ['.%2e', '/prod/public/.%2e/admin'],
    ['%2e', '/prod/%2e/admin'],
    ['.. as the stage', '/../prod/admin'],
    ['.. behind encoded slashes', '/prod/public%2F..%2Fadmin'],
    ['. behind an encoded slash', '/prod/a%2F.'],
  ])('refuses a path with %s, which API Gateway would rewrite', (_, path) => {
    expect(call(API, 'GET', path)).toBe('unreadable-path');
  });

  it('a dot inside a segment is just a character', () => {
    expect(call(API, 'GET', '/prod/a..b/.well-known')).toStrictEqual(invoke('arn:aws:execute-api:us-east-1:123456789012:abcdefghij/prod/GET/a..b/.well-known'));
  });

  it.each([
    ['a 9-character api id', 'abcdefghi.execute-api.us-east-1.amazonaws.com'],
    ['an 11-character api id', 'abcdefghijk.execute-api.us-east-1.amazonaws.com'],
    ['an uppercase api id', 'ABCDEFGHIJ.execute-api.us-east-1.amazonaws.com'],
    ['a label before the api id', 'x.abcdefghij.execute-api.us-east-1.amazonaws.com'],
    ['another domain after', 'abcdefghij.execute-api.us-east-1.amazonaws.com.evil.com'],
    ['the dual-stack suffix', 'abcdefghij.execute-api.us-east-1.api.aws'],
    ['no region', 'abcdefghij.execute-api.amazonaws.com'],
    ['a VPC endpoint host', 'abcdefghij-vpce-0123.execute-api.us-east-1.vpce.amazonaws.com'],
    ['another service', 'abcdefghij.lambda-url.us-east-1.on.aws'],
  ])('is no customer host: %s', (_, host) => {
    expect(call(host, 'GET', '/prod/x')).toBeUndefined();
  });
});
