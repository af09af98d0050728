import { describe, expect, it } from 'vitest';
import { cbor } from '@smithy/core/cbor';
import { readUpstreamError } from '../../../src/pipeline/respond/upstream-error.js';

describe('readUpstreamError', () => {
  it('reads the query protocol error', () => {
    const body = Buffer.from('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>');
    expect(readUpstreamError(403, {}, body, 'awsQuery')).toEqual({ status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole' });
  });

  it('reads S3, JSON (with a namespaced __type) and CBOR errors', () => {
    expect(readUpstreamError(404, {}, Buffer.from('<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>'), 'restXml')).toMatchObject({ code: 'NoSuchBucket', message: 'gone' });
    expect(readUpstreamError(401, {}, Buffer.from('{"__type":"com.amazonaws.sso#UnauthorizedException","message":"expired"}'), 'restJson1')).toMatchObject({ code: 'UnauthorizedException', message: 'expired' });
    expect(readUpstreamError(400, {}, Buffer.from(cbor.serialize({ __type: 'x#ValidationException', message: 'bad' })), 'rpcv2Cbor')).toMatchObject({ code: 'ValidationException' });
  });

  it('falls back to the x-amzn-errortype header, then to a generic code; never invents a status', () => {
    expect(readUpstreamError(400, { 'x-amzn-errortype': 'InvalidParameterException:http://internal' }, Buffer.from(''), 'restJson1')).toMatchObject({ code: 'InvalidParameterException' });
    expect(readUpstreamError(503, {}, Buffer.from('<html>oops'), 'awsQuery')).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(readUpstreamError(302, {}, Buffer.from(''), 'awsQuery')).toMatchObject({ status: 502 });
  });

  it('refuses a code that is not an error name, and caps the message', () => {
    const body = Buffer.from(JSON.stringify({ __type: '<script>', message: 'x'.repeat(5000) }));
    const error = readUpstreamError(400, {}, body, 'awsJson1_1');
    expect(error.code).toBe('UnknownError');
    expect(error.message).toHaveLength(1024);
  });
});
