import { isUtf8 } from 'node:buffer';
import { cbor } from '@smithy/core/cbor';
import { parsed, unreadable, type Parsed } from './parsed.js';

/**
 * An rpc-v2-cbor body, decoded by the AWS SDK's own CBOR codec once `cborProblem` has found
 * nothing in it that the codec reads otherwise than a strict decoder (a service's) would.
 */
export function parseCbor(body: Uint8Array): Parsed<unknown> {
  if (body.length === 0) return parsed({});
  // A Buffer, so that the codec decodes text as the check does: for other byte arrays it uses a
  // TextDecoder, which drops a leading byte-order mark ("\uFEFFa" would be read as "a").
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const problem = cborProblem(bytes);
  if (problem !== undefined) return unreadable(problem);
  try {
    return parsed(cbor.deserialize(bytes));
  } catch (error) {
    return unreadable(`not valid CBOR (${(error as Error).message})`);
  }
}

/** Nesting deeper than this is refused (the codec recurses; the shape reader stops at 64). */
const MAX_DEPTH = 128;
/** Bignums (tags 2, 3): 512 bits, far above any AWS bigInteger, far below the codec's quadratic cost. */
const MAX_BIGNUM_BYTES = 64;
/** Decimal fractions (tag 4): the codec writes |exponent| zeros. */
const MAX_DECIMAL_EXPONENT = 1000;
const BREAK = 0xff;
const INDEFINITE = 31;

class Refused extends Error {}
const malformed = (why: string) => new Refused(`not valid CBOR (${why})`);

/**
 * Why a structural walk before the codec, and why written here: the SDK's codec (like most CBOR
 * decoders) keeps the last of two equal map keys, reads any map key's bytes as text (a key `1`
 * or h'61' shifts or aliases what follows), ignores bytes after the first item, lets a
 * `__proto__` key set the decoded object's prototype, replaces invalid UTF-8, reads a bignum
 * without bounds checks and in quadratic time, and expands a decimal fraction's exponent into
 * that many digits. No decoder that reports these is a dependency, and none would be the codec
 * the proxy reads with. RFC 8949 makes the walk small: every item is a head byte (major type
 * 0–7, additional information) with its argument, then its content; each byte is read once
 * and nesting is bounded, so the cost is linear in the body.
 *
 * Returns why the body is refused, or undefined when the codec may read it.
 */
function cborProblem(bytes: Buffer): string | undefined {
  const walk = new Walk(bytes);
  try {
    walk.item(0);
    if (walk.position !== bytes.length) throw malformed(`${bytes.length - walk.position} bytes after its item`);
    return undefined;
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    return error.message;
  }
}

/** A cursor over the items; `head()` reads one item's head into `major`, `info`, `argument` and `at`. */
class Walk {
  position = 0;
  major = 0;
  /** The additional information: < 24 the argument itself, 24–27 its size, 31 indefinite length. */
  info = 0;
  /** The count, length, tag number or value (approximate above 2^53, where it only has to be "too large"). */
  argument = 0;
  /** Where the head starts, for messages. */
  at = 0;

  constructor(private readonly bytes: Buffer) {}

  item(depth: number): void {
    if (depth > MAX_DEPTH) throw malformed(`nested deeper than ${MAX_DEPTH} levels`);
    this.head();
    const { major, info, argument, at } = this;
    switch (major) {
      case 0:
      case 1:
        return;
      case 2:
      case 3:
        if (info !== INDEFINITE) return void this.string();
        // Indefinite length: definite-length chunks of the same major type, then a break.
        while (!this.atBreak()) {
          this.head();
          if (this.major !== major || this.info === INDEFINITE) throw malformed(`a chunk at byte ${this.at} that is not a definite-length string of its string's type`);
          this.string();
        }
        return;
      case 4:
        if (info === INDEFINITE) {
          while (!this.atBreak()) this.item(depth + 1);
        } else {
          this.fits(argument, at);
          for (let i = 0; i < argument; i++) this.item(depth + 1);
        }
        return;
      case 5:
        return this.map(depth);
      case 6:
        if (argument === 2 || argument === 3) return this.bignum();
        if (argument === 4) return this.decimalFraction(depth + 1);
        return this.item(depth + 1);
      default:
        if (info === INDEFINITE) throw malformed(`a break at byte ${at} outside an indefinite-length item`);
        // 20–23: false, true, null, undefined; 25–27: floats. Other simple values are no Smithy type.
        if (info < 20 || info === 24) throw malformed(`the simple value at byte ${at}, which rpc-v2-cbor does not use`);
    }
  }

  /** A map whose head was just read: each key once, each a definite-length text string. */
  private map(depth: number): void {
    const keys = new Set<string>();
    const indefinite = this.info === INDEFINITE;
    const count = this.argument;
    if (!indefinite) this.fits(count * 2, this.at);
    for (let i = 0; indefinite ? !this.atBreak() : i < count; i++) {
      this.head();
      // The codec reads any key's bytes as text: 1 or h'61' would shift or alias what follows.
      if (this.major !== 3 || this.info === INDEFINITE) throw malformed(`a map key at byte ${this.at} that is not a definite-length text string`);
      const key = this.string(true)!;
      if (keys.has(key)) throw new Refused(`the key "${key.slice(0, 40)}" appears twice in one CBOR map`);
      // The codec assigns keys to a plain object: this one would set its prototype instead.
      if (key === '__proto__') throw new Refused('a CBOR map key "__proto__", which the decoder would make the object\'s prototype');
      keys.add(key);
      this.item(depth + 1);
    }
  }

  /** Tags 2 and 3 hold a byte string, which the codec reads as one whatever comes. */
  private bignum(): void {
    this.head();
    if (this.major !== 2 || this.info === INDEFINITE || this.argument > MAX_BIGNUM_BYTES) throw malformed(`a bignum at byte ${this.at} that is not a byte string of at most ${MAX_BIGNUM_BYTES} bytes`);
    this.string();
  }

  /** Tag 4 holds [exponent, mantissa]; the exponent an integer, bounded. */
  private decimalFraction(depth: number): void {
    this.head();
    const at = this.at;
    const pair = this.major === 4 && this.info !== INDEFINITE && this.argument === 2;
    if (pair) this.head();
    if (!pair || this.major > 1 || this.info === INDEFINITE || this.argument > MAX_DECIMAL_EXPONENT) {
      throw malformed(`a decimal fraction at byte ${at} that is not [exponent within ±${MAX_DECIMAL_EXPONENT}, mantissa]`);
    }
    this.item(depth + 1);
  }

  /** Skips the definite-length string whose head was just read; text must be UTF-8 (the codec would replace what is not). */
  private string(asText = false): string | undefined {
    this.fits(this.argument, this.at);
    const start = this.position;
    const end = (this.position += this.argument);
    if (this.major === 3 && !isUtf8(this.bytes.subarray(start, end))) throw malformed(`a text string at byte ${this.at} that is not UTF-8`);
    // Buffer's decoding, as the codec's on a Buffer: a leading byte-order mark is kept.
    return asText ? this.bytes.toString('utf8', start, end) : undefined;
  }

  private head(): void {
    const at = (this.at = this.position);
    if (at >= this.bytes.length) throw malformed('it ends before its last item');
    const initial = this.bytes[this.position++]!;
    this.major = initial >> 5;
    this.info = initial & 0x1f;
    if (this.info < 24) {
      this.argument = this.info;
    } else if (this.info === INDEFINITE) {
      if (this.major === 0 || this.major === 1 || this.major === 6) throw malformed(`an indefinite length at byte ${at} on a type that has none`);
      this.argument = 0;
    } else if (this.info > 27) {
      throw malformed(`the reserved additional information ${this.info} at byte ${at}`);
    } else {
      const size = 2 ** (this.info - 24);
      if (this.position + size > this.bytes.length) throw malformed('it ends before its last item');
      let argument = 0;
      for (let i = 0; i < size; i++) argument = argument * 256 + this.bytes[this.position++]!;
      this.argument = argument;
    }
  }

  /** A break ends the indefinite-length item being walked. */
  private atBreak(): boolean {
    if (this.position >= this.bytes.length) throw malformed('it ends before the break of an indefinite-length item');
    if (this.bytes[this.position] !== BREAK) return false;
    this.position++;
    return true;
  }

  /** Every item takes at least a byte: a length or count larger than what is left cannot be true. */
  private fits(size: number, at: number): void {
    if (size > this.bytes.length - this.position) throw malformed(`the item at byte ${at} is longer than the ${this.bytes.length - this.position} bytes after it`);
  }
}
