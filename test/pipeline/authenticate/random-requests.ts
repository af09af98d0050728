/**
 * Random AWS requests for the cross-check between the proxy's SigV4 code and aws4: what a client
 * might put on the wire (paths and queries percent-encoded in every legal way, odd header case and
 * whitespace, repeated headers and parameters), from a seeded PRNG so a failure can be replayed.
 */

export interface RequestSpec {
  method: string;
  host: string;
  service: string;
  region: string;
  /** Path as it goes on the wire. */
  path: string;
  /** Query as handed to the signer (which may re-serialise it). */
  query: string;
  /** Header values; an array is one header sent several times. */
  headers: Record<string, string | string[]>;
  /** Headers aws4 leaves unsigned unless told (user-agent, range) that are to be signed. */
  alsoSign: string[];
  body: string;
  date: Date;
  presigned: boolean;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNRESERVED = 'aZ09-._~';
/** Legal unencoded in a path segment (RFC 3986 sub-delims, `:` and `@`). */
const PATH_SAFE = "!$&'()*+,;=:@";
/** Must be encoded anywhere. */
const OTHERS = [' ', '%', '"', '<', '>', '[', ']', '{', '}', '|', '\\', '^', '`', '?', '#', '/', 'é', '✓', '日本', '😀'];
const WORDS = ['a', 'Key', 'photos', 'my file', 'x+y', 'a=b', '~user', '100%', 'dir', 'caf\u00e9', 'k.txt'];

const SERVICES: Array<{ service: string; host: (region: string) => string }> = [
  { service: 's3', host: (region) => `bucket-1.s3.${region}.amazonaws.com` },
  { service: 's3', host: (region) => `s3.${region}.amazonaws.com` },
  { service: 'sqs', host: (region) => `sqs.${region}.amazonaws.com` },
  { service: 'execute-api', host: (region) => `abcde12345.execute-api.${region}.amazonaws.com` },
  { service: 'lambda', host: (region) => `lambda.${region}.amazonaws.com` },
  { service: 'dynamodb', host: (region) => `dynamodb.${region}.amazonaws.com` },
];
const REGIONS = ['us-east-1', 'eu-west-3', 'ap-southeast-2'];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'];
/** Header names; those after REPEATABLE are ones Node keeps only the first of, so never repeated. */
const HEADERS = ['X-Amz-Meta-Color', 'x-amz-meta-owner', 'X-Custom-Header', 'Cache-Control', 'If-Match', 'Accept', 'X-Amz-Storage-Class', 'Content-Type', 'Date', 'Range', 'User-Agent'];
const REPEATABLE = 6;
const QUERY_KEYS = ['prefix', 'max-keys', 'Action', 'list-type', 'versionId', 'x-amz-signature', 'marker', ''];

export class Generator {
  constructor(private readonly next: () => number) {}

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  request(): RequestSpec {
    const { service, host } = this.pick(SERVICES);
    const region = this.pick(REGIONS);
    const method = this.pick(METHODS);
    const body = ['GET', 'HEAD', 'DELETE'].includes(method) && this.chance(0.8) ? '' : this.text(this.int(40));
    const presigned = this.chance(0.1);
    const headers: Record<string, string | string[]> = {};
    for (let n = this.int(5); n > 0; n--) {
      const index = this.int(HEADERS.length);
      // Named as listed: aws4 looks for its own Content-Type, X-Amz-Date… in that case (the wire gets odd case).
      const name = HEADERS[index]!;
      if (headers[name] !== undefined) continue;
      // Node trims each line it receives, so repeated values are sent without surrounding whitespace.
      headers[name] = index < REPEATABLE && this.chance(0.3) ? [this.headerValue(), this.headerValue(), this.headerValue()].map((v) => v.trim()) : this.padded(this.headerValue());
    }
    if (service === 's3' && !presigned && this.chance(0.2)) headers['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
    const alsoSign = ['user-agent', 'range'].filter(() => this.chance(0.5));
    // Some requests encode as the AWS SDKs do; the others in any way a path may legally be written.
    const path = this.path(this.chance(0.4));
    const date = new Date(Date.UTC(2020 + this.int(10), this.int(12), 1 + this.int(28), this.int(24), this.int(60), this.int(60)));
    return { method, host: host(region), service, region, path, query: this.query(), headers, alsoSign, body, date, presigned };
  }

  /**
   * A wire path: segments of every kind of character, and empty, `.` and `..` segments. `asSdks`:
   * unreserved characters as they are, every other one %XX in upper case; otherwise any character
   * legal in a path may go unencoded, and any may be encoded, in either case of hex.
   */
  path(asSdks: boolean): string {
    const segments: string[] = [];
    for (let n = this.int(6); n > 0; n--) {
      const kind = this.int(10);
      segments.push(kind === 0 ? '' : kind === 1 ? '.' : kind === 2 ? '..' : this.segment(asSdks));
    }
    return `/${segments.join('/')}${this.chance(0.2) ? '/' : ''}`;
  }

  private segment(asSdks: boolean): string {
    let out = '';
    for (let n = 1 + this.int(8); n > 0; n--) {
      const pool = this.int(4);
      const char = pool === 0 ? this.pick([...UNRESERVED]) : pool === 1 ? this.pick([...PATH_SAFE]) : pool === 2 ? this.pick(OTHERS) : this.pick(WORDS);
      for (const c of char) {
        if (asSdks) out += /[A-Za-z0-9\-._~]/.test(c) ? c : this.encoded(c).toUpperCase();
        else out += /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(c) && this.chance(0.8) ? c : this.encoded(c);
      }
    }
    return out;
  }

  /** A query: repeated keys, empty values, keys without `=`, and every kind of character. */
  query(): string {
    const pairs: string[] = [];
    for (let n = this.int(5); n > 0; n--) {
      const key = this.chance(0.7) ? this.pick(QUERY_KEYS) : this.queryText();
      pairs.push(this.chance(0.2) ? key : `${key}=${this.chance(0.2) ? '' : this.queryText()}`);
      if (this.chance(0.2)) pairs.push(`${key}=${this.queryText()}`);
    }
    return pairs.join('&');
  }

  private queryText(): string {
    let out = '';
    for (let n = 1 + this.int(6); n > 0; n--) {
      const char = this.pick([...UNRESERVED, ...PATH_SAFE, ...OTHERS, ...WORDS]);
      out += [...char].map((c) => (/[A-Za-z0-9\-._~!$'()*,;:@/?]/.test(c) && this.chance(0.7) ? c : this.encoded(c))).join('');
    }
    return out;
  }

  /** Percent-encoded UTF-8, in upper- or lower-case hex. */
  private encoded(char: string): string {
    const hex = [...Buffer.from(char)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    return this.chance(0.5) ? hex.toUpperCase() : hex;
  }

  private text(length: number): string {
    return Array.from({ length }, () => this.pick([...UNRESERVED, ...PATH_SAFE, ...OTHERS])).join('');
  }

  /** Printable ASCII words separated by runs of spaces and tabs. */
  private headerValue(): string {
    const words = Array.from({ length: 1 + this.int(4) }, () => Array.from({ length: 1 + this.int(6) }, () => String.fromCharCode(0x21 + this.int(94))).join(''));
    return words.join(this.pick([' ', '  ', '\t', ' \t ']));
  }

  private padded(value: string): string {
    return `${this.pick(['', ' ', '\t', '  '])}${value}${this.pick(['', ' ', '\t '])}`;
  }

  oddCase(name: string): string {
    return [...name].map((c) => (this.chance(0.3) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
  }
}
