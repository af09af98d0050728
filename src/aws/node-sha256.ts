import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/**
 * SHA-256 / HMAC-SHA-256 for @smithy/signature-v4 backed by node:crypto.
 * Why not @aws-crypto/sha256-js: on the per-request hot path node:crypto signs ~1.4x faster and hashes
 * bodies over 20x faster (see `npm run bench`); a unit test checks both give identical results.
 */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return this.digestSync();
  }

  digestSync(): Uint8Array {
    const result = this.hash.digest();
    return new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(toBytes(this.secret));
    return createHmac('sha256', key);
  }
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
