import { cbor } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import { parseCbor } from '../../../src/aws/wire/cbor.js';

/** Bytes from hex written with spaces between items. */
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const value = (text: string) => {
  const result = parseCbor(hex(text));
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.value;
};
const error = (bytes: string | Uint8Array) => {
  const result = parseCbor(typeof bytes === 'string' ? hex(bytes) : bytes);
  return result.ok ? undefined : result.error;
};
/** `n` bytes as a definite-length CBOR head of major type `major`, 4-byte argument. */
const head32 = (major: number, n: number) => Buffer.from([(major << 5) | 26, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

describe('parseCbor: valid input passes to the codec unchanged', () => {
  it('an empty body is an empty object', () => {
    expect(parseCbor(new Uint8Array(0))).toStrictEqual({ ok: true, value: {} });
  });

  it('reads what the SDK serializes', () => {
    const input = { Namespace: 'App', MetricData: [{ MetricName: 'Latency', Value: 1.5, Dimensions: [{ Name: 'a', Value: 'b' }] }], Count: 3, On: true, Off: null };
    const result = parseCbor(cbor.serialize(input));
    expect(result).toStrictEqual({ ok: true, value: input });
  });

  it('reads a serialized map of 30 keys (the codec reads maps of 25 or more another way)', () => {
    const input = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(parseCbor(cbor.serialize(input))).toStrictEqual({ ok: true, value: input });
  });

  it('keeps a key named constructor or toString as a plain key', () => {
    const read = value('a2 6b 636f6e7374727563746f72 01 68 746f537472696e67 02') as Record<string, unknown>;
    expect(Object.entries(read)).toStrictEqual([
      ['constructor', 1],
      ['toString', 2],
    ]);
  });

  it('the same key in two different maps is no duplicate', () => {
    expect(value('a2 6161 a1 6161 01 6162 a1 6161 02')).toStrictEqual({ a: { a: 1 }, b: { a: 2 } });
  });

  it('reads indefinite-length maps, arrays and text strings', () => {
    expect(value('bf 6161 9f 01 02 ff 6162 7f 6178 6179 ff ff')).toStrictEqual({ a: [1, 2], b: 'xy' });
  });

  it('reads an indefinite-length byte string', () => {
    expect(Buffer.from(value('5f 4161 4162 ff') as Uint8Array).toString()).toBe('ab');
  });

  it('reads integers and lengths in non-shortest form', () => {
    expect(value('a1 78 01 61 19 0001')).toStrictEqual({ a: 1 });
  });

  it('reads false, true, null, undefined (as null) and half, single and double floats', () => {
    expect(value('87 f4 f5 f6 f7 f9 3c00 fa 3fc00000 fb 3ff8000000000000')).toStrictEqual([false, true, null, null, 1, 1.5, 1.5]);
  });

  it('reads a tagged item (tag 1, an epoch timestamp) as the codec tags it', () => {
    expect(value('c1 1a 5f000000')).toMatchObject({ tag: 1, value: 0x5f000000 });
    expect(value('d8 63 6161')).toMatchObject({ tag: 99, value: 'a' });
  });

  it('reads a bignum of up to 64 bytes', () => {
    expect(value('c2 42 0100')).toBe(256n);
    expect(value('c3 41 00')).toBe(-1n);
    expect(parseCbor(Buffer.concat([hex('c2 58 40'), Buffer.alloc(64, 1)])).ok).toBe(true);
  });

  it('reads a decimal fraction (RFC 8949: 4([-2, 27315]) is 273.15)', () => {
    expect(String(value('c4 82 21 19 6ab3'))).toBe('273.15');
  });

  it('keeps a leading byte-order mark in a key, also for bytes that are no Buffer', () => {
    // The codec's TextDecoder path would read "\uFEFFa" as "a", which the check would not see as a duplicate.
    const bytes = new Uint8Array(hex('a2 64 efbbbf61 01 6161 02'));
    const result = parseCbor(bytes);
    expect(result.ok && Object.keys(result.value as object)).toStrictEqual(['\uFEFFa', 'a']);
  });

  it('reads arrays nested 128 deep', () => {
    expect(parseCbor(Buffer.concat([Buffer.alloc(128, 0x81), hex('00')])).ok).toBe(true);
  });
});

describe('parseCbor: a map with two equal keys is refused', () => {
  it('at the top level (the codec would keep the last)', () => {
    expect(cbor.deserialize(hex('a2 6161 01 6161 02'))).toStrictEqual({ a: 2 });
    expect(error('a2 6161 01 6161 02')).toBe('the key "a" appears twice in one CBOR map');
  });

  it('nested in a map, in an array of maps, and inside a tag', () => {
    expect(error('a1 6178 a2 6161 01 6161 02')).toBe('the key "a" appears twice in one CBOR map');
    expect(error('82 a1 6161 01 a2 6162 01 6162 02')).toBe('the key "b" appears twice in one CBOR map');
    expect(error('d8 63 a2 6161 01 6161 02')).toBe('the key "a" appears twice in one CBOR map');
  });

  it('in an indefinite-length map', () => {
    expect(error('bf 6161 01 6161 02 ff')).toBe('the key "a" appears twice in one CBOR map');
  });

  it('when one key is written with a longer length than needed', () => {
    expect(error('a2 6161 01 7801 61 02')).toBe('the key "a" appears twice in one CBOR map');
  });

  it('in a map of 30 keys (the codec reads it another way)', () => {
    const entries = Buffer.concat(Array.from({ length: 29 }, (_, i) => Buffer.concat([Buffer.from([0x63]), Buffer.from(`k${String(i).padStart(2, '0')}`), Buffer.from([0x01])])));
    expect(error(Buffer.concat([hex('b8 1e'), entries, hex('63 6b3030 02')]))).toBe('the key "k00" appears twice in one CBOR map');
  });

  it('with a key that is a TableName (the same name the JSON check guards)', () => {
    expect(error('a2 69 5461626c654e616d65 6161 69 5461626c654e616d65 6162')).toBe('the key "TableName" appears twice in one CBOR map');
  });
});

describe('parseCbor: keys the codec reads otherwise than a strict decoder are refused', () => {
  it('an integer key (the codec reads its argument as a text length and shifts)', () => {
    expect(error('a1 01 6161')).toBe('not valid CBOR (a map key at byte 1 that is not a definite-length text string)');
  });

  it('a byte-string key (the codec reads it as the text h\'61\' spells)', () => {
    expect(cbor.deserialize(hex('a1 41 61 01'))).toStrictEqual({ a: 1 });
    expect(error('a1 41 61 01')).toBe('not valid CBOR (a map key at byte 1 that is not a definite-length text string)');
  });

  it('an indefinite-length text key, and a map or array key', () => {
    expect(error('a1 7f 6161 ff 01')).toMatch(/^not valid CBOR \(a map key at byte 1/);
    expect(error('a1 a0 01')).toMatch(/^not valid CBOR \(a map key at byte 1/);
    expect(error('a1 80 01')).toMatch(/^not valid CBOR \(a map key at byte 1/);
  });

  it('a __proto__ key (the codec would set the object\'s prototype, dropping the key)', () => {
    const bytes = 'a1 69 5f5f70726f746f5f5f a1 6161 01';
    expect(Object.keys(cbor.deserialize(hex(bytes)) as object)).toStrictEqual([]);
    expect(error(bytes)).toBe('a CBOR map key "__proto__", which the decoder would make the object\'s prototype');
    expect(error('a1 6154 a1 69 5f5f70726f746f5f5f 6178')).toBe('a CBOR map key "__proto__", which the decoder would make the object\'s prototype');
  });

  it('text that is not UTF-8 (the codec would replace it, so two keys could read alike)', () => {
    expect(error('a2 61ff 01 61fe 02')).toBe('not valid CBOR (a text string at byte 1 that is not UTF-8)');
    expect(error('a1 6161 61ff')).toBe('not valid CBOR (a text string at byte 3 that is not UTF-8)');
    // An overlong encoding of "a".
    expect(error('a2 6161 01 62c1a1 02')).toBe('not valid CBOR (a text string at byte 4 that is not UTF-8)');
    // A UTF-8 sequence split across the chunks of an indefinite-length string.
    expect(error('7f 61c3 61a9 ff')).toBe('not valid CBOR (a text string at byte 1 that is not UTF-8)');
  });
});

describe('parseCbor: malformed and truncated input is refused', () => {
  it('bytes after the first item (the codec ignores them)', () => {
    expect(cbor.deserialize(hex('a1 6161 01 a1 6162 02'))).toStrictEqual({ a: 1 });
    expect(error('a1 6161 01 a1 6162 02')).toBe('not valid CBOR (4 bytes after its item)');
    expect(error('01 00')).toBe('not valid CBOR (1 bytes after its item)');
  });

  it('a map missing a value, or with fewer entries than it counts', () => {
    expect(error('a1 6161')).toBe('not valid CBOR (it ends before its last item)');
    expect(error('a2 6161 01')).toBe('not valid CBOR (the item at byte 0 is longer than the 3 bytes after it)');
    expect(error('a3 6161 01 6162 02')).toBe('not valid CBOR (it ends before its last item)');
    expect(error('a4 6161 01 6162 02')).toBe('not valid CBOR (the item at byte 0 is longer than the 6 bytes after it)');
  });

  it('a string shorter than its length, a head missing its argument bytes', () => {
    expect(error('63 6161')).toBe('not valid CBOR (the item at byte 0 is longer than the 2 bytes after it)');
    expect(error('19 01')).toBe('not valid CBOR (it ends before its last item)');
    expect(error('fb 3ff8')).toBe('not valid CBOR (it ends before its last item)');
  });

  it('counts and lengths beyond the body, up to 2^64, without allocating them', () => {
    expect(error('9b ffffffffffffffff 00')).toBe('not valid CBOR (the item at byte 0 is longer than the 1 bytes after it)');
    expect(error('5b ffffffffffffffff')).toBe('not valid CBOR (the item at byte 0 is longer than the 0 bytes after it)');
    expect(error('ba 80000000 6161 01')).toMatch(/^not valid CBOR \(the item at byte 0 is longer/);
  });

  it('indefinite-length items without their break', () => {
    expect(error('9f 01 02')).toBe('not valid CBOR (it ends before the break of an indefinite-length item)');
    expect(error('bf 6161 01')).toBe('not valid CBOR (it ends before the break of an indefinite-length item)');
    expect(error('7f 6161')).toBe('not valid CBOR (it ends before the break of an indefinite-length item)');
  });

  it('a break where an item belongs', () => {
    expect(error('ff')).toBe('not valid CBOR (a break at byte 0 outside an indefinite-length item)');
    expect(error('81 ff')).toBe('not valid CBOR (a break at byte 1 outside an indefinite-length item)');
    expect(error('bf 6161 ff')).toBe('not valid CBOR (a break at byte 3 outside an indefinite-length item)');
  });

  it('the reserved additional information 28–30, on any major type', () => {
    expect(error('1c')).toBe('not valid CBOR (the reserved additional information 28 at byte 0)');
    expect(error('5d')).toBe('not valid CBOR (the reserved additional information 29 at byte 0)');
    expect(error('81 fe')).toBe('not valid CBOR (the reserved additional information 30 at byte 1)');
  });

  it('an indefinite length on an integer or a tag', () => {
    expect(error('1f')).toBe('not valid CBOR (an indefinite length at byte 0 on a type that has none)');
    expect(error('3f')).toBe('not valid CBOR (an indefinite length at byte 0 on a type that has none)');
    expect(error('df 01')).toBe('not valid CBOR (an indefinite length at byte 0 on a type that has none)');
  });

  it('a chunk of an indefinite-length string of another type, or itself indefinite', () => {
    expect(error('7f 4161 ff')).toBe('not valid CBOR (a chunk at byte 1 that is not a definite-length string of its string\'s type)');
    expect(error('5f 6161 ff')).toBe('not valid CBOR (a chunk at byte 1 that is not a definite-length string of its string\'s type)');
    expect(error('7f 7f ff ff')).toBe('not valid CBOR (a chunk at byte 1 that is not a definite-length string of its string\'s type)');
  });

  it('simple values other than false, true, null and undefined', () => {
    expect(error('f0')).toBe('not valid CBOR (the simple value at byte 0, which rpc-v2-cbor does not use)');
    expect(error('f8 20')).toBe('not valid CBOR (the simple value at byte 0, which rpc-v2-cbor does not use)');
  });

  it('nesting deeper than 128 levels, and a million levels without exhausting the stack', () => {
    expect(error(Buffer.concat([Buffer.alloc(129, 0x81), hex('00')]))).toBe('not valid CBOR (nested deeper than 128 levels)');
    expect(error(Buffer.concat([Buffer.alloc(1_000_000, 0x81), hex('00')]))).toBe('not valid CBOR (nested deeper than 128 levels)');
  });

  it('tags nest like containers', () => {
    expect(error(Buffer.concat([Buffer.alloc(129, 0xc6), hex('00')]))).toBe('not valid CBOR (nested deeper than 128 levels)');
  });
});

describe('parseCbor: tags the codec reads unsafely are bounded', () => {
  it('a bignum that is not a byte string (the codec reads its head as a length and desynchronises)', () => {
    expect(error('c2 01')).toBe('not valid CBOR (a bignum at byte 1 that is not a byte string of at most 64 bytes)');
    expect(error('c2 a1 6161 01')).toBe('not valid CBOR (a bignum at byte 1 that is not a byte string of at most 64 bytes)');
    expect(error('d8 02 6161')).toBe('not valid CBOR (a bignum at byte 2 that is not a byte string of at most 64 bytes)');
  });

  it('a bignum over 64 bytes (the codec takes quadratic time)', () => {
    expect(error(Buffer.concat([hex('c2'), head32(2, 65), Buffer.alloc(65, 1)]))).toBe('not valid CBOR (a bignum at byte 1 that is not a byte string of at most 64 bytes)');
    expect(error(Buffer.concat([hex('c3'), head32(2, 1_000_000), Buffer.alloc(1_000_000, 0xff)]))).toMatch(/^not valid CBOR \(a bignum/);
  });

  it('a decimal fraction whose exponent the codec would write out as millions of zeros', () => {
    const started = Date.now();
    expect(error('c4 82 3a 0fffffff 01')).toBe('not valid CBOR (a decimal fraction at byte 1 that is not [exponent within ±1000, mantissa])');
    expect(error('c4 82 1a 0fffffff 01')).toBe('not valid CBOR (a decimal fraction at byte 1 that is not [exponent within ±1000, mantissa])');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('a decimal fraction that is not [integer, mantissa]', () => {
    const refused = 'not valid CBOR (a decimal fraction at byte 1 that is not [exponent within ±1000, mantissa])';
    expect(error('c4 01')).toBe(refused);
    expect(error('c4 83 01 01 01')).toBe(refused);
    expect(error('c4 9f 01 01 ff')).toBe(refused);
    expect(error('c4 82 fa 4e800000 01')).toBe(refused);
    expect(error('c4 82 19 03e9 01')).toBe(refused);
    expect(error('c4 82 39 03e7 01')).toBeUndefined();
  });

  it('a decimal fraction\'s mantissa is walked like any item', () => {
    expect(error('c4 82 21 a2 6161 01 6161 02')).toBe('the key "a" appears twice in one CBOR map');
  });
});
