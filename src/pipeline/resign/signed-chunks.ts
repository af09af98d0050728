import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import { toAmzDate } from '../../aws/amz-date.js';
import type { AwsError } from '../../aws/errors.js';
import { credentialScope, signingKeys } from '../../aws/sigv4.js';
import { ByteReader, FramingError } from '../../aws/wire/byte-reader.js';

/**
 * One side's signature chain: the seed is the request's own signature, and each chunk's
 * signature covers the one before it, so no chunk can be dropped, reordered or replaced.
 */
export interface ChunkChain {
  /** HMAC-SHA256 of a string to sign with this side's signing key, hex. */
  sign(stringToSign: string): Promise<string>;
  /** The request's x-amz-date and credential scope (`yyyymmdd/region/service/aws4_request`). */
  amzDate: string;
  scope: string;
  seed: string;
}

/** The chain of one signature: the signing key from the shared cache (src/aws/sigv4.ts), each chunk's HMAC by node:crypto. */
export function chunkChain(credentials: AwsCredentialIdentity, region: string, service: string, signingDate: Date, seed: string): ChunkChain {
  const amzDate = toAmzDate(signingDate);
  const shortDate = amzDate.slice(0, 8);
  const signingKey = signingKeys.get(credentials.secretAccessKey, shortDate, region, service);
  return {
    sign: async (stringToSign) => createHmac('sha256', signingKey).update(stringToSign).digest('hex'),
    amzDate,
    scope: credentialScope(shortDate, region, service),
    seed,
  };
}

export interface SignedChunkUpload {
  /** The agent's chain, checked; the upstream one, signed with the real key. */
  agent: ChunkChain;
  upstream: ChunkChain;
  /** The -TRAILER variant: trailing headers (named in x-amz-trailer) follow the last chunk, signed. */
  trailerNames: string[] | undefined;
  /** x-amz-decoded-content-length: the chunks' sizes must add up to exactly this. */
  decodedLength: number;
}

/** An upload refused part-way; what was relayed before it never completes an object. */
export class SignedChunkError extends Error {
  constructor(readonly error: AwsError) {
    super(error.message);
  }
}

/** A chunk is held whole until its signature is checked; SDKs send 8 KiB–1 MiB. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_LINE = 128;
const MAX_TRAILER_BYTES = 4096;
const EMPTY_SHA256 = createHash('sha256').digest('hex');
const CHUNK_HEADER = /^([0-9a-fA-F]{1,8});chunk-signature=([0-9a-f]{64})$/;
const TRAILER_SIGNATURE = /^x-amz-trailer-signature:([0-9a-f]{64})$/;

/**
 * The body of a signed-chunk upload, re-framed for upstream as it arrives: each chunk's signature
 * is checked against the agent's chain and replaced by the real key's, byte for byte the same
 * length, so Content-Length and x-amz-decoded-content-length stay true. A chunk is only passed on
 * once its signature is checked, and the last one only once the sizes add up (and its trailer
 * verifies), so upstream never completes an object from data the agent did not sign.
 */
export async function* relaySignedChunks(body: AsyncIterable<Buffer> | Buffer, upload: SignedChunkUpload): AsyncGenerator<Buffer> {
  const reader = ByteReader.of(body);
  let agentPrevious = upload.agent.seed;
  let upstreamPrevious = upload.upstream.seed;
  let total = 0;
  try {
    for (let index = 1; ; index++) {
      const header = CHUNK_HEADER.exec(await reader.line(MAX_LINE));
      if (!header) throw malformed(`chunk ${index} does not start with <hex size>;chunk-signature=<signature>`);
      const [, sizeText, signature] = header as unknown as [string, string, string];
      const size = parseInt(sizeText, 16);
      if (size > MAX_CHUNK_BYTES) throw malformed(`chunk ${index} is ${size} bytes; iam-agent-proxy checks chunks of at most ${MAX_CHUNK_BYTES}`);
      total += size;
      if (total > upload.decodedLength) throw malformed(`the chunks carry more than the ${upload.decodedLength} bytes x-amz-decoded-content-length declares`);
      const hash = createHash('sha256');
      const parts: Buffer[] = [];
      for await (const part of reader.bytes(size)) {
        hash.update(part);
        parts.push(part);
      }
      const dataHash = hash.digest('hex');
      agentPrevious = await checked(upload.agent, chunkStringToSign(upload.agent, agentPrevious, dataHash), signature, `chunk ${index}`);
      upstreamPrevious = await upload.upstream.sign(chunkStringToSign(upload.upstream, upstreamPrevious, dataHash));
      const resigned = Buffer.from(`${sizeText};chunk-signature=${upstreamPrevious}\r\n`, 'latin1');
      if (size > 0) {
        if (!(await reader.crlf())) throw malformed(`chunk ${index} is longer than its declared ${size} bytes`);
        yield Buffer.concat([resigned, ...parts, CRLF]); // one write per chunk: cheaper than one per part
        continue;
      }
      if (total !== upload.decodedLength) throw malformed(`the chunks carry ${total} bytes, not the ${upload.decodedLength} x-amz-decoded-content-length declares`);
      const ending = upload.trailerNames ? await relayTrailer(reader, upload, agentPrevious, upstreamPrevious) : await emptyLine(reader);
      if (!(await reader.atEnd())) throw malformed('bytes follow the last chunk');
      yield Buffer.concat([resigned, ending]);
      return;
    }
  } catch (error) {
    if (error instanceof FramingError) throw malformed(error.message);
    throw error;
  }
}

/** `0;chunk-signature=…\r\n` is followed by an empty line, or, with a trailer, by the trailer and then one. */
async function emptyLine(reader: ByteReader): Promise<Buffer> {
  if (!(await reader.crlf())) throw malformed('the last chunk is not followed by an empty line');
  return CRLF;
}

/** Trailing headers, each `name:value`, then `x-amz-trailer-signature:…` over them, then an empty line. */
async function relayTrailer(reader: ByteReader, upload: SignedChunkUpload, agentPrevious: string, upstreamPrevious: string): Promise<Buffer> {
  const lines: string[] = [];
  let size = 0;
  for (;;) {
    const line = await reader.line(MAX_TRAILER_BYTES);
    size += line.length + 2;
    if (size > MAX_TRAILER_BYTES) throw malformed(`a trailer longer than ${MAX_TRAILER_BYTES} bytes`);
    const signature = TRAILER_SIGNATURE.exec(line);
    if (signature) {
      if (!(await reader.crlf())) throw malformed('the trailer signature is not followed by an empty line');
      const trailerHash = createHash('sha256').update(lines.map((l) => `${l}\n`).join(''), 'latin1').digest('hex');
      await checked(upload.agent, trailerStringToSign(upload.agent, agentPrevious, trailerHash), signature[1]!, 'the trailer');
      const upstreamSignature = await upload.upstream.sign(trailerStringToSign(upload.upstream, upstreamPrevious, trailerHash));
      return Buffer.from(lines.map((l) => `${l}\r\n`).join('') + `x-amz-trailer-signature:${upstreamSignature}\r\n\r\n`, 'latin1');
    }
    const name = /^([a-z0-9-]+):/.exec(line)?.[1];
    if (!name || !upload.trailerNames!.includes(name)) throw malformed(`trailer line "${line.slice(0, 64)}" is not one x-amz-trailer names`);
    lines.push(line);
  }
}

export function chunkStringToSign(chain: ChunkChain, previous: string, dataHash: string): string {
  return `AWS4-HMAC-SHA256-PAYLOAD\n${chain.amzDate}\n${chain.scope}\n${previous}\n${EMPTY_SHA256}\n${dataHash}`;
}

export function trailerStringToSign(chain: ChunkChain, previous: string, trailerHash: string): string {
  return `AWS4-HMAC-SHA256-TRAILER\n${chain.amzDate}\n${chain.scope}\n${previous}\n${trailerHash}`;
}

/** The agent's signature for one part, checked in constant time; it becomes the next part's "previous". */
async function checked(chain: ChunkChain, stringToSign: string, given: string, what: string): Promise<string> {
  const expected = await chain.sign(stringToSign);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(given))) {
    throw new SignedChunkError({ status: 403, code: 'SignatureDoesNotMatch', message: `The signature of ${what} of this upload does not match; nothing after it was sent on.` });
  }
  return given;
}

function malformed(message: string): SignedChunkError {
  return new SignedChunkError({ status: 400, code: 'IncompleteBody', message: `Malformed signed-chunk upload: ${message}.` });
}

const CRLF = Buffer.from('\r\n');
