import { describe, expect, it } from 'vitest';
import { parseAmzDate, parseAuthorization, parsePresignedQuery } from '../../../src/pipeline/authenticate/authorization-header.js';
import { parseRawQuery } from '../../../src/aws/query.js';

const SIG = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const VALID = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`;

describe('parseAuthorization', () => {
  it('parses every part of a valid header', () => {
    expect(parseAuthorization(VALID)).toStrictEqual({
      algorithm: 'AWS4-HMAC-SHA256',
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
    ['SigV4a scope with a region', `AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`],
    ['SigV4 scope without a region', VALID.replace('/us-east-1', '')],
    ['SigV2', 'AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg='],
    ['uppercase hex signature', VALID.replace(SIG, SIG.toUpperCase())],
    ['short signature', VALID.replace(SIG, SIG.slice(0, 63))],
    ['long signature', VALID.replace(SIG, `${SIG}0`)],
    ['missing Signature', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date'],
    ['missing SignedHeaders', `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, Signature=${SIG}`],
    ['missing Credential', `AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=${SIG}`],
    ['scope without aws4_request', VALID.replace('/aws4_request', '')],
    ['scope date not 8 digits', VALID.replace('20150830', '2015083')],
    ['uppercase signed header names', VALID.replace('host;x-amz-date', 'Host;X-Amz-Date')],
    ['empty', ''],
    ['lowercase algorithm', VALID.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256')],
  ])('rejects: %s', (_, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

// From aws-c-auth's SigV4a test suite (v4a/get-vanilla).
const DER = '3046022100fddaaf816a31e30d04973875b13bc27b98da10907a3a1872fd5819a221334abc022100de2ee81d83b54f31efc82834de07e6cd4d5c6f25bfa08e0f29a15bb0977c343e';
const V4A = `AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=${DER}`;

describe('parseAuthorization: SigV4a', () => {
  it('parses the region-less scope, the DER signature and the region set', () => {
    expect(parseAuthorization(V4A, 'us-east-1')).toStrictEqual({
      algorithm: 'AWS4-ECDSA-P256-SHA256',
      accessKeyId: 'AKIDEXAMPLE',
      scopeDate: '20150830',
      region: 'us-east-1',
      service: 'service',
      regionSet: ['us-east-1'],
      signedHeaders: ['host', 'x-amz-date', 'x-amz-region-set'],
      signature: DER,
    });
  });

  it.each([
    ['*', ['*'], '*'],
    ['us-east-1,us-west-2', ['us-east-1', 'us-west-2'], '*'],
    ['us-east-1, us-west-2', ['us-east-1', 'us-west-2'], '*'],
    ['us-*', ['us-*'], '*'],
  ])('takes region set %j as %j, region %j: the host decides where AWS acts', (header, regionSet, region) => {
    expect(parseAuthorization(V4A, header)).toMatchObject({ regionSet, region });
  });

  it.each([
    ['no region set', V4A, undefined],
    ['an empty region set', V4A, ''],
    ['an empty region in the set', V4A, 'us-east-1,'],
    ['a region set of other characters', V4A, 'us-east-1;DROP'],
    ['a region set given as an array', V4A, ['us-east-1', 'us-west-2']],
    ['a hex HMAC signature of odd length', V4A.replace(DER, `${DER}0`), '*'],
    ['a signature over 72 bytes', V4A.replace(DER, DER.repeat(2)), '*'],
    ['uppercase hex', V4A.replace(DER, DER.toUpperCase()), '*'],
  ])('rejects %s', (_, header, regionSet) => {
    expect(parseAuthorization(header, regionSet)).toBeUndefined();
  });
});

describe('parsePresignedQuery: SigV4a', () => {
  const query = (changes: Record<string, string | undefined> = {}) => {
    const params: Record<string, string | undefined> = {
      'X-Amz-Algorithm': 'AWS4-ECDSA-P256-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE%2F20150830%2Fs3%2Faws4_request',
      'X-Amz-Date': '20150830T123600Z',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Expires': '3600',
      'X-Amz-Region-Set': '%2A',
      'X-Amz-Signature': DER,
      ...changes,
    };
    return parseRawQuery(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])).join('&'));
  };

  it('reads the region set from X-Amz-Region-Set', () => {
    expect(parsePresignedQuery(query())).toMatchObject({ algorithm: 'AWS4-ECDSA-P256-SHA256', accessKeyId: 'AKIDEXAMPLE', service: 's3', region: '*', regionSet: ['*'], signature: DER, expiresInSeconds: 3600 });
  });

  it.each([
    ['without X-Amz-Region-Set', { 'X-Amz-Region-Set': undefined }],
    ['with a region in the credential', { 'X-Amz-Credential': 'AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request' }],
    ['with an odd-length signature', { 'X-Amz-Signature': SIG.slice(0, 63) }],
  ])('rejects one %s', (_, changes) => {
    expect(parsePresignedQuery(query(changes))).toBeUndefined();
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
