import { describe, expect, it } from 'vitest';
import { EndpointMatcher, isValidHostName, type EndpointMatch } from '../../../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { defaultCatalog, ServiceCatalog } from '../../../../src/services/catalog.js';
import type { CatalogIndex, EndpointTemplate } from '../../../../src/services/model.js';

const matcher = new EndpointMatcher(defaultCatalog());
const one = (host: string): EndpointMatch => {
  const found = matcher.match(host);
  if (found.length !== 1) throw new Error(`${host}: ${found.length} readings: ${JSON.stringify(found)}`);
  return found[0]!;
};
const reading = (service: string, signingName: string, partition: string, signingRegions: string[] | 'any', hostRegion: string | undefined, extra: Partial<EndpointMatch> = {}): EndpointMatch => ({
  service,
  partition,
  signingName,
  signingRegions,
  hostRegion,
  disableDoubleEncoding: false,
  labels: {},
  ...extra,
});
const s3 = (signingRegions: string[] | 'any', hostRegion: string | undefined, labels: Record<string, string> = {}, extra: Partial<EndpointMatch> = {}) =>
  reading('s3', 's3', 'aws', signingRegions, hostRegion, { disableDoubleEncoding: true, labels, ...extra });

describe('EndpointMatcher (generated catalog): regional and global hosts', () => {
  it.each([
    ['sqs.us-east-1.amazonaws.com', reading('sqs', 'sqs', 'aws', ['us-east-1'], 'us-east-1')],
    ['dynamodb.eu-west-1.amazonaws.com', reading('dynamodb', 'dynamodb', 'aws', ['eu-west-1'], 'eu-west-1')],
    ['monitoring.ap-southeast-2.amazonaws.com', reading('cloudwatch', 'monitoring', 'aws', ['ap-southeast-2'], 'ap-southeast-2')],
    ['bedrock-runtime.us-west-2.amazonaws.com', reading('bedrock-runtime', 'bedrock', 'aws', ['us-west-2'], 'us-west-2')],
    ['sts.amazonaws.com', reading('sts', 'sts', 'aws', ['us-east-1'], undefined)],
    ['sts.eu-central-1.amazonaws.com', reading('sts', 'sts', 'aws', ['eu-central-1'], 'eu-central-1')],
    ['iam.amazonaws.com', reading('iam', 'iam', 'aws', ['us-east-1'], undefined)],
    ['iam.global.api.aws', reading('iam', 'iam', 'aws', ['us-east-1'], undefined)],
    ['route53.amazonaws.com', reading('route-53', 'route53', 'aws', ['us-east-1'], undefined)],
    ['cloudfront.amazonaws.com', reading('cloudfront', 'cloudfront', 'aws', ['us-east-1'], undefined)],
  ])('%s', (host, expected) => {
    expect(matcher.match(host)).toStrictEqual([expected]);
  });

  it('FIPS and dual-stack hosts', () => {
    expect(one('sts-fips.us-east-2.amazonaws.com')).toStrictEqual(reading('sts', 'sts', 'aws', ['us-east-2'], 'us-east-2'));
    expect(one('lambda.us-east-1.api.aws')).toStrictEqual(reading('lambda', 'lambda', 'aws', ['us-east-1'], 'us-east-1'));
    expect(one('kms-fips.us-west-2.api.aws')).toStrictEqual(reading('kms', 'kms', 'aws', ['us-west-2'], 'us-west-2'));
    expect(one('s3.dualstack.eu-west-1.amazonaws.com')).toStrictEqual(s3(['eu-west-1'], 'eu-west-1'));
  });

  it('China hosts are the aws-cn partition', () => {
    expect(one('sqs.cn-north-1.amazonaws.com.cn')).toStrictEqual(reading('sqs', 'sqs', 'aws-cn', ['cn-north-1'], 'cn-north-1'));
    expect(one('iam.cn-north-1.amazonaws.com.cn')).toStrictEqual(reading('iam', 'iam', 'aws-cn', ['cn-north-1'], undefined));
  });

  it('GovCloud hosts share the commercial suffix and are told apart by their region', () => {
    expect(one('sqs.us-gov-west-1.amazonaws.com')).toStrictEqual(reading('sqs', 'sqs', 'aws-us-gov', ['us-gov-west-1'], 'us-gov-west-1'));
    expect(one('sqs.us-gov-east-1.api.aws')).toStrictEqual(reading('sqs', 'sqs', 'aws-us-gov', ['us-gov-east-1'], 'us-gov-east-1'));
    expect(one('iam.us-gov.amazonaws.com')).toStrictEqual(reading('iam', 'iam', 'aws-us-gov', ['us-gov-west-1'], undefined));
  });

  it('a region of another partition, or of none, is no reading', () => {
    expect(matcher.match('sts.cn-north-1.amazonaws.com')).toStrictEqual([]);
    expect(matcher.match('sts.us-east-1.amazonaws.com.cn')).toStrictEqual([]);
    expect(matcher.match('sqs.xx-east-1.amazonaws.com')).toStrictEqual([]);
    expect(matcher.match('sqs.us-east.amazonaws.com')).toStrictEqual([]);
  });

  it('literal regional hosts sign for their region', () => {
    expect(one('logs.us-gov-east-1.amazonaws.com')).toStrictEqual(reading('cloudwatch-logs', 'logs', 'aws-us-gov', ['us-gov-east-1'], 'us-gov-east-1'));
    expect(one('cognito-identity-fips.us-east-1.amazonaws.com')).toStrictEqual(reading('cognito-identity', 'cognito-identity', 'aws', ['us-east-1'], 'us-east-1'));
    expect(one('ce.us-east-1.amazonaws.com').signingRegions).toStrictEqual(['us-east-1']);
  });

  it('services that share a host are each a reading', () => {
    expect(matcher.match('apigateway.us-east-1.amazonaws.com').map((m) => m.service)).toStrictEqual(['api-gateway', 'apigatewayv2']);
  });

  it('hosts with an operation host prefix carry it', () => {
    expect(one('data.iotsitewise.us-east-1.amazonaws.com')).toStrictEqual(reading('iotsitewise', 'iotsitewise', 'aws', ['us-east-1'], 'us-east-1', { hostPrefix: 'data.' }));
    expect(one('streaming-logs.us-east-1.amazonaws.com')).toStrictEqual(reading('cloudwatch-logs', 'logs', 'aws', ['us-east-1'], 'us-east-1', { hostPrefix: 'streaming-' }));
    expect(one('g-abc123.neptune-graph.us-east-1.amazonaws.com')).toStrictEqual(
      reading('neptune-graph', 'neptune-graph', 'aws', ['us-east-1'], 'us-east-1', { labels: { graphIdentifier: 'g-abc123' }, hostPrefix: '{graphIdentifier}.' }),
    );
  });
});

describe('EndpointMatcher (generated catalog): S3 and S3 Control', () => {
  it('path-style hosts: regional, legacy dash-region, global, external-1', () => {
    expect(one('s3.us-west-2.amazonaws.com')).toStrictEqual(s3(['us-west-2'], 'us-west-2'));
    expect(one('s3-us-west-2.amazonaws.com')).toStrictEqual(s3(['us-west-2'], 'us-west-2'));
    expect(one('s3.amazonaws.com')).toStrictEqual(s3('any', undefined));
    expect(one('s3-external-1.amazonaws.com')).toStrictEqual(s3(['us-east-1'], undefined));
  });

  it('virtual-hosted buckets (and the same label read as a host prefix)', () => {
    expect(matcher.match('my-bucket.s3.us-west-2.amazonaws.com')).toStrictEqual([
      s3(['us-west-2'], 'us-west-2', { Bucket: 'my-bucket' }),
      s3(['us-west-2'], 'us-west-2', { RequestRoute: 'my-bucket' }, { hostPrefix: '{RequestRoute}.' }),
    ]);
    expect(matcher.match('my-bucket.s3.amazonaws.com')[0]).toStrictEqual(s3('any', undefined, { Bucket: 'my-bucket' }));
  });

  it('dotted bucket names span labels', () => {
    expect(matcher.match('my.dotted.bucket.s3.us-west-2.amazonaws.com')).toStrictEqual([s3(['us-west-2'], 'us-west-2', { Bucket: 'my.dotted.bucket' })]);
    expect(matcher.match('evil.com.s3.amazonaws.com')).toStrictEqual([s3('any', undefined, { Bucket: 'evil.com' })]);
  });

  it('accelerate and FIPS buckets', () => {
    expect(matcher.match('b.s3-accelerate.amazonaws.com')).toStrictEqual([s3('any', undefined, { Bucket: 'b' })]);
    expect(matcher.match('s3-accelerate.amazonaws.com')).toStrictEqual([]);
    expect(matcher.match('my-bucket.s3-fips.us-gov-west-1.amazonaws.com')[0]).toStrictEqual({
      ...s3(['us-gov-west-1'], 'us-gov-west-1', { Bucket: 'my-bucket' }),
      partition: 'aws-us-gov',
    });
  });

  it('access-point hosts stand for the access point ARN as the bucket', () => {
    expect(matcher.match('my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com')).toStrictEqual([
      s3(['us-west-2'], 'us-west-2', { accessPointName: 'my-ap', AccountId: '123456789012' }, { bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap' }),
    ]);
    expect(one('ap-123456789012.s3-accesspoint.cn-north-1.amazonaws.com.cn').bucket).toBe('arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/ap');
  });

  it('an access-point host whose account id is not 12 digits is no reading', () => {
    expect(matcher.match('ap-12345678901.s3-accesspoint.us-west-2.amazonaws.com')).toStrictEqual([]);
  });

  it('S3 Control: the account id host carries the account and its host prefix; the plain host does not', () => {
    expect(matcher.match('123456789012.s3-control.us-west-2.amazonaws.com')).toStrictEqual([
      reading('s3-control', 's3', 'aws', ['us-west-2'], 'us-west-2', { disableDoubleEncoding: true, labels: { AccountId: '123456789012' }, hostPrefix: '{AccountId}.' }),
    ]);
    expect(matcher.match('s3-control.us-west-2.amazonaws.com')).toStrictEqual([reading('s3-control', 's3', 'aws', ['us-west-2'], 'us-west-2', { disableDoubleEncoding: true })]);
  });
});

describe('EndpointMatcher: host names that are no AWS endpoint', () => {
  it.each([
    '',
    '.s3.amazonaws.com',
    's3..amazonaws.com',
    's3.amazonaws.com.',
    'my_bucket.s3.amazonaws.com',
    'user@s3.amazonaws.com',
    'sts.amazonaws.com:443',
    '127.0.0.1',
    '[::1]',
    'S3.AMAZONAWS.COM',
    '-bucket.s3.amazonaws.com',
    'bucket-.s3.amazonaws.com',
    'a.b.sts.amazonaws.com',
    'sts.amazonaws.com.evil.com',
    'evil-sts.amazonaws.com',
    'sts.amazonaws.co',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(40)}.s3.amazonaws.com`,
    `${'a'.repeat(64)}.s3.amazonaws.com`,
  ])('%j', (host) => {
    expect(matcher.match(host)).toStrictEqual([]);
  });
});

describe('isValidHostName', () => {
  it.each(['s3.amazonaws.com', 'a', 'a-b.c0', `${'a'.repeat(63)}.com`, `${'a.'.repeat(126)}a`])('accepts %j', (host) => {
    expect(isValidHostName(host)).toBe(true);
  });

  it.each(['', '.', 'a.', '.a', 'a..b', 'a_b', '-a', 'a-', 'A.com', 'a b', 'a@b', 'a:1', '[::1]', `${'a'.repeat(64)}.com`, `${'a.'.repeat(126)}ab`, 'ä.com', 'a%2eb'])(
    'refuses %j',
    (host) => {
      expect(isValidHostName(host)).toBe(false);
    },
  );

  it('a name of exactly 253 characters is valid, 254 is not', () => {
    const label = 'a'.repeat(61);
    const host253 = [label, label, label, label].join('.') + '.' + 'b'.repeat(5);
    expect(host253).toHaveLength(253);
    expect(isValidHostName(host253)).toBe(true);
    expect(isValidHostName(`${host253}b`)).toBe(false);
  });
});

describe('EndpointMatcher (a literal catalog): partitions, signing regions, merging', () => {
  const index = (endpoints: EndpointTemplate[]): CatalogIndex => ({
    version: 1,
    sources: [],
    partitions: [
      { id: 'aws', dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws', regionRegex: '^(us|eu)\\-\\w+\\-\\d+$', implicitGlobalRegion: 'us-east-1' },
      { id: 'aws-cn', dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn', regionRegex: '^cn\\-\\w+\\-\\d+$', implicitGlobalRegion: 'cn-northwest-1' },
      { id: 'aws-us-gov', dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws', regionRegex: '^us\\-gov\\-\\w+\\-\\d+$', implicitGlobalRegion: 'us-gov-west-1' },
    ],
    services: {},
    endpoints,
  });
  const literal = (endpoints: EndpointTemplate[]) => new EndpointMatcher(new ServiceCatalog(index(endpoints), () => { throw new Error('no models'); }));

  it('{implicitGlobalRegion} signs with the partition\'s global region', () => {
    const m = literal([{ service: 'g', host: 'g.{dnsSuffix}', signingName: 'g', signingRegion: '{implicitGlobalRegion}' }]);
    expect(m.match('g.amazonaws.com').map((r) => [r.partition, r.signingRegions])).toStrictEqual([['aws', ['us-east-1']]]);
    expect(m.match('g.amazonaws.com.cn').map((r) => [r.partition, r.signingRegions])).toStrictEqual([['aws-cn', ['cn-northwest-1']]]);
  });

  it('a host without {Region} belongs to the partition of its fixed signing region', () => {
    const m = literal([{ service: 'x', host: 'x.us-gov.amazonaws.com', signingName: 'x', signingRegion: 'us-gov-west-1' }]);
    expect(m.match('x.us-gov.amazonaws.com').map((r) => r.partition)).toStrictEqual(['aws-us-gov']);
  });

  it('a {Region} signing region without a region in the host signs for any region of the partition', () => {
    const m = literal([{ service: 'x', host: 'x.{dnsSuffix}', signingName: 'x', signingRegion: '{Region}' }]);
    expect(m.match('x.amazonaws.com.cn')).toStrictEqual([reading('x', 'x', 'aws-cn', 'any', undefined)]);
  });

  it('templates that differ only in signing region are one reading with the regions together', () => {
    const m = literal([
      { service: 'x', host: 'x.eu-west-1.amazonaws.com', signingName: 'x', signingRegion: 'eu-west-1' },
      { service: 'x', host: 'x.{Region}.amazonaws.com', signingName: 'x', signingRegion: '{Region}' },
      { service: 'x', host: 'x.eu-west-1.amazonaws.com', signingName: 'x', signingRegion: 'us-east-1' },
    ]);
    expect(m.match('x.eu-west-1.amazonaws.com')).toStrictEqual([reading('x', 'x', 'aws', ['eu-west-1', 'us-east-1'], 'eu-west-1')]);
  });

  it('two services, or two signing names, on one host are two readings', () => {
    const m = literal([
      { service: 'a', host: 'h.{Region}.{dnsSuffix}', signingName: 'a', signingRegion: '{Region}' },
      { service: 'b', host: 'h.{Region}.{dnsSuffix}', signingName: 'b', signingRegion: '{Region}' },
    ]);
    expect(m.match('h.us-east-1.amazonaws.com').map((r) => `${r.service}/${r.signingName}`)).toStrictEqual(['a/a', 'b/b']);
  });

  it('variables match only what they may be: a label is one DNS label, a bucket may hold dots', () => {
    const m = literal([{ service: 'x', host: '{graph}.x.{Region}.{dnsSuffix}', signingName: 'x', signingRegion: '{Region}', hostPrefix: '{graph}.' }]);
    expect(m.match('g-1.x.us-east-1.amazonaws.com')[0]?.labels).toStrictEqual({ graph: 'g-1' });
    expect(m.match('a.b.x.us-east-1.amazonaws.com')).toStrictEqual([]);
  });

  it('caches readings per host, and keeps answering after the cache fills', () => {
    const m = literal([{ service: 'x', host: '{Bucket}.x.{dnsSuffix}', signingName: 'x', signingRegion: 'us-east-1' }]);
    const first = m.match('b.x.amazonaws.com');
    expect(m.match('b.x.amazonaws.com')).toBe(first);
    for (let i = 0; i < 10_001; i++) m.match(`b${i}.x.amazonaws.com`);
    expect(m.match('b.x.amazonaws.com')).toStrictEqual(first);
  });
});
