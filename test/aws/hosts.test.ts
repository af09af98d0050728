import { describe, expect, it } from 'vitest';
import { hostWithoutPort, isAwsApiHost, parseAwsHost } from '../../src/aws/hosts.js';

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

describe('parseAwsHost', () => {
  it.each([
    ['sts.amazonaws.com', { endpointPrefix: 'sts', region: undefined, bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['sts.us-west-2.amazonaws.com', { endpointPrefix: 'sts', region: 'us-west-2', bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['iam.amazonaws.com', { endpointPrefix: 'iam', region: undefined, bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['bucket.s3.amazonaws.com', { endpointPrefix: 's3', region: undefined, bucket: 'bucket', accessPoint: undefined, partition: 'aws' }],
    [
      'my.dotted.bucket.s3.eu-west-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'eu-west-1', bucket: 'my.dotted.bucket', accessPoint: undefined, partition: 'aws' },
    ],
    ['s3-us-west-2.amazonaws.com', { endpointPrefix: 's3', region: 'us-west-2', bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['bucket.s3-us-west-2.amazonaws.com', { endpointPrefix: 's3', region: 'us-west-2', bucket: 'bucket', accessPoint: undefined, partition: 'aws' }],
    ['s3.dualstack.us-east-1.amazonaws.com', { endpointPrefix: 's3', region: 'us-east-1', bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    [
      'bucket.s3.dualstack.us-east-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-east-1', bucket: 'bucket', accessPoint: undefined, partition: 'aws' },
    ],
    ['ec2.us-east-1.api.aws', { endpointPrefix: 'ec2', region: 'us-east-1', bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['s3.cn-north-1.amazonaws.com.cn', { endpointPrefix: 's3', region: 'cn-north-1', bucket: undefined, accessPoint: undefined, partition: 'aws-cn' }],
    [
      'sts-fips.us-gov-west-1.amazonaws.com',
      { endpointPrefix: 'sts', region: 'us-gov-west-1', bucket: undefined, accessPoint: undefined, partition: 'aws-us-gov' },
    ],
    ['ec2.us-gov-east-1.amazonaws.com', { endpointPrefix: 'ec2', region: 'us-gov-east-1', bucket: undefined, accessPoint: undefined, partition: 'aws-us-gov' }],
    ['Bucket.S3.EU-WEST-1.AmazonAWS.com', { endpointPrefix: 's3', region: 'eu-west-1', bucket: 'bucket', accessPoint: undefined, partition: 'aws' }],
  ])('%s', (host, expected) => {
    expect(parseAwsHost(host)).toStrictEqual(expected);
  });

  // Regression: these S3 endpoint labels used to be missed, so the bucket (or access point) was taken as the service.
  it.each([
    ['mybucket.s3-fips.us-east-1.amazonaws.com', { endpointPrefix: 's3', region: 'us-east-1', bucket: 'mybucket', accessPoint: undefined, partition: 'aws' }],
    [
      'mybucket.s3-fips.dualstack.us-east-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-east-1', bucket: 'mybucket', accessPoint: undefined, partition: 'aws' },
    ],
    ['s3-fips.us-east-1.amazonaws.com', { endpointPrefix: 's3', region: 'us-east-1', bucket: undefined, accessPoint: undefined, partition: 'aws' }],
    ['bucket.s3-accelerate.amazonaws.com', { endpointPrefix: 's3', region: undefined, bucket: 'bucket', accessPoint: undefined, partition: 'aws' }],
    [
      'bucket.s3-accelerate.dualstack.amazonaws.com',
      { endpointPrefix: 's3', region: undefined, bucket: 'bucket', accessPoint: undefined, partition: 'aws' },
    ],
    [
      'reports-111122223333.s3-accesspoint.us-east-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-east-1', bucket: undefined, accessPoint: { name: 'reports', accountId: '111122223333' }, partition: 'aws' },
    ],
    [
      'reports-111122223333.s3-accesspoint.dualstack.eu-west-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'eu-west-1', bucket: undefined, accessPoint: { name: 'reports', accountId: '111122223333' }, partition: 'aws' },
    ],
    [
      'reports-111122223333.s3-accesspoint-fips.us-gov-west-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-gov-west-1', bucket: undefined, accessPoint: { name: 'reports', accountId: '111122223333' }, partition: 'aws-us-gov' },
    ],
    // An access-point host without an account ID names neither a bucket nor an access point.
    [
      'reports.s3-accesspoint.us-east-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-east-1', bucket: undefined, accessPoint: undefined, partition: 'aws' },
    ],
  ])('S3 endpoint variant %s', (host, expected) => {
    expect(parseAwsHost(host)).toStrictEqual(expected);
  });

  it('a dashed access-point name keeps its dashes', () => {
    expect(parseAwsHost('my.dashed-reports-111122223333.s3-accesspoint.us-east-1.amazonaws.com')?.accessPoint).toStrictEqual({
      name: 'my.dashed-reports',
      accountId: '111122223333',
    });
  });

  // Bucket and access-point names may look like a region (`my-logs-2024`); the region is the label after the endpoint.
  it.each([
    ['my-logs-2024.s3.us-east-1.amazonaws.com', { endpointPrefix: 's3', region: 'us-east-1', bucket: 'my-logs-2024', accessPoint: undefined, partition: 'aws' }],
    [
      'my-reports-111122223333.s3-accesspoint.us-east-1.amazonaws.com',
      { endpointPrefix: 's3', region: 'us-east-1', bucket: undefined, accessPoint: { name: 'my-reports', accountId: '111122223333' }, partition: 'aws' },
    ],
  ])('a bucket or access point named like a region is not the region: %s', (host, expected) => {
    expect(parseAwsHost(host)).toStrictEqual(expected);
  });

  // Regression: the service is the label just before the region, not the first label.
  it.each([
    ['abc123.execute-api.us-east-1.amazonaws.com', 'execute-api'],
    ['api.ecr.us-east-1.amazonaws.com', 'ecr'],
    ['sqs.fips.us-east-1.amazonaws.com', 'sqs'],
    ['ec2-fips.us-east-1.amazonaws.com', 'ec2'],
  ])('%s → endpointPrefix %s', (host, endpointPrefix) => {
    expect(parseAwsHost(host)).toMatchObject({ endpointPrefix, region: 'us-east-1', bucket: undefined, accessPoint: undefined });
  });

  it.each(['evil-amazonaws.com', 'amazonaws.com.evil.com', 'amazonaws.com', 'example.com'])('%s is not an AWS host', (host) => {
    expect(parseAwsHost(host)).toBeUndefined();
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
