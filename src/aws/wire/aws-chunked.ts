import { parsed, unreadable, type Parsed } from './parsed.js';

/**
 * The payload of an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n
 * <trailers>\r\n`), as S3 reads it. No library parses this framing; it is small enough to write.
 */
export function decodeAwsChunked(raw: Buffer): Parsed<Buffer> {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', position);
    const size = lineEnd < 0 ? '' : raw.subarray(position, lineEnd).toString('latin1').split(';')[0]!;
    if (!/^[0-9a-fA-F]{1,8}$/.test(size)) return unreadable(`a malformed aws-chunked chunk header at byte ${position}`);
    const length = parseInt(size, 16);
    position = lineEnd + 2;
    if (length === 0) {
      // Only trailer lines and the closing empty line may follow: nothing a reader could take for content.
      const rest = raw.subarray(position).toString('latin1');
      return /^([!-9;-~]+:[^\r\n]*\r\n)*\r\n$/.test(rest) ? parsed(Buffer.concat(chunks)) : unreadable('bytes after the last aws-chunked chunk that are not trailers');
    }
    if (raw.subarray(position + length, position + length + 2).toString('latin1') !== '\r\n') return unreadable(`an aws-chunked chunk at byte ${position} that is not ${length} bytes long`);
    chunks.push(raw.subarray(position, position + length));
    position += length + 2;
  }
}
