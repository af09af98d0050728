/**
 * Hand-made TLS ClientHellos, for SNI values Node's TLS client will not send (IP literals, over 255
 * bytes, NUL and non-ASCII bytes) and server_name extensions that do not parse.
 */
import type { Rng } from './hostile-wire.js';

export type SniShape = { kind: 'name'; name: string } | { kind: 'bytes'; name: Buffer } | { kind: 'malformed'; variant: number };

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(data.length), data]);
}

/** The server_name extension's data: a list of one host_name entry, or a broken list. */
function serverName(rng: Rng, shape: SniShape): Buffer {
  if (shape.kind !== 'malformed') {
    const name = shape.kind === 'name' ? Buffer.from(shape.name, 'latin1') : shape.name;
    const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
    return Buffer.concat([u16(entry.length), entry]);
  }
  const name = Buffer.from('sts.amazonaws.com');
  const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
  switch (shape.variant) {
    case 0: return Buffer.concat([u16(entry.length + 10), entry]); // list longer than its data
    case 1: return Buffer.concat([u16(entry.length - 5), entry]); // shorter
    case 2: return Buffer.concat([u16(entry.length), Buffer.from([7]), entry.subarray(1)]); // unknown name type
    case 3: return Buffer.concat([u16(entry.length * 2), entry, entry]); // two host names
    case 4: return u16(0); // empty list
    default: return rng.bytes(rng.range(0, 40)); // noise
  }
}

/** A TLS 1.2 ClientHello (ECDHE-RSA-AES-GCM, offering http/1.1), in records of at most 16 KiB. */
export function clientHello(rng: Rng, sni: SniShape): Buffer {
  const extensions = Buffer.concat([
    extension(0x0000, serverName(rng, sni)),
    extension(0x000a, Buffer.from([0x00, 0x04, 0x00, 0x1d, 0x00, 0x17])), // x25519, P-256
    extension(0x000b, Buffer.from([0x01, 0x00])),
    extension(0x000d, Buffer.from([0x00, 0x06, 0x04, 0x01, 0x08, 0x04, 0x04, 0x03])),
    extension(0x0010, Buffer.from([0x00, 0x09, 0x08, ...Buffer.from('http/1.1')])),
  ]);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    rng.bytes(32),
    Buffer.from([0x00]),
    u16(6), Buffer.from([0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c]),
    Buffer.from([0x01, 0x00]),
    u16(extensions.length), extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01]), u24(body.length), body]);
  const records: Buffer[] = [];
  for (let at = 0; at < handshake.length; at += 16_384) {
    const fragment = handshake.subarray(at, at + 16_384);
    records.push(Buffer.from([0x16, 0x03, 0x01]), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}
