import { describe, expect, it } from 'vitest';
import { canonicalPath, canonicalRequest, signedQuery } from '../../src/aws/canonical-request.js';

describe('canonicalPath', () => {
  it('S3: the key S3 decodes from the path, encoded once, nothing normalised (a + is a space to S3)', () => {
    expect(canonicalPath('/test$file.text', 's3')).toBe('/test%24file.text'); // the S3 documentation's PUT example
    expect(canonicalPath('/a=b/c%2Fd', 's3')).toBe('/a%3Db/c/d');
    expect(canonicalPath('/a+b', 's3')).toBe('/a%20b');
    expect(canonicalPath('/x//./../y', 's3')).toBe('/x//./../y');
    expect(canonicalPath('/bad%zz', 's3')).toBeUndefined();
  });

  it('other services: dot segments and empty segments resolved, then encoded a second time', () => {
    expect(canonicalPath('/a/./b/../c//d/', 'execute-api')).toBe('/a/c/d/');
    expect(canonicalPath('/my%20file', 'execute-api')).toBe('/my%2520file');
    expect(canonicalPath('/..', 'sqs')).toBe('/');
  });
});

describe('signedQuery', () => {
  it('S3 signs the first value of a repeated parameter, other services every value', () => {
    expect(signedQuery('prefix=a&prefix=b&list-type=2', 's3')).toEqual({ prefix: 'a', 'list-type': '2' });
    expect(signedQuery('Tag=a&Tag=b', 'sqs')).toEqual({ Tag: ['a', 'b'] });
  });
});

describe('canonicalRequest', () => {
  const request = { method: 'GET', rawPath: '/', rawQuery: 'b=2&a=1&a=0&empty=', headers: {}, rawHeaders: ['Host', 'h.amazonaws.com', 'X-Amz-Date', '20260101T000000Z', 'X-Multi', ' a  b ', 'x-multi', 'c\tc'] };

  it('covers exactly the listed headers, repeats joined by commas, whitespace collapsed; the query sorted by name then value', () => {
    expect(canonicalRequest(request, 'sqs', ['host', 'x-amz-date', 'x-multi'], 'UNSIGNED-PAYLOAD')).toBe(
      ['GET', '/', 'a=0&a=1&b=2&empty=', 'host:h.amazonaws.com\nx-amz-date:20260101T000000Z\nx-multi:a b,c c\n', 'host;x-amz-date;x-multi', 'UNSIGNED-PAYLOAD'].join('\n'),
    );
  });

  it('has none for a SignedHeaders list that is not sorted and unique', () => {
    expect(canonicalRequest(request, 'sqs', ['x-amz-date', 'host'], 'UNSIGNED-PAYLOAD')).toBeUndefined();
    expect(canonicalRequest(request, 'sqs', ['host', 'host'], 'UNSIGNED-PAYLOAD')).toBeUndefined();
  });

  it("leaves out only a presigned URL's own X-Amz-Signature", () => {
    const presigned = { ...request, rawQuery: 'X-Amz-Signature=abc&x-amz-signature=def' };
    expect(canonicalRequest(presigned, 'sqs', ['host'], 'UNSIGNED-PAYLOAD', 'X-Amz-Signature')!.split('\n')[2]).toBe('x-amz-signature=def');
  });
});
