/** The stream ended, or sent a line longer than allowed, where a framing expected more. */
export class FramingError extends Error {}

const CRLF = Buffer.from('\r\n');

/**
 * Reads CRLF-terminated lines and exact byte counts from a stream of buffers, pulling only what
 * it needs: a body read this way is never held whole (at most one line, or the parts a caller keeps).
 */
export class ByteReader {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  static of(source: AsyncIterable<Buffer> | Buffer): ByteReader {
    const iterable = Buffer.isBuffer(source) ? [source] : source;
    return new ByteReader((async function* () { yield* iterable; })());
  }

  /** The next line without its CRLF, as latin1; longer than `maxLength` is a framing error. */
  async line(maxLength: number): Promise<string> {
    let searchFrom = 0;
    for (;;) {
      const end = this.buffered.indexOf(CRLF, searchFrom);
      if (end >= 0 && end <= maxLength) {
        const line = this.buffered.toString('latin1', 0, end);
        this.buffered = this.buffered.subarray(end + 2);
        return line;
      }
      if (end > maxLength || this.buffered.length > maxLength + 1) throw new FramingError(`a line longer than ${maxLength} bytes`);
      searchFrom = Math.max(0, this.buffered.length - 1);
      if (!(await this.fill())) throw new FramingError('the body ended in the middle of a line');
    }
  }

  /** Exactly `count` bytes, yielded as they arrive. */
  async *bytes(count: number): AsyncGenerator<Buffer> {
    let left = count;
    while (left > 0) {
      if (this.buffered.length === 0 && !(await this.fill())) throw new FramingError(`the body ended ${left} bytes short`);
      const part = this.buffered.subarray(0, left);
      this.buffered = this.buffered.subarray(part.length);
      left -= part.length;
      yield part;
    }
  }

  /** Whether the next two bytes are CRLF (they are consumed either way). */
  async crlf(): Promise<boolean> {
    const parts: Buffer[] = [];
    for await (const part of this.bytes(2)) parts.push(part);
    return Buffer.concat(parts).equals(CRLF);
  }

  /** True when nothing follows what has been read. */
  async atEnd(): Promise<boolean> {
    return this.buffered.length === 0 && !(await this.fill());
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.buffered = this.buffered.length === 0 ? next.value : Buffer.concat([this.buffered, next.value]);
    return true;
  }
}
