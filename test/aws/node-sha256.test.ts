import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { describe, expect, it } from 'vitest';
import { NodeSha256, sha256Hex } from '../../src/aws/node-sha256.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const oneMiB = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
const inputs: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['abc', new TextEncoder().encode('abc')],
  ['unicode', new TextEncoder().encode('ключ ✓ 🔑')],
  ['1 MiB', oneMiB],
];

async function digestOf(hash: { update(d: Uint8Array): void; digest(): Promise<Uint8Array> }, data: Uint8Array, chunks = 1): Promise<string> {
  const size = Math.ceil(data.length / chunks) || 1;
  for (let i = 0; i < data.length; i += size) hash.update(data.subarray(i, i + size));
  return hex(await hash.digest());
}

describe('NodeSha256', () => {
  it('gives the well-known digests of "" and "abc"', async () => {
    expect(await digestOf(new NodeSha256(), inputs[0]![1])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await digestOf(new NodeSha256(), inputs[1]![1])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each(inputs)('SHA-256 of %s equals @aws-crypto/sha256-js (whole and in chunks)', async (_, data) => {
    const expected = await digestOf(new Sha256(), data);
    expect(await digestOf(new NodeSha256(), data)).toBe(expected);
    expect(await digestOf(new NodeSha256(), data, 7)).toBe(expected);
    expect(sha256Hex(data)).toBe(expected);
  });

  it.each([
    ['string key', 'AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'],
    ['Uint8Array key', new Uint8Array([1, 2, 3, 250, 251])],
    ['Uint8Array view with an offset', new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5)],
    ['ArrayBuffer key', new Uint8Array([4, 5, 6]).buffer],
  ])('HMAC with a %s equals @aws-crypto/sha256-js', async (_, key) => {
    for (const [, data] of inputs) {
      expect(await digestOf(new NodeSha256(key), data)).toBe(await digestOf(new Sha256(key), data));
    }
  });

  it('the HMAC of a view uses only the viewed bytes', async () => {
    const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
    const plain = new Uint8Array([1, 2, 3]);
    const data = new TextEncoder().encode('abc');
    expect(await digestOf(new NodeSha256(view), data)).toBe(await digestOf(new NodeSha256(plain), data));
  });

  it('digestSync returns the same bytes as digest', async () => {
    const a = new NodeSha256('k');
    const b = new NodeSha256('k');
    a.update(inputs[1]![1]);
    b.update(inputs[1]![1]);
    expect(hex(a.digestSync())).toBe(hex(await b.digest()));
  });

  it('reset starts over, keeping the HMAC key', async () => {
    const hash = new NodeSha256('secret');
    hash.update(new TextEncoder().encode('garbage'));
    hash.reset();
    hash.update(new TextEncoder().encode('abc'));
    const expected = await digestOf(new Sha256('secret'), new TextEncoder().encode('abc'));
    expect(hex(await hash.digest())).toBe(expected);
  });

  it('reset makes a digested hash usable again', async () => {
    const hash = new NodeSha256();
    hash.update(new TextEncoder().encode('abc'));
    await hash.digest();
    hash.reset();
    hash.update(new TextEncoder().encode('abc'));
    expect(hex(await hash.digest())).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});
