/** What the streaming section (8) sends and asks for, shared by the client and streaming-upstream.ts. */
import { createHash } from 'node:crypto';

export const MIB = 1024 * 1024;
export const S3_HOST = 's3.us-east-1.amazonaws.com';
export const BEDROCK_HOST = 'bedrock-runtime.us-east-1.amazonaws.com';
/** GET of this key (plus the MiB count) answers that many generated MiB. */
export const GENERATED_KEY = '/bench-bucket/generated-';
/** The trickled response: chunks this far apart, like a model streaming its tokens. */
export const TRICKLE = { chunks: 12, intervalMs: 250, bytes: 200 };
export const TRICKLE_PATH = '/model/amazon.titan-text-express-v1/invoke-with-response-stream';
/** A PUT to this key is not read by the upstream for STALL_MS; a stalled GET is not read by the client as long. */
export const STALLED_KEY = '/bench-bucket/upload-stalled';
export const STALL_MS = 3000;
export const STALL_MIB = 256;
/** A PUT whose body is signed by its hash, which the proxy must read whole to check (it takes at most 64 MiB). */
export const HASHED_MIB = 60;

let base: Buffer | undefined;

/** MiB number `i` of the generated stream: one fixed pseudo-random MiB with `i` in its first bytes (a dropped or repeated MiB changes the hash). */
export function mibAt(i: number): Buffer {
  base ??= Buffer.concat(Array.from({ length: MIB / 32 }, (_, n) => createHash('sha256').update(String(n)).digest()));
  const block = Buffer.from(base);
  block.writeUInt32BE(i, 0);
  return block;
}

export function* generatedMiBs(count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield mibAt(i);
}

export function sha256Of(count: number): string {
  const hash = createHash('sha256');
  for (const block of generatedMiBs(count)) hash.update(block);
  return hash.digest('hex');
}
