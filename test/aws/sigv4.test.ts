import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { deriveSigningKey, SigningKeyCache, sigv4Signature } from '../../src/aws/sigv4.js';
import { NodeSha256 } from '../../src/aws/node-sha256.js';

// AWS's SigV4 test suite, get-vanilla.
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const VANILLA = ['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'].join('\n');

describe('sigv4Signature', () => {
  it("gives AWS's test-suite signature (get-vanilla)", () => {
    expect(sigv4Signature(VANILLA, '20150830T123600Z', SECRET, 'us-east-1', 'service', new SigningKeyCache())).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('derives the signing key as @smithy/signature-v4 does', async () => {
    const smithy = new SignatureV4({ credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET }, region: 'eu-west-1', service: 's3', sha256: NodeSha256 });
    const theirs = await (smithy as unknown as { getSigningKey(c: unknown, r: string, d: string, s: string): Promise<Uint8Array> }).getSigningKey({ accessKeyId: 'AKID', secretAccessKey: SECRET }, 'eu-west-1', '20260102', 's3');
    expect(Buffer.from(theirs).equals(deriveSigningKey(SECRET, '20260102', 'eu-west-1', 's3'))).toBe(true);
  });

  it('a cached key gives the same signature as a fresh derivation, and another secret, day, region or service another one', () => {
    const cache = new SigningKeyCache();
    const first = sigv4Signature(VANILLA, '20150830T123600Z', SECRET, 'us-east-1', 'service', cache);
    expect(sigv4Signature(VANILLA, '20150830T123600Z', SECRET, 'us-east-1', 'service', cache)).toBe(first);
    expect(cache.size).toBe(1);
    const others = [
      sigv4Signature(VANILLA, '20150830T123600Z', `${SECRET}x`, 'us-east-1', 'service', cache),
      sigv4Signature(VANILLA, '20150831T123600Z', SECRET, 'us-east-1', 'service', cache),
      sigv4Signature(VANILLA, '20150830T123600Z', SECRET, 'us-east-2', 'service', cache),
      sigv4Signature(VANILLA, '20150830T123600Z', SECRET, 'us-east-1', 'other', cache),
    ];
    expect(new Set([first, ...others]).size).toBe(5);
    expect(cache.size).toBe(5);
  });
});

describe('SigningKeyCache', () => {
  it('holds at most max keys, the least recently used out first', () => {
    const cache = new SigningKeyCache(3);
    const get = (secret: string) => cache.get(secret, '20260102', 'us-east-1', 'sts');
    get('a');
    get('b');
    get('c');
    get('a'); // a is now the most recent: b goes next
    get('d');
    expect(cache.size).toBe(3);
    expect(cache.has('b', '20260102', 'us-east-1', 'sts')).toBe(false);
    for (const kept of ['a', 'c', 'd']) expect(cache.has(kept, '20260102', 'us-east-1', 'sts')).toBe(true);
    for (let i = 0; i < 100; i++) get(`secret-${i}`);
    expect(cache.size).toBe(3);
  });

  it('does not confuse parts that would run into each other', () => {
    const cache = new SigningKeyCache();
    const one = cache.get('secret', '20260102', 'us-east-1', 'sts');
    const other = cache.get('secret', '20260102', 'us-east-1s', 'ts');
    expect(one.equals(other)).toBe(false);
    expect(one.equals(deriveSigningKey('secret', '20260102', 'us-east-1', 'sts'))).toBe(true);
  });
});
