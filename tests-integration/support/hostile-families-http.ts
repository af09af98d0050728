/**
 * Hostile HTTP inside a good TLS tunnel to sts.amazonaws.com: oversized and repeated headers,
 * request smuggling, broken chunked and Content-Length framing, slowloris.
 */
import aws4 from 'aws4';
import { show, control, FORM, forgedKeys, GCI_BODY, gci, header, sign, STS, wire, withHeaders, type CaseDraft, type GenerationContext, type Signed } from './hostile-wire.js';

const TUNNEL = { kind: 'tls', host: STS, servername: STS } as const;

function tlsCase(name: string, bytes: Buffer | Buffer[], expect: 'forward' | 'refuse', extra: Partial<CaseDraft> = {}): CaseDraft {
  return { name, via: TUNNEL, chunks: Array.isArray(bytes) ? bytes : [bytes], expect, ...extra };
}

/** A GetCallerIdentity signed with repeated header lines, as AWS reads repeats (one name's values joined by ','). */
function withRepeats(ctx: GenerationContext, lines: Array<[string, string]>): Signed {
  return sign({ host: STS, service: 'sts', headers: { 'content-type': FORM }, headerLines: lines, body: GCI_BODY, keys: ctx.keys, date: ctx.now });
}

const amzDate = (ctx: GenerationContext, offsetMs = 0) => new Date(ctx.now.getTime() + offsetMs).toISOString().replace(/[:-]|\.\d{3}/g, '');

export function headerCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 50 === 49) return control(ctx);
  const valid = () => gci(ctx.keys, ctx.now);
  const add = (request: Signed, lines: Array<[string, string]>, first = false) => withHeaders(request, (h) => (first ? [...lines, ...h] : [...h, ...lines]));
  const variants: Array<() => CaseDraft> = [
    // Unsigned extra headers within Node's 16 KiB: still the call that was signed.
    () => tlsCase('a 14 KiB unsigned header', wire(add(valid(), [['X-Pad', 'p'.repeat(14_000)]])), 'forward'),
    () => tlsCase('a 64 KiB header', wire(add(valid(), [['X-Pad', 'p'.repeat(rng.pick([17_000, 65_536]))]])), 'refuse'),
    () => tlsCase('10,000 headers', wire(add(valid(), Array.from({ length: 10_000 }, (_, n) => [`X-H${n}`, 'v'] as [string, string]))), 'refuse'),
    // Node reads at most 2,000 header lines: the signed ones after 2,500 others are never seen.
    () => tlsCase('2,500 headers before the signed ones', wire(add(valid(), Array.from({ length: 2_500 }, () => ['a', 'b'] as [string, string]), true)), 'refuse'),
    () => tlsCase('1,900 unsigned headers after the signed ones', wire(add(valid(), Array.from({ length: 1_900 }, () => ['a', 'b'] as [string, string]))), 'forward'),
    () => tlsCase('a 20 KiB header name', wire(add(valid(), [['X'.repeat(20_000), 'v']])), 'refuse'),
    // Repeats signed as AWS reads them: the tunnelled Host first is the one used; another first is refused.
    () => tlsCase('Host twice, the tunnelled one first', wire(withRepeats(ctx, [['Host', STS], ['Host', rng.pick([STS, 'iam.amazonaws.com', 'example.com'])]])), 'forward'),
    () => tlsCase('Host twice, another first', wire(withRepeats(ctx, [['Host', rng.pick(['iam.amazonaws.com', 'example.com', '127.0.0.1'])], ['Host', STS]])), 'refuse'),
    // `d,d` is not a date.
    () => tlsCase('X-Amz-Date twice', wire(withRepeats(ctx, [['X-Amz-Date', amzDate(ctx)], ['X-Amz-Date', amzDate(ctx, rng.pick([0, 1000, -3_600_000]))]])), 'refuse'),
    () => {
      const request = valid();
      const auth = header(request, 'authorization')!;
      const other = rng.pick([auth, 'AWS4-HMAC-SHA256 garbage', `AWS4-HMAC-SHA256 Credential=${forgedKeys(rng).accessKeyId}/20200101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`]);
      const lines: Array<[string, string]> = rng.int(2) ? [['Authorization', other]] : [];
      // Two credentials in one request: which one is meant is ambiguous, so neither is used.
      return tlsCase(`Authorization twice (${other === auth ? 'same' : 'other'} ${lines.length ? 'after' : 'before'})`, wire(lines.length ? add(request, lines) : add(request, [['Authorization', other]], true)), 'refuse');
    },
    () => tlsCase('Content-Length twice', wire(add(valid(), [['Content-Length', String(GCI_BODY.length + rng.pick([0, 1, -1]))], ['Content-Length', String(GCI_BODY.length)]])), 'refuse'),
    () => tlsCase('a header name with a space before the colon', wire(add(valid(), [[rng.pick(['Content-Length ', 'X-Amz-Date ', 'Host ', 'X-A b']), 'x']])), 'refuse'),
    () => tlsCase('a control byte in a header value', wire(add(valid(), [['X-Ctl', `a${String.fromCharCode(rng.pick([0, 1, 8, 0x0b, 0x7f]))}b`]])), 'refuse'),
    () => tlsCase('a header line without a colon', Buffer.from(wire(valid()).toString('latin1').replace('\r\n', `\r\n${rng.pick(['NoColon', ': empty-name', ':', ' leading-space: x'])}\r\n`), 'latin1'), 'refuse'),
    // The agent's keys carry no session token: a token AWS would check is a credential the proxy cannot verify.
    () => tlsCase('a session token the agent key has none of', wire(withRepeats(ctx, [['X-Amz-Security-Token', rng.bytes(rng.range(10, 300)).toString('base64')]])), 'refuse'),
    () => tlsCase('x-amz-content-sha256 that is not the body', wire(withRepeats(ctx, [['X-Amz-Content-Sha256', rng.pick(['0'.repeat(64), 'UNSIGNED-PAYLOAD-X', 'not-a-hash'])]])), 'refuse'),
  ];
  return rng.pick(variants)();
}

/** Ambiguous framing. The outer request carries a forged key; the smuggled one is a valid call, forwarded only by a desync. */
export function smugglingCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 50 === 49) return control(ctx);
  const inner = wire(gci(ctx.keys, ctx.now));
  const outer = gci(forgedKeys(rng), ctx.now);
  const head = (te: string[], cl?: string, eol = '\r\n') => {
    const lines = outer.headers.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n)).map(([n, v]) => `${n}: ${v}`);
    return `POST / HTTP/1.1${eol}${[...lines, ...te, ...(cl === undefined ? [] : [`Content-Length: ${cl}`])].join(eol)}${eol}${eol}`;
  };
  const chunked = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
  const te = rng.pick([
    'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked, identity', 'Transfer-Encoding: identity, chunked', 'Transfer-Encoding : chunked', 'Transfer-Encoding:\tchunked',
    'Transfer-Encoding: xchunked', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity', 'Transfer-Encoding: cHuNkEd', 'Transfer-Encoding:\r\n chunked', ' Transfer-Encoding: chunked',
    'Transfer-Encoding: "chunked"', 'Transfer-Encoding: chunked;q=1', 'X: x\nTransfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked\u0000',
  ]);
  const form = rng.int(5);
  const body = GCI_BODY;
  switch (form) {
    case 0: {
      // CL.TE: the CL reading takes everything; the TE reading ends at the 0 chunk and finds the inner request.
      const payload = Buffer.concat([Buffer.from('0\r\n\r\n'), inner]);
      return tlsCase(`CL.TE with ${show(te)}`, Buffer.concat([Buffer.from(head([te], String(payload.length)), 'latin1'), payload]), 'refuse', { graceMs: 150 });
    }
    case 1: {
      // TE.CL: the TE reading takes the chunk holding the inner request; a CL reading would stop early and find it.
      const payload = chunked(inner);
      return tlsCase(`TE.CL with ${show(te)}`, Buffer.concat([Buffer.from(head([te], String(rng.pick([4, 0, body.length]))), 'latin1'), payload]), 'refuse', { graceMs: 150 });
    }
    case 2: {
      // TE alone, obfuscated: the inner request rides inside the chunk.
      return tlsCase(`TE only ${show(te)}`, Buffer.concat([Buffer.from(head([te]), 'latin1'), chunked(inner)]), 'refuse', { graceMs: 150 });
    }
    case 3: {
      // Bare LF or mixed line endings in the outer head.
      const eol = rng.pick(['\n', '\r\n', '\r']);
      const mixed = head([te], undefined, eol).replace(/\r\n/, rng.pick(['\n', '\r\n']));
      return tlsCase(`line endings ${show(eol)} with ${show(te)}`, Buffer.concat([Buffer.from(mixed, 'latin1'), chunked(inner)]), 'refuse', { graceMs: 150 });
    }
    default: {
      // obs-fold of a framing header.
      const fold = rng.pick([['Content-Length: 0', ` ${inner.length}`], ['Transfer-Encoding: identity', ' chunked'], ['Content-Length:', `\t${body.length}`]]);
      return tlsCase(`obs-fold ${show(fold.join(''))}`, Buffer.concat([Buffer.from(head([`${fold[0]}\r\n${fold[1]}`]), 'latin1'), chunked(inner)]), 'refuse', { graceMs: 150 });
    }
  }
}

/** A GetCallerIdentity signed without Content-Length (aws4 would sign one), so any framing may carry it. */
function unframedGci(ctx: GenerationContext): Signed {
  const amz = amzDate(ctx);
  const headers = { Host: STS, 'Content-Type': FORM, 'X-Amz-Date': amz };
  const signer = new aws4.RequestSigner({ host: STS, method: 'POST', path: '/', service: 'sts', region: 'us-east-1', headers, body: GCI_BODY, doNotModifyHeaders: true }, ctx.keys);
  signer.datetime = amz; // with doNotModifyHeaders aws4 would take the time from the clock, not the header
  const signed = signer.sign();
  return { method: 'POST', path: '/', headers: Object.entries(signed.headers as Record<string, string>).map(([n, v]) => [n, String(v)]), body: Buffer.from(GCI_BODY) };
}

/** Chunked and Content-Length bodies, well formed (forwarded) or not (refused), some cut short. */
export function chunkedCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 50 === 49) return control(ctx);
  const request = unframedGci(ctx);
  const headFor = (framing: string) => {
    const lines = request.headers.map(([n, v]) => `${n}: ${v}\r\n`);
    return Buffer.from(`POST / HTTP/1.1\r\n${lines.join('')}${framing}\r\nConnection: close\r\n\r\n`, 'latin1');
  };
  const data = Buffer.from(GCI_BODY);
  // A body in chunks of random sizes; `ext` and `trailer` are legal HTTP.
  const chunks = (options: { ext?: boolean; trailer?: boolean } = {}) => {
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length; ) {
      const size = Math.min(data.length - at, rng.range(1, 20));
      parts.push(Buffer.from(`${size.toString(16)}${options.ext ? ';name=value' : ''}\r\n`), data.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    parts.push(Buffer.from(options.trailer ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n'));
    return Buffer.concat(parts);
  };
  const te = headFor('Transfer-Encoding: chunked');
  const good = chunks();
  const variants: Array<() => CaseDraft> = [
    () => tlsCase('chunked, well formed', Buffer.concat([te, good]), 'forward'),
    () => tlsCase('chunked with extensions', Buffer.concat([te, chunks({ ext: true })]), 'forward'),
    () => tlsCase('chunked with a trailer', Buffer.concat([te, chunks({ trailer: true })]), 'forward'),
    () => tlsCase('chunked, cut short', Buffer.concat([te, good.subarray(0, rng.range(0, good.length - 1))]), 'refuse', { end: true }),
    () => tlsCase('chunk size not hex', Buffer.concat([te, Buffer.from(`${rng.pick(['zz', '-1', '0x2b', ' 2b', '2b ', '+2b', '', '2 b'])}\r\n${GCI_BODY}\r\n0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('chunk size overflowing', Buffer.concat([te, Buffer.from(`${'f'.repeat(rng.range(16, 64))}\r\n${GCI_BODY}\r\n0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('chunk longer than its size', Buffer.concat([te, Buffer.from(`${(data.length - rng.range(1, 10)).toString(16)}\r\n${GCI_BODY}\r\n0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('chunk without its CRLF', Buffer.concat([te, Buffer.from(`${data.length.toString(16)}\r\n${GCI_BODY}${rng.pick(['', '\n', '\r', 'XX'])}0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('no last chunk', Buffer.concat([te, Buffer.from(`${data.length.toString(16)}\r\n${GCI_BODY}\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('chunk size line with a bare LF', Buffer.concat([te, Buffer.from(`${data.length.toString(16)}\n${GCI_BODY}\r\n0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('a long chunk extension', Buffer.concat([te, Buffer.from(`${data.length.toString(16)};${'e'.repeat(rng.pick([20_000, 100_000]))}\r\n${GCI_BODY}\r\n0\r\n\r\n`)]), 'refuse', { end: true }),
    () => tlsCase('Content-Length malformed', Buffer.concat([headFor(`Content-Length: ${rng.pick(['-1', '1e3', '0x2b', '99999999999999999999', '4 3', '', '+43', '43,43'])}`), data]), 'refuse', { end: true }),
    () => tlsCase('Content-Length longer than the body', Buffer.concat([headFor(`Content-Length: ${data.length + rng.range(1, 10_000)}`), data]), 'refuse', { end: true }),
    () => tlsCase('Content-Length shorter than the body', Buffer.concat([headFor(`Content-Length: ${data.length - rng.range(1, 10)}`), data]), 'refuse'),
  ];
  return rng.pick(variants)();
}

/** Requests trickled a byte at a time; others go on meanwhile (they run alongside the rest). */
export function slowlorisCases(ctx: GenerationContext, i: number): CaseDraft {
  const bytes = (b: Buffer) => [...b].map((byte) => Buffer.from([byte]));
  const valid = wire(gci(ctx.keys, ctx.now));
  const split = valid.indexOf('\r\n\r\n') + 4;
  switch (i % 4) {
    case 0: return tlsCase('valid call, a byte every 12 ms', bytes(valid), 'forward', { delayMs: 12, timeoutMs: 30_000 });
    case 1: return tlsCase('forged key, a byte every 12 ms', bytes(wire(gci(forgedKeys(ctx.rng), ctx.now))), 'refuse', { delayMs: 12, timeoutMs: 30_000 });
    case 2: return tlsCase('valid head, then the body a byte every 80 ms', [valid.subarray(0, split), ...bytes(valid.subarray(split))], 'forward', { delayMs: 80, timeoutMs: 30_000 });
    // Half the headers trickled, then silence for 4 s and the client gives up: the proxy must close.
    default: return tlsCase('half the headers, silence, then FIN', [...bytes(valid.subarray(0, split / 2)), Buffer.alloc(0)], 'refuse', { delayMs: 20, holdMs: 4_000, end: true, timeoutMs: 30_000 });
  }
}
