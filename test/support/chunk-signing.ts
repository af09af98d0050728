/**
 * Signed-chunk framing built by hand with node:crypto, independent of the signer library the
 * proxy uses: the tests' own idea of what AWS's chunked-upload documentation specifies.
 */
import { createHash, createHmac } from 'node:crypto';

export interface ChunkCredentials {
  secretAccessKey: string;
  amzDate: string;
  region: string;
  service: string;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function signingKey(c: ChunkCredentials): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${c.secretAccessKey}`, c.amzDate.slice(0, 8)), c.region), c.service), 'aws4_request');
}

const scopeOf = (c: ChunkCredentials) => `${c.amzDate.slice(0, 8)}/${c.region}/${c.service}/aws4_request`;

export function chunkSignatureOf(c: ChunkCredentials, previous: string, data: Buffer): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', c.amzDate, scopeOf(c), previous, sha256(''), sha256(data)].join('\n');
  return createHmac('sha256', signingKey(c)).update(stringToSign).digest('hex');
}

export function trailerSignatureOf(c: ChunkCredentials, previous: string, trailerLines: string[]): string {
  const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', c.amzDate, scopeOf(c), previous, sha256(trailerLines.map((l) => `${l}\n`).join(''))].join('\n');
  return createHmac('sha256', signingKey(c)).update(stringToSign).digest('hex');
}

/** An aws-chunked body with every chunk signed on the chain that starts at `seed`. */
export function signedChunkBody(c: ChunkCredentials, seed: string, chunks: Buffer[], trailerLines?: string[]): { body: Buffer; signatures: string[] } {
  const parts: Buffer[] = [];
  const signatures: string[] = [];
  let previous = seed;
  for (const data of [...chunks, Buffer.alloc(0)]) {
    previous = chunkSignatureOf(c, previous, data);
    signatures.push(previous);
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`), data);
    if (data.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (trailerLines) {
    const signature = trailerSignatureOf(c, previous, trailerLines);
    signatures.push(signature);
    parts.push(Buffer.from(trailerLines.map((l) => `${l}\r\n`).join('') + `x-amz-trailer-signature:${signature}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return { body: Buffer.concat(parts), signatures };
}

/** The chunk and trailer signatures in a framed body, in order. */
export function signaturesIn(body: Buffer): string[] {
  return [...body.toString('latin1').matchAll(/(?:chunk-signature=|x-amz-trailer-signature:)([0-9a-f]{64})/g)].map((m) => m[1]!);
}
