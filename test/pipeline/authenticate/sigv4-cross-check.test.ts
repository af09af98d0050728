/**
 * 10,000 random requests, signed both ways between the proxy and aws4 (an independent signer):
 * aws4 signs as the agent, the proxy's verifier must accept; the proxy's re-signer signs, aws4 (as
 * the fake AWS does) must compute the same signature. Seeded: a failure names its request number.
 */
import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { parseRawQuery, splitTarget, withoutParameters } from '../../../src/aws/query.js';
import { encodesPathOnce } from '../../../src/aws/signer.js';
import { readSignatureClaim } from '../../../src/pipeline/authenticate/authenticate.js';
import { parseAuthorization, parsePresignedQuery, PRESIGN_PARAMS } from '../../../src/pipeline/authenticate/authorization-header.js';
import { presignedSignatureMatches, signatureMatches, type SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { resign } from '../../../src/pipeline/resign/resign.js';
import { Generator, random, type RequestSpec } from './random-requests.js';

const COUNT = 10_000;
const AGENT = { accessKeyId: 'AKIAPROXYISSUED00001', secretAccessKey: 'agent/secret+key=' };
const REAL = { accessKeyId: 'AKIAREALUPSTREAM0001', secretAccessKey: 'real/secret+key=' };
const amzDate = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

interface Signed {
  spec: RequestSpec;
  request: SignedRequest;
  payloadHash: string;
}

/** Signs the spec with aws4 and returns what the proxy would receive: the wire target and header lines as Node hands them over. */
function signWithAws4(spec: RequestSpec, generator: Generator): Signed {
  const date = amzDate(spec.date);
  const presign = spec.presigned ? `X-Amz-Date=${date}&X-Amz-Expires=900` : '';
  const query = [spec.query, presign].filter(Boolean).join('&');
  const headers = spec.presigned ? { ...spec.headers } : { ...spec.headers, 'X-Amz-Date': date };
  const options = {
    host: spec.host,
    method: spec.method,
    path: query ? `${spec.path}?${query}` : spec.path,
    service: spec.service,
    region: spec.region,
    body: spec.body,
    headers,
    signQuery: spec.presigned,
    extraHeadersToInclude: Object.fromEntries(spec.alsoSign.map((name) => [name, true])),
  };
  aws4.sign(options, AGENT);
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(options.headers)) {
    for (const line of [value].flat()) rawHeaders.push(generator.oddCase(name), String(line).replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  const { rawPath, rawQuery } = splitTarget(options.path);
  const declared = String(Object.entries(options.headers).find(([name]) => name.toLowerCase() === 'x-amz-content-sha256')?.[1] ?? '');
  const payloadHash = spec.presigned && spec.service === 's3' ? 'UNSIGNED-PAYLOAD' : declared === 'UNSIGNED-PAYLOAD' ? declared : sha256Hex(spec.body);
  return { spec, request: { method: spec.method, rawPath, rawQuery, headers: merged(rawHeaders), rawHeaders }, payloadHash };
}

/** Node's `headers`: names lowercased, repeats joined with ', ' (the generator repeats only headers Node joins). */
function merged(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? rawHeaders[i + 1]! : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  return headers;
}

async function verifierAccepts({ spec, request, payloadHash }: Signed): Promise<boolean> {
  if (!spec.presigned) return signatureMatches(request, parseAuthorization(request.headers.authorization as string)!, AGENT.secretAccessKey, payloadHash, spec.date);
  return presignedSignatureMatches(request, parsePresignedQuery(parseRawQuery(request.rawQuery))!, AGENT.secretAccessKey, payloadHash, spec.date);
}

/** The query as the proxy forwards it: a presigned URL's auth parameters dropped. */
const forwardedQuery = ({ spec, request }: Signed) => (spec.presigned ? withoutParameters(request.rawQuery, PRESIGN_PARAMS) : request.rawQuery);

/** Re-signs as the proxy sends it upstream, then recomputes the signature with aws4 over what is sent. */
async function resignedAgreesWithAws4(signed: Signed): Promise<boolean> {
  const { spec, request, payloadHash } = signed;
  const rawQuery = forwardedQuery(signed);
  const sendPayloadHash = encodesPathOnce(spec.service) || request.headers['x-amz-content-sha256'] !== undefined;
  const now = new Date(spec.date.getTime() + 1000);
  const sent = await resign({ ...request, rawQuery, service: spec.service, region: spec.region, payloadHash, sendPayloadHash }, REAL, now);
  const auth = parseAuthorization(sent.authorization!)!;
  const signer = new aws4.RequestSigner(
    {
      method: spec.method,
      path: rawQuery ? `${request.rawPath}?${rawQuery}` : request.rawPath,
      headers: Object.fromEntries(auth.signedHeaders.map((name) => [name, sent[name]!])),
      body: spec.body,
      service: spec.service,
      region: spec.region,
      // aws4 leaves user-agent, range… out unless named; with doNotModifyHeaders it ignores x-amz-date, hence `datetime`.
      doNotModifyHeaders: true,
      extraHeadersToInclude: Object.fromEntries(auth.signedHeaders.map((name) => [name, true])),
    } as aws4.Request,
    REAL,
  );
  signer.datetime = sent['x-amz-date']!;
  return signer.signedHeaders() === auth.signedHeaders.join(';') && signer.signature() === auth.signature;
}

/** A path as S3 canonicalises it: the key it decodes (`+` a space), encoded once, `/` kept. */
function s3Canonical(path: string): string {
  const encoded = encodeURIComponent(decodeURIComponent(path.replace(/\+/g, ' ')));
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, '/');
}

/** A parameter named X-Amz-Signature (any case) beyond a presigned URL's own is refused before re-signing: signers leave it out, AWS may not. */
function refusedBeforeResigning(signed: Signed): boolean {
  const named = Object.entries(parseRawQuery(signed.request.rawQuery)).filter(([name]) => name.toLowerCase() === 'x-amz-signature');
  return named.flatMap(([, values]) => [values].flat()).length > (signed.spec.presigned ? 1 : 0);
}

const describeRequest = (index: number, { spec, request }: Signed) =>
  `#${index} ${spec.service}${spec.presigned ? ' presigned' : ''} ${spec.method} ${request.rawPath}?${request.rawQuery} ${JSON.stringify(request.rawHeaders)} body=${JSON.stringify(spec.body)}`;

function requests(): Signed[] {
  const generator = new Generator(random(20260101));
  return Array.from({ length: COUNT }, () => signWithAws4(generator.request(), generator));
}

describe('SigV4 cross-check with aws4 over 10,000 random requests', () => {
  const all = requests();

  it('covers what it claims to: S3 and other services, presigned URLs, repeated headers and parameters, dot segments', () => {
    const share = (test: (s: Signed) => boolean) => all.filter(test).length / COUNT;
    expect(share((s) => s.spec.service === 's3')).toBeGreaterThan(0.25);
    expect(share((s) => s.spec.presigned)).toBeGreaterThan(0.05);
    expect(share((s) => Object.values(s.spec.headers).some(Array.isArray))).toBeGreaterThan(0.1);
    expect(share((s) => /(^|&)([^=&]*)=[^&]*&(.*&)?\2=/.test(s.request.rawQuery))).toBeGreaterThan(0.02);
    expect(share((s) => /\/\.\.?(\/|$)|\/\//.test(s.request.rawPath))).toBeGreaterThan(0.3);
  });

  it('aws4 signs, the verifier accepts every one (and refuses each with its body or a header changed)', async () => {
    const refused: string[] = [];
    for (const [index, signed] of all.entries()) {
      if (!(await verifierAccepts(signed))) refused.push(describeRequest(index, signed));
      if (index % 10 !== 0) continue;
      const changed = { ...signed, payloadHash: signed.payloadHash === 'UNSIGNED-PAYLOAD' ? sha256Hex('x') : sha256Hex(`${signed.spec.body}x`) };
      if (await verifierAccepts(changed)) refused.push(`accepted with another payload: ${describeRequest(index, signed)}`);
      const lines = [...signed.request.rawHeaders!];
      const host = lines.findIndex((line, i) => i % 2 === 0 && line.toLowerCase() === 'host');
      lines[host + 1] = `x${lines[host + 1]}`;
      if (await verifierAccepts({ ...signed, request: { ...signed.request, rawHeaders: lines } })) refused.push(`accepted with another host: ${describeRequest(index, signed)}`);
    }
    expect(refused.slice(0, 5)).toEqual([]);
  });

  it('the re-signer signs, aws4 computes the same signature for every one (S3 keys and repeated parameters included)', async () => {
    const checked = all.filter((signed) => !refusedBeforeResigning(signed));
    expect(checked.length).toBeGreaterThan(COUNT / 2);
    expect(checked.filter((signed) => signed.spec.service === 's3').length).toBeGreaterThan(COUNT / 10);
    const disagreed: string[] = [];
    for (const signed of checked) {
      if (!(await resignedAgreesWithAws4(signed))) disagreed.push(describeRequest(all.indexOf(signed), signed));
    }
    expect(disagreed.slice(0, 5)).toEqual([]);
  });
});

describe('re-signing what S3 canonicalises differently from the wire', () => {
  const signed = (spec: Partial<RequestSpec>) =>
    signWithAws4({ method: 'GET', host: 'b.s3.us-east-1.amazonaws.com', service: 's3', region: 'us-east-1', path: '/', query: '', headers: {}, alsoSign: [], body: '', date: new Date('2026-01-01T00:00:00Z'), presigned: false, ...spec }, new Generator(random(1)));

  it('an S3 key sent with `=`, `$` or `+` unencoded is signed as S3 reads it: %3D, %24 and a space', async () => {
    expect(await resignedAgreesWithAws4(signed({ path: '/data/asset_id=1/dt$2+x.parquet' }))).toBe(true);
  });

  it('a repeated S3 query parameter is signed with its first value, as S3 signs it', async () => {
    expect(await resignedAgreesWithAws4(signed({ query: 'list-type=2&prefix=a&prefix=b' }))).toBe(true);
  });

  it("a query parameter named x-amz-signature, in any case, is refused on a header-signed request, and beside a presigned URL's own", () => {
    const header = signed({ host: 'sqs.us-east-1.amazonaws.com', service: 'sqs', query: 'Action=ListQueues&x-amz-%53ignature=1' });
    expect(readSignatureClaim(header.request, header.spec.date)).toMatchObject({ ok: false, error: { status: 400, code: 'InvalidArgument' } });
    const presigned = signed({ host: 'sqs.us-east-1.amazonaws.com', service: 'sqs', query: 'Action=ListQueues&x-amz-signature=1', presigned: true });
    expect(refusedBeforeResigning(presigned)).toBe(true);
    expect(readSignatureClaim(presigned.request, presigned.spec.date)).toMatchObject({ ok: false, error: { status: 400, code: 'AuthorizationQueryParametersError' } });
  });
});
