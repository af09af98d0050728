import type { IncomingMessage } from 'node:http';
import { hostWithoutPort } from '../../aws/hosts.js';
import { splitTarget } from '../../aws/query.js';

/** An intercepted request's head, in the shape the later steps need. */
export interface InboundRequest {
  method: string;
  /** Request target as sent (path + query), origin-form. */
  target: string;
  rawPath: string;
  rawQuery: string;
  /** Host name from the Host header, lowercased, without port. */
  hostname: string;
  headers: IncomingMessage['headers'];
}

export function describeInbound(req: IncomingMessage): InboundRequest {
  // Plain-HTTP proxy requests arrive in absolute form (`http://host/path`); keep only the target.
  const target = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
  return {
    method: req.method ?? 'GET',
    target,
    ...splitTarget(target),
    hostname: hostWithoutPort(req.headers.host ?? ''),
    headers: req.headers,
  };
}

export class BodyTooLargeError extends Error {}

/** Reads a body that must be hashed before anything is signed; refuses bodies over `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(`body of ${declared} bytes is over the ${limit}-byte limit for signed payloads`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`body is over the ${limit}-byte limit for signed payloads`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
