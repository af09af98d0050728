/**
 * Hostile credentials: garbage and mangled Authorization headers, valid requests with one byte
 * flipped after signing, and many key ids and agents.
 */
import { createHash } from 'node:crypto';
import { REAL } from './proxy-process.js';
import { show, control, forgedKeys, gci, header, sign, STS, wire, withHeaders, type CaseDraft, type GenerationContext, type Keys, type Rng, type Signed } from './hostile-wire.js';

const TUNNEL = { kind: 'tls', host: STS, servername: STS } as const;

function replaceAuthorization(request: Signed, value: string): Signed {
  return withHeaders(request, (h) => h.map(([n, v]) => [n, n.toLowerCase() === 'authorization' ? value : v]));
}

/** The signature with the hex digit at `at` changed to another hex digit: well formed, wrong. */
function otherHexDigit(rng: Rng, signature: string, at: number): string {
  const digits = '0123456789abcdef'.replace(signature[at]!, '');
  return signature.slice(0, at) + digits[rng.int(digits.length)] + signature.slice(at + 1);
}

/** One part of `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=…, Signature=…` broken. */
function mangle(rng: Rng, auth: string): { what: string; value: string } {
  const match = /^(\S+) Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(auth)!;
  const [, algorithm, akid, date, region, service, signedHeaders, signature] = match as unknown as string[];
  const parts = { algorithm, akid, date, region, service, terminator: 'aws4_request', signedHeaders, signature } as Record<string, string>;
  const junk = () => rng.pick(['', ' ', 'x'.repeat(rng.pick([1, 300, 9_000])), '\u00e9\u4e2d\u{1f600}', rng.bytes(20).toString('latin1'), '/', ',', '=', ';']);
  const options: Record<string, () => string> = {
    algorithm: () => rng.pick(['AWS4-HMAC-SHA1', 'aws4-hmac-sha256', 'AWS4-HMAC-SHA256X', 'AWS4-ECDSA-P256-SHA256', 'AWS3', junk()]),
    akid: () => rng.pick([forgedKeys(rng).accessKeyId, REAL.accessKeyId, akid!.toLowerCase(), akid!.slice(0, -1), `${akid}A`, junk()]),
    date: () => rng.pick(['20000101', '2024-01-01', '99999999', '2024010', `${Number(date) + 1}`, junk()]),
    region: () => rng.pick(['us-east-2', 'eu-west-1', '*', 'US-EAST-1', junk()]),
    service: () => rng.pick(['s3', 'iam', 'STS', 'execute-api', junk()]),
    terminator: () => rng.pick(['aws4_requesT', 'aws4_request/x', 'aws5_request', '', junk()]),
    signedHeaders: () => {
      const list = signedHeaders!.split(';');
      return rng.pick([list.filter((h) => h !== 'host').join(';'), list.filter((h) => h !== 'x-amz-date').join(';'), [...list, 'x-missing'].join(';'), ['host', ...list].join(';'), list.join(';').toUpperCase(), '', ';;', list.join(';;'), Array.from({ length: 3_000 }, (_, n) => `h${n}`).join(';'), junk()]);
    },
    signature: () => rng.pick([otherHexDigit(rng, signature!, signature!.length - 1), otherHexDigit(rng, signature!, 0), otherHexDigit(rng, signature!, rng.int(signature!.length)), signature!.slice(0, -1), `${signature}0`, signature!.toUpperCase(), rng.bytes(32).toString('hex'), signature!.replace(/.$/, 'g'), 'f'.repeat(rng.pick([128, 10_000])), junk()]),
  };
  const what = rng.pick(Object.keys(options));
  parts[what] = options[what]!();
  const p = parts;
  const value = `${p.algorithm} Credential=${p.akid}/${p.date}/${p.region}/${p.service}/${p.terminator}, SignedHeaders=${p.signedHeaders}, Signature=${p.signature}`;
  return { what, value };
}

export function authorizationCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 100 === 99) return control(ctx);
  const request = gci(ctx.keys, ctx.now);
  const auth = header(request, 'authorization')!;
  const refused = (name: string, bytes: Buffer): CaseDraft => ({ name, via: TUNNEL, chunks: [bytes], expect: 'refuse' });
  switch (rng.int(6)) {
    case 0:
      return refused('random bytes as Authorization', wire(replaceAuthorization(request, rng.bytes(rng.range(1, 3_000)).toString('latin1').replace(/[\r\n]/g, 'x'))));
    case 1: {
      // Every field of the header, one at a time.
      const { what, value } = mangle(rng, auth);
      return refused(`Authorization ${what} mangled: ${show(value.slice(0, 200))}`, wire(replaceAuthorization(request, value)));
    }
    case 2: {
      const field = rng.pick(['Credential', 'SignedHeaders', 'Signature']);
      const piece = new RegExp(`${field}=[^,]+`).exec(auth)![0];
      const value = rng.int(2) ? auth.replace(piece, `${piece}, ${piece}`) : `${auth}, ${piece}`;
      return refused(`Authorization with ${field} twice`, wire(replaceAuthorization(request, value)));
    }
    case 3: {
      const value = rng.pick([auth.replace(', ', ' '), auth.replace(/, /g, ''), auth.replace('Credential=', 'Credential:'), `${auth} trailing`, auth.replace(/, SignedHeaders=[^,]+/, ''), auth.replace('AWS4-HMAC-SHA256 ', ''), `Bearer ${rng.bytes(40).toString('base64')}`, `Basic ${Buffer.from(`${ctx.keys.accessKeyId}:${ctx.keys.secretAccessKey.replace(/./g, 'x')}`).toString('base64')}`, auth.replace('Signature=', 'Signature=\u00e9')]);
      return refused(`Authorization reshaped: ${show(value.slice(0, 60))}`, wire(replaceAuthorization(request, value)));
    }
    case 4:
      return refused('a huge Authorization', wire(replaceAuthorization(request, `${auth}${'A'.repeat(rng.pick([8_000, 20_000, 70_000]))}`)));
    default: {
      // Query-string (presigned) credentials, mangled, next to or instead of the header.
      const query = `X-Amz-Algorithm=${rng.pick(['AWS4-HMAC-SHA256', 'x'])}&X-Amz-Credential=${encodeURIComponent(`${rng.pick([ctx.keys.accessKeyId, forgedKeys(rng).accessKeyId])}/20240101/us-east-1/sts/aws4_request`)}&X-Amz-Date=${rng.pick(['20240101T000000Z', 'x'])}&X-Amz-Expires=${rng.pick(['300', '-1', '999999999', 'x'])}&X-Amz-SignedHeaders=host&X-Amz-Signature=${rng.bytes(32).toString('hex')}`;
      const presigned: Signed = { ...request, path: `/?Action=GetCallerIdentity&Version=2011-06-15&${query}`, method: 'GET', body: Buffer.alloc(0) };
      return refused(`presigned query garbage${rng.int(2) ? '' : ' with the header too'}`, wire(rng.int(2) ? presigned : withHeaders(presigned, (h) => h.filter(([n]) => n.toLowerCase() !== 'authorization'))));
    }
  }
}

/** Valid requests of several protocols, each to be sent with one byte changed. */
function baseRequest(ctx: GenerationContext): { name: string; host: string; request: Signed } {
  const { rng, keys, now } = ctx;
  const s3 = (host: string, method: string, path: string, body = '') => sign({ host, method, path, service: 's3', body, keys, date: now, headers: { 'x-amz-content-sha256': body ? sha256Hex(body) : 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
  const options = [
    () => ({ name: 'STS form POST', host: STS, request: gci(keys, now) }),
    () => ({ name: 'STS query GET', host: STS, request: sign({ host: STS, method: 'GET', path: '/?Action=GetCallerIdentity&Version=2011-06-15', service: 'sts', keys, date: now }) }),
    () => ({ name: 'S3 PutObject', host: 's3.amazonaws.com', request: s3('s3.amazonaws.com', 'PUT', '/flip-bucket/some/key%20name.txt', `object body ${rng.word(20)}`) }),
    () => ({ name: 'S3 ListObjectsV2', host: 'flip-bucket.s3.amazonaws.com', request: s3('flip-bucket.s3.amazonaws.com', 'GET', '/?list-type=2&prefix=a%2Fb&max-keys=10') }),
    () => ({ name: 'DynamoDB GetItem', host: 'dynamodb.us-east-1.amazonaws.com', request: sign({ host: 'dynamodb.us-east-1.amazonaws.com', service: 'dynamodb', keys, date: now, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: '{"TableName":"flip","Key":{"id":{"S":"1"}}}' }) }),
  ];
  return rng.pick(options)();
}

function sha256Hex(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Byte ranges of the request target, each signed header's value, and the body, in `bytes`. */
function signedRanges(bytes: Buffer, request: Signed): Record<'target' | 'header' | 'body', Array<[number, number]>> {
  const text = bytes.toString('latin1');
  const targetStart = request.method.length + 1;
  const headEnd = text.indexOf('\r\n\r\n');
  const signedNames = /SignedHeaders=([^,]+)/.exec(header(request, 'authorization')!)![1]!.split(';');
  const headers: Array<[number, number]> = [];
  let at = text.indexOf('\r\n') + 2;
  while (at < headEnd) {
    const lineEnd = text.indexOf('\r\n', at);
    const colon = text.indexOf(':', at);
    const name = text.slice(at, colon).toLowerCase();
    // Content-Length is framing: a larger one leaves the proxy waiting for body (the chunked family covers framing).
    if (signedNames.includes(name) && name !== 'content-length') headers.push([colon + 2, lineEnd]);
    at = lineEnd + 2;
  }
  const body: Array<[number, number]> = request.body.length ? [[headEnd + 4, bytes.length]] : [];
  return { target: [[targetStart, targetStart + request.path.length]], header: headers, body };
}

/** A signed request with one byte changed in its target, a signed header's value or its body: never forwarded. */
export function flipCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 50 === 49) return control(ctx);
  const base = baseRequest(ctx);
  const bytes = wire(base.request);
  const ranges = signedRanges(bytes, base.request);
  const where = rng.pick((['target', 'header', 'body'] as const).filter((k) => ranges[k].length > 0));
  const [start, end] = rng.pick(ranges[where]);
  const position = rng.range(start, end - 1);
  const original = bytes[position]!;
  let mask = rng.range(1, 255);
  // Changes SigV4 reads as the same request: a letter's case (header values keep case, but %2f is %2F), whitespace for whitespace.
  const letter = /[a-z]/i.test(String.fromCharCode(original));
  const blank = (b: number) => b === 0x20 || b === 0x09;
  while ((letter && mask === 0x20) || (blank(original) && blank(original ^ mask))) mask = rng.range(1, 255);
  bytes[position] = original ^ mask;
  const shown = `${JSON.stringify(String.fromCharCode(original))}→${JSON.stringify(String.fromCharCode(original ^ mask))}`;
  return { name: `${base.name}: ${where} byte ${position} ${shown}`, via: { kind: 'tls', host: base.host, servername: base.host }, chunks: [bytes], expect: 'refuse' };
}

/** Unknown key ids of every shape, other agents' keys crossed, the real key; and valid calls of many agents. */
export function agentCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  const call = (name: string, keys: Keys | undefined, expect: 'forward' | 'refuse'): CaseDraft => ({ name, via: TUNNEL, chunks: [wire(gci(keys, ctx.now))], expect });
  if (i % 10 === 0 && ctx.agents.length) {
    const agent = ctx.agents[(i / 10) % ctx.agents.length]!;
    return call(`agent ${(i / 10) % ctx.agents.length}'s own key`, agent, 'forward');
  }
  const other = ctx.agents.length ? rng.pick(ctx.agents) : ctx.keys;
  const variants: Array<() => CaseDraft> = [
    () => call('a forged key id', forgedKeys(rng), 'refuse'),
    () => call('one agent\'s key id with another\'s secret', { accessKeyId: other.accessKeyId, secretAccessKey: ctx.keys.secretAccessKey }, 'refuse'),
    () => call('the real key, with its real secret', REAL, 'refuse'),
    () => call('a key id with a flipped character', { ...other, accessKeyId: other.accessKeyId.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }, 'refuse'),
    () => call('an absurd key id', { accessKeyId: rng.pick(['', 'A'.repeat(rng.pick([41, 500, 5_000])), 'AKIAPROXY' + '='.repeat(32), '../../etc/passwd', 'AKIA\u00e9\u00e9']), secretAccessKey: 'x' }, 'refuse'),
    () => call('unsigned', undefined, 'refuse'),
  ];
  return rng.pick(variants)();
}

