/**
 * Hostile cases at the front door: CONNECT lines, what follows a CONNECT to an AWS host, the SNI a
 * client sends, and many distinct AWS host names (each mints a certificate).
 */
import { isAwsApiHost } from '../../src/aws/hosts.js';
import { clientHello, type SniShape } from './hostile-tls.js';
import { control, forgedKeys, gci, show, sign, STS, wire, type CaseDraft, type GenerationContext, type Rng } from './hostile-wire.js';

const AWS_HOSTS = ['sts.amazonaws.com', 'iam.amazonaws.com', 's3.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com', 'sqs.eu-west-1.amazonaws.com', 'bucket.s3.us-west-2.amazonaws.com'];

/**
 * Whether the proxy takes a CONNECT to this target (answers 200 and terminates TLS): the first word
 * (Node reads a CR, LF or space as the end of the target) is an AWS API host and a port 1–65535.
 * A tunnel to an AWS host leads only to the proxy itself, so that is never a hole; anything else must be refused.
 */
function taken(target: string): boolean {
  const match = /^([a-z0-9.-]+):(\d{1,5})$/i.exec(target.split(/[\s]/)[0]!);
  return !!match && isAwsApiHost(match[1]!.toLowerCase()) && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

function connectTarget(rng: Rng): string {
  const host = rng.pick(AWS_HOSTS);
  switch (rng.int(12)) {
    case 0: return `${host}:${rng.pick(['0', '65536', '99999', '-1', '+443', '0x1bb', '443.0', '1e3', '', ' 443'])}`;
    case 1: return `${host}:${'9'.repeat(rng.range(6, 400))}`; // huge port
    case 2: return `${host}:${rng.range(1, 65535)}`;
    case 3: return rng.pick([':443', '', host, `${host}:`, ':', '[]:443', '[:443', `[${host}]:443`]);
    case 4: return rng.pick([`user@${host}:443`, `${host}:443/path`, `http://${host}:443`, `https://${host}/`, `*.amazonaws.com:443`, `${host}:443:443`]);
    case 5: return rng.pick(['127.0.0.1:443', '[::1]:443', '169.254.169.254:80', 'localhost:443', 'example.com:443', `evil.com.${host}.evil:443`]);
    case 6: return `${'a'.repeat(rng.pick([63, 64, 255, 1000, 8000, 20000]))}.${rng.pick(['s3.amazonaws.com', 'amazonaws.com', 'example.com'])}:443`; // absurd lengths
    case 7: return rng.pick([`${host.toUpperCase()}:443`, `${host}.:443`, `.${host}:443`, `${host.replace('.', '..')}:443`]);
    case 8: return `${host.slice(0, 3)}${rng.pick(['_', '%', '\u00e9', '\u0000', '\t', '*', '!', '\u00ff'])}${host.slice(3)}:443`;
    case 9: return rng.pick([`${host}:443\r\nX-Injected: 1`, `${host}:443\r\n\r\nGET / HTTP/1.1`, `${host}\n:443`, `${host}:4\r43`]);
    case 10: return rng.bytes(rng.range(1, 40)).toString('latin1');
    default: return `${host}:443`;
  }
}

/** Malformed CONNECT lines and other things that are not a proxy request at all. */
export function connectLineCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 100 === 99) return control(ctx);
  const refused = (name: string, bytes: Buffer | string, tunnelled = false): CaseDraft => ({
    name,
    via: { kind: 'front' },
    chunks: [Buffer.from(bytes as string, 'latin1')],
    end: true,
    expect: 'refuse',
    // A CONNECT the proxy takes is answered 200 and its tunnel closed once nothing TLS arrives.
    alsoAccept: tunnelled ? [200] : undefined,
  });
  const target = connectTarget(rng);
  const takes = taken(target);
  switch (rng.int(9)) {
    case 0:
    case 1:
      return refused(`CONNECT ${show(target)}`, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, takes);
    case 2: {
      const shape = rng.pick(['CONNECT  T HTTP/1.1', 'CONNECT\tT HTTP/1.1', ' CONNECT T HTTP/1.1', 'CONNECT T  HTTP/1.1', 'CONNECT T HTTP/1.1 ', 'connect T HTTP/1.1', 'CONNECTX T HTTP/1.1', 'CONNECT T', 'CONNECT T HTTP/2.0', 'CONNECT T HTTP/9.9', 'CONNECT T HTTP/1.1 extra', 'CONNECT T http/1.1', 'CONNECT T HTTP/1.', 'CONNECT', 'CONNECT T HTTP/1.0']);
      return refused(`line shape ${show(shape)} for ${show(target)}`, `${shape.replace('T', target)}\r\nHost: x\r\n\r\n`, takes);
    }
    case 3: {
      const eol = rng.pick(['\n', '\r', '\r\r\n', '\n\r']);
      return refused(`line endings ${show(eol)} for ${show(target)}`, `CONNECT ${target} HTTP/1.1${eol}Host: x${eol}${eol}`, takes);
    }
    case 4: {
      const extra = rng.pick([`X-Big: ${'a'.repeat(rng.pick([8000, 70_000]))}`, Array.from({ length: rng.pick([500, 10_000]) }, (_, n) => `X-H${n}: v`).join('\r\n'), 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Content-Length: 5\r\nContent-Length: 6', 'Proxy-Authorization: Basic ' + rng.bytes(64).toString('base64')]);
      return refused(`CONNECT ${show(target)} with header ${show(extra.slice(0, 40))}…(${extra.length})`, `CONNECT ${target} HTTP/1.1\r\n${extra}\r\n\r\n${extra.startsWith('Content-Length') ? 'hello' : ''}`, takes);
    }
    case 5:
      return refused('HTTP/0.9 request', rng.pick(['GET /\r\n', 'GET http://sts.amazonaws.com/\r\n', 'GET\r\n', '\r\n\r\n']));
    case 6:
      return refused('HTTP/2 preface', rng.pick(['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${rng.bytes(64).toString('latin1')}`, 'PRI * HTTP/2.0\r\n\r\n']));
    case 7:
      return refused('random bytes or a ClientHello at the proxy port', rng.int(2) ? rng.bytes(rng.range(1, 4000)) : clientHello(rng, { kind: 'name', name: STS }));
    default: {
      // Plain HTTP (absolute form) to an AWS host: the pipeline itself, without a tunnel, unsigned or forged.
      const keys = rng.int(2) ? forgedKeys(rng) : undefined;
      const request = gci(keys, ctx.now);
      request.path = rng.pick([`http://${STS}/`, `http://${STS}:443/`, `http://${STS}`, `http://STS.AMAZONAWS.COM/`, `http://${STS}/..%2f..%2f`]);
      return refused(`plain HTTP ${request.path} ${keys ? 'forged key' : 'unsigned'}`, wire(request));
    }
  }
}

/** Bytes that are not TLS, into a tunnel the proxy terminates TLS on. */
export function nonTlsCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 100 === 99) return control(ctx);
  const host = rng.pick(AWS_HOSTS);
  const options: Array<[string, () => Buffer]> = [
    ['random bytes', () => rng.bytes(rng.range(1, 20_000))],
    ['plain HTTP in the tunnel', () => wire(gci(ctx.keys, ctx.now, host))],
    ['SSLv2 hello', () => Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02, ...rng.bytes(44)])],
    ['TLS record, bad version', () => Buffer.from([0x16, rng.int(256), rng.int(256), 0x00, 0x05, ...rng.bytes(5)])],
    ['TLS record announcing 16 KiB, cut short', () => Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, ...rng.bytes(rng.range(0, 200))])],
    ['TLS alert', () => Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
    ['HTTP/2 preface', () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['ClientHello cut short', () => clientHello(rng, { kind: 'name', name: host }).subarray(0, rng.range(1, 60))],
    ['ClientHello then garbage', () => Buffer.concat([clientHello(rng, { kind: 'name', name: host }), rng.bytes(rng.range(1, 300))])],
    ['handshake record of length 0', () => Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])],
    ['application data before a handshake', () => Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, ...rng.bytes(16)])],
  ];
  const [name, make] = rng.pick(options);
  return { name: `${name} to ${host}`, via: { kind: 'tunnel', host }, chunks: [make()], end: true, expect: 'refuse' };
}

/** Odd SNI: Node's client for names it will send, a hand-made ClientHello for the rest. */
export function sniCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 2 === 0) {
    const servername = rng.pick([null, 'iam.amazonaws.com', 's3.amazonaws.com', 'example.com', 'localhost', 'a.b', 'xn--80ak6aa92e.com', `${'a'.repeat(63)}.amazonaws.com`, 'STS.AMAZONAWS.COM']);
    const roll = rng.int(10);
    // The certificate is for the CONNECT host whatever SNI says: a valid call to that host goes through.
    if (roll < 4) return { name: `SNI ${servername}, valid call to the CONNECT host`, via: { kind: 'tls', host: STS, servername }, chunks: [wire(gci(ctx.keys, ctx.now))], expect: 'forward' };
    // Following the SNI instead (Host = the SNI name) is refused: Host must be the tunnelled host.
    if (roll < 7 && servername && isAwsApiHost(servername.toLowerCase()) && servername.toLowerCase() !== STS) {
      return { name: `SNI ${servername}, signed for it`, via: { kind: 'tls', host: STS, servername }, chunks: [wire(gci(ctx.keys, ctx.now, servername.toLowerCase()))], expect: 'refuse' };
    }
    return { name: `SNI ${servername}, forged key`, via: { kind: 'tls', host: STS, servername }, chunks: [wire(gci(forgedKeys(rng), ctx.now))], expect: 'refuse' };
  }
  const shapes: Array<() => SniShape> = [
    () => ({ kind: 'name', name: rng.pick(['127.0.0.1', '::1', '169.254.169.254', 'iam.amazonaws.com', '', '.', 'sts.amazonaws.com.']) }),
    () => ({ kind: 'name', name: 'a'.repeat(rng.pick([254, 255, 256, 1000, 16_000, 60_000])) }),
    () => ({ kind: 'bytes', name: Buffer.concat([Buffer.from('sts'), rng.bytes(rng.range(1, 40)), Buffer.from('.amazonaws.com')]) }),
    () => ({ kind: 'bytes', name: Buffer.from(rng.pick(['st\u0000s.amazonaws.com', 'stś.amazonaws.com', 'sts.amazonaws.com\u0000.evil.com', '\u00ff\u00fe'])) }),
    () => ({ kind: 'malformed', variant: rng.int(6) }),
  ];
  const shape = rng.pick(shapes)();
  const label = shape.kind === 'malformed' ? `malformed extension ${shape.variant}` : `${shape.kind} SNI of ${shape.name.length} bytes ${show(shape.name.toString().slice(0, 30))}`;
  return { name: `raw ClientHello, ${label}`, via: { kind: 'hello', host: STS }, chunks: [clientHello(rng, shape)], expect: 'refuse' };
}

/** Many distinct AWS host names: a certificate minted for each, the cache bounded. */
export function distinctHostCases(ctx: GenerationContext, i: number): CaseDraft {
  const { rng } = ctx;
  if (i % 100 === 99) return control(ctx);
  const label = `${rng.word(rng.range(3, 20))}-${i}`;
  const [host, service] = rng.pick([
    [`${label}.s3.amazonaws.com`, 's3'],
    [`${label}.s3.us-west-2.amazonaws.com`, 's3'],
    [`${label}.execute-api.us-east-1.amazonaws.com`, 'execute-api'],
    [`${label}.amazonaws.com`, 'sts'],
    [`${label}.api.aws`, 'sts'],
  ] as const);
  // Signed with a key the proxy never issued: refused whatever the host serves.
  const request = sign({ host, service, method: 'PUT', path: `/${rng.word(8)}`, body: rng.word(rng.range(0, 50)), keys: forgedKeys(rng), date: ctx.now, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  return { name: `distinct host ${host}`, via: { kind: 'tls', host, servername: host }, chunks: [wire(request)], expect: 'refuse' };
}

