import { describe, expect, it } from 'vitest';
import { hostWithoutPort, isAwsApiHost } from '../../src/aws/hosts.js';

describe('isAwsApiHost', () => {
  it.each([
    'sts.amazonaws.com',
    'sts.us-west-2.amazonaws.com',
    'iam.amazonaws.com',
    'bucket.s3.amazonaws.com',
    'my.dotted.bucket.s3.eu-west-1.amazonaws.com',
    's3-us-west-2.amazonaws.com',
    's3.dualstack.us-east-1.amazonaws.com',
    'ec2.us-east-1.api.aws',
    's3.cn-north-1.amazonaws.com.cn',
    'sts-fips.us-gov-west-1.amazonaws.com',
    'STS.US-WEST-2.AMAZONAWS.COM',
    'iam.global.api.amazonwebservices.com.cn',
  ])('accepts %s', (host) => {
    expect(isAwsApiHost(host)).toBe(true);
  });

  it.each([
    'evil-amazonaws.com',
    'amazonaws.com.evil.com',
    'amazonaws.com',
    'amazonaws.com.cn',
    'api.aws',
    '.amazonaws.com',
    'sts.amazonaws.com.evil.com',
    'example.com',
    '',
  ])('rejects %j', (host) => {
    expect(isAwsApiHost(host)).toBe(false);
  });
});

describe('hostWithoutPort', () => {
  it.each([
    ['sts.amazonaws.com:443', 'sts.amazonaws.com'],
    ['sts.amazonaws.com', 'sts.amazonaws.com'],
    ['STS.AmazonAWS.com:8443', 'sts.amazonaws.com'],
    ['  iam.amazonaws.com:443  ', 'iam.amazonaws.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:443', '[::1]'],
    ['[::1]', '[::1]'],
    ['[2001:DB8::1]:8443', '[2001:db8::1]'],
  ])('%j → %j', (header, expected) => {
    expect(hostWithoutPort(header)).toBe(expected);
  });
});
