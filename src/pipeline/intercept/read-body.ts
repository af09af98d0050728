import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {}

/**
 * Reads a body that must be hashed or parsed before anything is signed; refuses bodies over `limit`
 * bytes. With a Content-Length the body is copied into one buffer of that size as it arrives (no
 * list of chunks to concatenate into a second copy); more bytes than declared is refused.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limit) throw new BodyTooLargeError(`body of ${declared} bytes is over the ${limit}-byte limit`);
  if (declared !== undefined && Number.isSafeInteger(declared)) return readDeclared(req, declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`body is over the ${limit}-byte limit`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

async function readDeclared(req: IncomingMessage, length: number): Promise<Buffer> {
  const body = Buffer.allocUnsafe(length);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    // Node's parser stops at Content-Length; this only guards the buffer.
    if (size + chunk.length > length) throw new BodyTooLargeError(`body is longer than its Content-Length of ${length} bytes`);
    chunk.copy(body, size);
    size += chunk.length;
  }
  return size === length ? body : body.subarray(0, size);
}
