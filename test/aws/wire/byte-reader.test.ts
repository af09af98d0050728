import { describe, expect, it } from 'vitest';
import { ByteReader, FramingError } from '../../../src/aws/wire/byte-reader.js';

/** A reader over `text` delivered in pieces of `size` bytes, as a socket splits it. */
const reader = (text: string, size = 3) => {
  const bytes = Buffer.from(text, 'latin1');
  return ByteReader.of((async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  })());
};

async function collect(parts: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = [];
  for await (const part of parts) out.push(part);
  return Buffer.concat(out).toString('latin1');
}

describe('ByteReader', () => {
  it('reads lines and exact byte counts across piece boundaries, a CRLF split between pieces included', async () => {
    for (const size of [1, 2, 3, 7, 100]) {
      const r = reader('head\r\nbody-bytes\r\nnext\r\n', size);
      expect(await r.line(10)).toBe('head');
      expect(await collect(r.bytes(10))).toBe('body-bytes');
      expect(await r.crlf()).toBe(true);
      expect(await r.line(10)).toBe('next');
      expect(await r.atEnd()).toBe(true);
    }
  });

  it('refuses a line longer than allowed, whether or not its CRLF has arrived', async () => {
    await expect(reader('0123456789ab\r\n').line(10)).rejects.toThrow(FramingError);
    await expect(reader('0123456789abcdef').line(10)).rejects.toThrow(/longer than 10 bytes/);
  });

  it('says where the body ended short: in a line, or in counted bytes', async () => {
    await expect(reader('no end').line(100)).rejects.toThrow(/in the middle of a line/);
    await expect(collect(reader('abc').bytes(5))).rejects.toThrow(/2 bytes short/);
  });

  it('tells a CRLF from other bytes, and the end from more data', async () => {
    const r = reader('xy', 1);
    expect(await r.crlf()).toBe(false);
    expect(await r.atEnd()).toBe(true);
    expect(await reader('z').atEnd()).toBe(false);
  });

  it('reads a whole buffer as one piece', async () => {
    const r = ByteReader.of(Buffer.from('a\r\nbc'));
    expect(await r.line(5)).toBe('a');
    expect(await collect(r.bytes(2))).toBe('bc');
  });
});
