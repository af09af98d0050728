/**
 * The fake AWS's check of a signed-chunk upload: every chunk (and the trailer) signed on the chain
 * that starts at the request's own signature, with the credentials the fake issued or holds.
 * Built on the tests' node:crypto chunk signer, not on the proxy's code.
 */
import { chunkSignatureOf, trailerSignatureOf, type ChunkCredentials } from '../../test/support/chunk-signing.js';

/** Returns undefined when every signature in the framed body is right, else what is wrong. */
export function chunkChainProblem(raw: Buffer, credentials: ChunkCredentials, seed: string): string | undefined {
  let previous = seed;
  let position = 0;
  for (let index = 1; ; index++) {
    const lineEnd = raw.indexOf('\r\n', position);
    const header = /^([0-9a-fA-F]+);chunk-signature=([0-9a-f]{64})$/.exec(lineEnd < 0 ? '' : raw.toString('latin1', position, lineEnd));
    if (!header) return `chunk ${index} has no chunk-signature`;
    const size = parseInt(header[1]!, 16);
    const data = raw.subarray(lineEnd + 2, lineEnd + 2 + size);
    if (chunkSignatureOf(credentials, previous, data) !== header[2]) return `chunk ${index} signature mismatch`;
    previous = header[2]!;
    position = lineEnd + 2 + size + (size > 0 ? 2 : 0);
    if (size > 0) continue;
    const rest = raw.toString('latin1', position);
    if (rest === '\r\n') return undefined;
    const trailer = /^((?:[a-z0-9-]+:[^\r\n]*\r\n)*)x-amz-trailer-signature:([0-9a-f]{64})\r\n\r\n$/.exec(rest);
    if (!trailer) return 'malformed trailer';
    const lines = trailer[1]!.split('\r\n').filter(Boolean);
    return trailerSignatureOf(credentials, previous, lines) === trailer[2] ? undefined : 'trailer signature mismatch';
  }
}
