import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from '../../../src/aws/wire/aws-chunked.js';

const SIG = ';chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648';
const decoded = (text: string) => {
  const result = decodeAwsChunked(Buffer.from(text, 'latin1'));
  if (!result.ok) throw new Error(result.error);
  return result.value.toString('latin1');
};
const error = (text: string | Buffer) => {
  const result = decodeAwsChunked(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  return result.ok ? undefined : result.error;
};

describe('decodeAwsChunked: the payload of well-framed bodies', () => {
  it('one chunk and the final zero-length chunk', () => {
    expect(decoded('5\r\nhello\r\n0\r\n\r\n')).toBe('hello');
  });

  it('several chunks, concatenated in order', () => {
    expect(decoded('3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n')).toBe('abcdef');
  });

  it('chunk signatures (SigV4 streaming) are not part of the payload', () => {
    expect(decoded(`4${SIG}\r\nDATA\r\n0${SIG}\r\n\r\n`)).toBe('DATA');
  });

  it('trailers after the final chunk are not part of the payload', () => {
    expect(decoded('4\r\nDATA\r\n0\r\nx-amz-checksum-crc32:sOO8/Q==\r\nx-amz-trailer-signature:abc\r\n\r\n')).toBe('DATA');
  });

  it('chunk sizes in hex, either case, with leading zeros', () => {
    const data = 'x'.repeat(26);
    expect(decoded(`1a\r\n${data}\r\n0\r\n\r\n`)).toBe(data);
    expect(decoded(`1A\r\n${data}\r\n00000000\r\n\r\n`)).toBe(data);
    expect(decoded(`0000001a\r\n${data}\r\n0\r\n\r\n`)).toBe(data);
  });

  it('chunk data holding CRLF and what looks like a chunk header', () => {
    expect(decoded('7\r\n0\r\n\r\nab\r\n0\r\n\r\n')).toBe('0\r\n\r\nab');
  });

  it('binary chunk data', () => {
    const body = Buffer.concat([Buffer.from('3\r\n'), Buffer.from([0, 0xff, 0x0d]), Buffer.from('\r\n0\r\n\r\n')]);
    const result = decodeAwsChunked(body);
    expect(result.ok && [...result.value]).toStrictEqual([0, 0xff, 0x0d]);
  });

  it('only the final chunk: an empty payload', () => {
    expect(decoded('0\r\n\r\n')).toBe('');
  });

  it('a 1 MiB chunk', () => {
    const data = 'z'.repeat(1 << 20);
    expect(decoded(`100000\r\n${data}\r\n0\r\n\r\n`)).toHaveLength(1 << 20);
  });
});

describe('decodeAwsChunked: malformed framing is refused', () => {
  it('an empty body (no final chunk)', () => {
    expect(error('')).toBe('a malformed aws-chunked chunk header at byte 0');
  });

  it('a body that ends after a chunk, without the final chunk', () => {
    expect(error('5\r\nhello\r\n')).toBe('a malformed aws-chunked chunk header at byte 10');
  });

  it('a chunk header without its CRLF', () => {
    expect(error('5')).toBe('a malformed aws-chunked chunk header at byte 0');
    expect(error('0')).toBe('a malformed aws-chunked chunk header at byte 0');
  });

  it.each([
    ['not hex', 'g\r\n'],
    ['a sign', '+5\r\nhello\r\n0\r\n\r\n'],
    ['a negative size', '-1\r\n'],
    ['a 0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['spaces', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['an empty size before the signature', `${SIG}\r\nhello\r\n0\r\n\r\n`],
    ['more than 8 hex digits', '000000005\r\nhello\r\n0\r\n\r\n'],
  ])('a chunk size with %s', (_, body) => {
    expect(error(body)).toBe('a malformed aws-chunked chunk header at byte 0');
  });

  it('a chunk shorter than its size (truncated)', () => {
    expect(error('a\r\nhello')).toBe('an aws-chunked chunk at byte 3 that is not 10 bytes long');
  });

  it('a chunk longer than its size', () => {
    expect(error('3\r\nhello\r\n0\r\n\r\n')).toBe('an aws-chunked chunk at byte 3 that is not 3 bytes long');
  });

  it('a chunk size far beyond the body', () => {
    expect(error('ffffffff\r\nhello\r\n0\r\n\r\n')).toBe('an aws-chunked chunk at byte 10 that is not 4294967295 bytes long');
  });

  it('chunk data not followed by CRLF', () => {
    expect(error('5\r\nhello\n0\r\n\r\n')).toBe('an aws-chunked chunk at byte 3 that is not 5 bytes long');
  });

  it.each([
    ['another chunk', '5\r\nhello\r\n0\r\n\r\n5\r\nworld\r\n'],
    ['no closing empty line', '5\r\nhello\r\n0\r\n'],
    ['a trailer without its CRLF', '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:abc\r\n'],
    ['a trailer line that is no header', '5\r\nhello\r\n0\r\nnot a header\r\n\r\n'],
    ['a trailer with a space in its name', '5\r\nhello\r\n0\r\nx amz:1\r\n\r\n'],
    ['bytes after the closing line', '5\r\nhello\r\n0\r\n\r\nextra'],
    ['a bare LF', '5\r\nhello\r\n0\r\n\n'],
  ])('after the final chunk: %s', (_, body) => {
    expect(error(body)).toBe('bytes after the last aws-chunked chunk that are not trailers');
  });

  it('a malformed second chunk header', () => {
    expect(error('5\r\nhello\r\nzz\r\n')).toBe('a malformed aws-chunked chunk header at byte 10');
  });
});
