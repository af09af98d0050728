import { describe, expect, it } from 'vitest';
import { parseAmzDate, parseAuthorization } from '../../../src/pipeline/authenticate/authorization-header.js';

const SIG = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const VALID = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`;

describe('parseAuthorization', () => {
  it('parses every part of a valid header', () => {
    expect(parseAuthorization(VALID)).toStrictEqual({
      accessKeyId: 'AKIDEXAMPLE',
      scopeDate: '20150830',
      region: 'us-east-1',
      service: 'service',
      signedHeaders: ['host', 'x-amz-date'],
      signature: SIG,
    });
  });

  it('accepts the comma without a space that some clients send', () => {
    const header = `AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=${SIG}`;
    expect(parseAuthorization(header)).toMatchObject({ region: 'eu-west-1', service: 's3', signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'] });
  });

  it('accepts extra spaces around the parts and surrounding whitespace', () => {
    const header = `  AWS4-HMAC-SHA256   Credential=AKID/20240101/us-east-1/sts/aws4_request ,  SignedHeaders=host;x-amz-date ,  Signature=${SIG}  `;
    expect(parseAuthorization(header)).toMatchObject({ accessKeyId: 'AKID', service: 'sts', signature: SIG });
  });

  it.each([
    ['SigV4a', `AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`],
    ['SigV2', 'AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg='],
    ['uppercase hex signature', VALID.replace(SIG, SIG.toUpperCase())],
    ['short signature', VALID.replace(SIG, SIG.slice(0, 63))],
    ['long signature', VALID.replace(SIG, `${SIG}0`)],
    ['missing Signature', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date'],
    ['missing SignedHeaders', `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, Signature=${SIG}`],
    ['missing Credential', `AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=${SIG}`],
    ['scope without aws4_request', VALID.replace('/aws4_request', '')],
    ['scope missing the region', VALID.replace('/us-east-1', '')],
    ['scope date not 8 digits', VALID.replace('20150830', '2015083')],
    ['uppercase signed header names', VALID.replace('host;x-amz-date', 'Host;X-Amz-Date')],
    ['empty', ''],
    ['lowercase algorithm', VALID.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256')],
  ])('rejects: %s', (_, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

describe('parseAmzDate', () => {
  it('parses a basic ISO 8601 UTC timestamp', () => {
    expect(parseAmzDate('20150830T123600Z')?.toISOString()).toBe('2015-08-30T12:36:00.000Z');
    expect(parseAmzDate('20240229T235959Z')?.toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });

  it.each([
    '2015-08-30T12:36:00Z',
    '20150830T123600',
    '20150830T123600+0000',
    '20150830 123600Z',
    '20150830t123600z',
    'Sun, 30 Aug 2015 12:36:00 GMT',
    '',
    '20150830T1236Z',
  ])('rejects %j', (value) => {
    expect(parseAmzDate(value)).toBeUndefined();
  });

  // Regression: Date.UTC rolls impossible dates and times over (31 February → 3 March) instead of failing.
  it.each([
    '20150231T000000Z',
    '20150229T000000Z',
    '20150431T000000Z',
    '20151301T000000Z',
    '20150001T000000Z',
    '20150800T000000Z',
    '20150830T240000Z',
    '20150830T126000Z',
    '20150830T123660Z',
  ])('rejects the impossible timestamp %s', (value) => {
    expect(parseAmzDate(value)).toBeUndefined();
  });

  it('still parses the last moment of a month and of a year', () => {
    expect(parseAmzDate('20150830T123600Z')?.toISOString()).toBe('2015-08-30T12:36:00.000Z');
    expect(parseAmzDate('20150131T000000Z')?.toISOString()).toBe('2015-01-31T00:00:00.000Z');
    expect(parseAmzDate('20151231T235959Z')?.toISOString()).toBe('2015-12-31T23:59:59.000Z');
  });
});
