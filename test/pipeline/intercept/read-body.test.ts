import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBody } from '../../../src/pipeline/intercept/read-body.js';

const message = (chunks: string[], headers: Record<string, string> = {}) => Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { headers }) as unknown as IncomingMessage;

describe('readBody', () => {
  it('reads a body with a Content-Length into one buffer of that size', async () => {
    const body = await readBody(message(['ab', 'cd', 'e'], { 'content-length': '5' }), 10);
    expect(body.toString()).toBe('abcde');
  });

  it('reads a chunked body (no Content-Length)', async () => {
    expect((await readBody(message(['ab', 'cd']), 10)).toString()).toBe('abcd');
  });

  it('refuses a declared length over the limit before reading, and a chunked body once it passes the limit', async () => {
    await expect(readBody(message(['x'], { 'content-length': '11' }), 10)).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(readBody(message(['123456', '78901']), 10)).rejects.toThrow(/over the 10-byte limit/);
  });

  it('refuses more bytes than the Content-Length declared', async () => {
    await expect(readBody(message(['abc', 'def'], { 'content-length': '4' }), 10)).rejects.toThrow(/longer than its Content-Length/);
  });

  it('returns what arrived when the body ends short (its hash then fails to match)', async () => {
    expect((await readBody(message(['ab'], { 'content-length': '4' }), 10)).toString()).toBe('ab');
  });
});
