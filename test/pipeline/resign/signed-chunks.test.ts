import { describe, expect, it } from 'vitest';
import { readSignatureClaim, verifySignatureClaim } from '../../../src/pipeline/authenticate/authenticate.js';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';
import { chunkChain, MAX_CHUNK_BYTES, relaySignedChunks, SignedChunkError, type SignedChunkUpload } from '../../../src/pipeline/resign/signed-chunks.js';
import { signaturesIn, signedChunkBody, trailerSignatureOf, type ChunkCredentials } from '../../support/chunk-signing.js';

// The example of AWS's "Transferring payload in multiple chunks" page: 64 KiB and 1 KiB of 'a'.
const DOC = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const DOC_DATE = new Date('2013-05-24T00:00:00Z');
const DOC_SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const DOC_CHUNK_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const DOC_CHUNKS = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')];

const REAL = { accessKeyId: 'AKIAREALUPSTREAM0001', secretAccessKey: 'the-real-secret' };
const NOW = new Date('2026-12-02T10:00:00Z');
const UPSTREAM_SEED = '1'.repeat(64);
const docSide: ChunkCredentials = { secretAccessKey: DOC.secretAccessKey, amzDate: '20130524T000000Z', region: 'us-east-1', service: 's3' };
const realSide: ChunkCredentials = { secretAccessKey: REAL.secretAccessKey, amzDate: '20261202T100000Z', region: 'eu-west-1', service: 's3' };

function upload(overrides: Partial<SignedChunkUpload> = {}): SignedChunkUpload {
  return {
    agent: chunkChain(DOC, 'us-east-1', 's3', DOC_DATE, DOC_SEED),
    upstream: chunkChain(REAL, 'eu-west-1', 's3', NOW, UPSTREAM_SEED),
    trailerNames: undefined,
    decodedLength: 66560,
    ...overrides,
  };
}

/** Feeds the body in pieces of `piece` bytes, as a socket would, and collects what is sent on. */
async function relay(body: Buffer, options: SignedChunkUpload, piece = 1000): Promise<{ out: Buffer; error?: SignedChunkError }> {
  async function* pieces() {
    for (let i = 0; i < body.length; i += piece) yield body.subarray(i, i + piece);
  }
  const sent: Buffer[] = [];
  try {
    for await (const part of relaySignedChunks(pieces(), options)) sent.push(part);
  } catch (error) {
    if (!(error instanceof SignedChunkError)) throw error;
    return { out: Buffer.concat(sent), error };
  }
  return { out: Buffer.concat(sent) };
}

describe("the documentation example's seed signature", () => {
  const headers = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'content-encoding': 'aws-chunked',
    'content-length': '66824',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'x-amz-decoded-content-length': '66560',
    authorization: `AWS4-HMAC-SHA256 Credential=${DOC.accessKeyId}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${DOC_SEED}`,
  };
  const request = (changed: Record<string, string> = {}) => {
    const all = { ...headers, ...changed };
    return new AwsRequest('PUT', '/examplebucket/chunkObject.txt', 's3.amazonaws.com', all, Object.entries(all).flat());
  };
  const lookup = () => ({ status: 'valid' as const, key: { ...DOC, agent: 'doc', issuedAt: 0, expiresAt: Infinity } });

  it('verifies, and the claim names the signed-chunk payload without reading the body', async () => {
    const claim = readSignatureClaim(request(), DOC_DATE);
    expect(claim.ok && claim.value.payload).toEqual({ kind: 'literal', value: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    if (!claim.ok) return;
    const verified = await verifySignatureClaim(request(), claim.value, undefined, lookup);
    expect(verified.ok && verified.value.payloadHash).toBe('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
  });

  it('is refused without the framing headers a chunk-by-chunk check needs', () => {
    const length = readSignatureClaim(request({ 'x-amz-decoded-content-length': 'many' }), DOC_DATE);
    expect(!length.ok && length.error.code).toBe('MissingContentLength');
    const trailer = readSignatureClaim(request({ 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' }), DOC_DATE);
    expect(!trailer.ok && trailer.error.message).toMatch(/x-amz-trailer/);
  });
});

describe('relaySignedChunks', () => {
  const doc = signedChunkBody(docSide, DOC_SEED, DOC_CHUNKS);

  it("accepts the AWS documentation's chunked upload, whose signatures the test's own signer reproduces", async () => {
    expect(doc.signatures).toEqual(DOC_CHUNK_SIGNATURES);
    expect(doc.body.length).toBe(66824); // the example's Content-Length
    const { out, error } = await relay(doc.body, upload());
    expect(error).toBeUndefined();
    expect(out.length).toBe(doc.body.length);
    // Every chunk re-signed on the real key's chain, the data untouched.
    expect(out).toEqual(signedChunkBody(realSide, UPSTREAM_SEED, DOC_CHUNKS).body);
    expect(signaturesIn(out).some((s) => DOC_CHUNK_SIGNATURES.includes(s))).toBe(false);
  });

  it('gives the same result whatever the network splits the body into', async () => {
    const expected = signedChunkBody(realSide, UPSTREAM_SEED, DOC_CHUNKS).body;
    for (const piece of [1, 7, 86, 65536, 1 << 20]) expect((await relay(doc.body, upload(), piece)).out).toEqual(expected);
  });

  it('stops at a chunk whose data was changed: nothing of it or after it is sent on', async () => {
    const tampered = Buffer.from(doc.body);
    tampered[66000] = 'b'.charCodeAt(0); // inside chunk 2
    const { out, error } = await relay(tampered, upload());
    expect(error?.error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(error?.message).toMatch(/chunk 2/);
    expect(signaturesIn(out)).toHaveLength(1); // only chunk 1, which verified
    expect(out.length).toBeLessThan(65536 + 100);
  });

  it('refuses chunks replayed from another chain, reordered, or with the last chunk dropped', async () => {
    const other = signedChunkBody(docSide, '2'.repeat(64), DOC_CHUNKS).body;
    expect((await relay(other, upload())).error?.error.code).toBe('SignatureDoesNotMatch');
    const second = doc.body.indexOf('400;chunk-signature=');
    const last = doc.body.indexOf('\r\n0;chunk-signature=') + 2;
    const swapped = Buffer.concat([doc.body.subarray(second, last), doc.body.subarray(0, second), doc.body.subarray(last)]);
    expect((await relay(swapped, upload())).error?.error.code).toBe('SignatureDoesNotMatch');
    const withoutLast = doc.body.subarray(0, doc.body.indexOf('\r\n0;chunk-signature=') + 2);
    const cut = await relay(withoutLast, upload());
    expect(cut.error?.error.code).toBe('IncompleteBody');
    expect(signaturesIn(cut.out)).toHaveLength(2); // the final chunk, which completes an object, never went
  });

  it('holds the last chunk back unless the chunks add up to x-amz-decoded-content-length', async () => {
    const short = await relay(doc.body, upload({ decodedLength: 66561 }));
    expect(short.error?.message).toMatch(/66560 bytes, not the 66561/);
    expect(signaturesIn(short.out)).toHaveLength(2);
    const long = await relay(doc.body, upload({ decodedLength: 65536 }));
    expect(long.error?.message).toMatch(/more than the 65536 bytes/);
    expect(signaturesIn(long.out)).toHaveLength(1);
  });

  it('refuses malformed framing: a bad chunk header, an oversized chunk, bytes after the end, a chunk longer than declared', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.concat([Buffer.from('zz;chunk-signature=' + '0'.repeat(64) + '\r\n'), doc.body]), /chunk 1 does not start/],
      [Buffer.from(`${(MAX_CHUNK_BYTES + 1).toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`), /at most/],
    ];
    for (const [body, message] of cases) {
      const { out, error } = await relay(body, upload({ decodedLength: 1 << 30 }));
      expect(error?.error.code).toBe('IncompleteBody');
      expect(error?.message).toMatch(message);
      expect(out.length).toBe(0);
    }
    const trailing = await relay(Buffer.concat([doc.body, Buffer.from('extra')]), upload());
    expect(trailing.error?.message).toMatch(/bytes follow the last chunk/);
    expect(signaturesIn(trailing.out)).toHaveLength(2);
    // A chunk followed by more data than its size said: its CRLF is missing.
    const chunk = Buffer.alloc(10, 'x');
    const framed = signedChunkBody(docSide, DOC_SEED, [chunk]).body.toString('latin1').replace('xxxxxxxxxx', 'xxxxxxxxxxy');
    expect((await relay(Buffer.from(framed, 'latin1'), upload({ decodedLength: 10 }))).error?.message).toMatch(/longer than its declared 10 bytes/);
  });

  describe('with a trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)', () => {
    const trailer = ['x-amz-checksum-crc32c:sOO8/Q=='];
    const withTrailer = (lines = trailer) => signedChunkBody(docSide, DOC_SEED, DOC_CHUNKS, lines).body;
    const trailerUpload = () => upload({ trailerNames: ['x-amz-checksum-crc32c'] });

    it('checks the trailer signature and re-signs it on the real chain', async () => {
      const { out, error } = await relay(withTrailer(), trailerUpload());
      expect(error).toBeUndefined();
      expect(out).toEqual(signedChunkBody(realSide, UPSTREAM_SEED, DOC_CHUNKS, trailer).body);
      const finalRealSignature = signaturesIn(out)[2]!;
      expect(signaturesIn(out)[3]).toBe(trailerSignatureOf(realSide, finalRealSignature, trailer));
    });

    it('refuses a trailer changed after signing, or one x-amz-trailer did not name, and sends no final chunk', async () => {
      const changed = withTrailer().toString('latin1').replace('sOO8/Q==', 'AAAAAA==');
      const tampered = await relay(Buffer.from(changed, 'latin1'), trailerUpload());
      expect(tampered.error?.error.code).toBe('SignatureDoesNotMatch');
      expect(tampered.error?.message).toMatch(/the trailer/);
      expect(signaturesIn(tampered.out)).toHaveLength(2);
      const undeclared = await relay(withTrailer(['x-amz-meta-smuggled:1']), trailerUpload());
      expect(undeclared.error?.message).toMatch(/not one x-amz-trailer names/);
      expect(signaturesIn(undeclared.out)).toHaveLength(2);
    });

    it('refuses a body without the trailer signature', async () => {
      const plain = signedChunkBody(docSide, DOC_SEED, DOC_CHUNKS).body;
      expect((await relay(plain, trailerUpload())).error?.error.code).toBe('IncompleteBody');
    });
  });

  it('relays a buffered body the same way as a stream', async () => {
    const sent: Buffer[] = [];
    for await (const part of relaySignedChunks(doc.body, upload())) sent.push(part);
    expect(Buffer.concat(sent)).toEqual(signedChunkBody(realSide, UPSTREAM_SEED, DOC_CHUNKS).body);
  });
});
