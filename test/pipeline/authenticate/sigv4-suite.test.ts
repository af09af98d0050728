import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { parseRawQuery, splitTarget } from '../../../src/aws/query.js';
import { parseAuthorization, parsePresignedQuery, type SigV4Authorization } from '../../../src/pipeline/authenticate/authorization-header.js';
import { presignedSignatureMatches, signatureMatches, type SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';
import { S3_DOC_CASES, S3_DOC_DATE, S3_DOC_KEY, S3_DOC_PRESIGNED, S3_DOC_SCOPE, SUITE_CASES, SUITE_DATE, SUITE_KEY, SUITE_SCOPE, type SuiteCase } from './sigv4-suite.fixture.js';

/**
 * A request as the suite writes it, read the way Node hands one to the proxy: header lines in
 * order with their repeats, surrounding spaces and tabs trimmed; a folded line (Node refuses those)
 * stays part of the value it continues.
 */
function written(lines: string[]): { request: SignedRequest; body: string } {
  const [requestLine = '', ...rest] = lines;
  const method = requestLine.slice(0, requestLine.indexOf(' '));
  const { rawPath, rawQuery } = splitTarget(requestLine.slice(method.length + 1, requestLine.lastIndexOf(' ')));
  const blank = rest.indexOf('');
  const rawHeaders: string[] = [];
  for (const line of blank === -1 ? rest : rest.slice(0, blank)) {
    const colon = line.indexOf(':');
    if (/^[ \t]/.test(line)) rawHeaders.push(`${rawHeaders.pop()}\r\n${line}`);
    else rawHeaders.push(line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  // The verifier reads rawHeaders only.
  return { request: { method, rawPath, rawQuery, headers: {}, rawHeaders }, body: blank === -1 ? '' : rest.slice(blank + 1).join('\n') };
}

/** The case's Authorization header, read as the proxy reads one. */
const authOf = (scope: typeof SUITE_SCOPE, key: typeof SUITE_KEY, testCase: SuiteCase): SigV4Authorization =>
  parseAuthorization(
    `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope.scopeDate}/${scope.region}/${scope.service}/aws4_request, SignedHeaders=${testCase.signedHeaders}, Signature=${testCase.signature}`,
  )!;

const suiteVerifies = (testCase: SuiteCase, request: SignedRequest, body: string) =>
  signatureMatches(request, authOf(SUITE_SCOPE, SUITE_KEY, testCase), SUITE_KEY.secretAccessKey, sha256Hex(body), SUITE_DATE);

const suiteCase = (name: string) => SUITE_CASES.find((c) => c.name === name)!;

describe('the AWS SigV4 test suite, every case as the suite writes it', () => {
  it.each(SUITE_CASES.map((c) => [c.name, c] as const))('%s verifies', async (_, testCase) => {
    const { request, body } = written(testCase.request);
    expect(await suiteVerifies(testCase, request, body)).toBe(true);
  });

  it('every case fails with another secret', async () => {
    for (const testCase of SUITE_CASES) {
      const { request, body } = written(testCase.request);
      const auth = authOf(SUITE_SCOPE, SUITE_KEY, testCase);
      expect(await signatureMatches(request, auth, `${SUITE_KEY.secretAccessKey}x`, sha256Hex(body), SUITE_DATE)).toBe(false);
    }
  });

  it('repeated headers are signed in the order sent, each occurrence, not as Node merges them', async () => {
    const testCase = suiteCase('get-header-value-order');
    const { request } = written(testCase.request);
    const lines = request.rawHeaders!;
    const reordered = [...lines.slice(0, 2), lines[4]!, lines[5]!, lines[2]!, lines[3]!, ...lines.slice(6)];
    expect(await suiteVerifies(testCase, { ...request, rawHeaders: reordered }, '')).toBe(false);
    const duplicate = suiteCase('get-header-key-duplicate');
    const merged = { host: 'example.amazonaws.com', 'my-header1': 'value2, value2, value1', 'x-amz-date': '20150830T123600Z' };
    expect(await suiteVerifies(duplicate, { ...written(duplicate.request).request, headers: merged, rawHeaders: undefined }, '')).toBe(false);
  });

  it('get-space as a client must send it (%20) does not verify: every service but S3 encodes the wire path again, as AWS does', async () => {
    const testCase = suiteCase('normalize-path/get-space');
    const { request } = written(testCase.request);
    expect(await suiteVerifies(testCase, { ...request, rawPath: '/example%20space/' }, '')).toBe(false);
  });
});

describe('the AWS SigV4 test suite through Node’s HTTP parser, as the proxy receives it', () => {
  let port: number;
  const arrived = new Map<string, { request: AwsRequest; body: string }>();
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      arrived.set(String(req.headers['x-case']), { request: AwsRequest.from(req), body: Buffer.concat(chunks).toString() });
      res.end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Writes the request (plus unsigned X-Case, Content-Length and Connection lines) and returns the answer's status line. */
  function send(testCase: SuiteCase): Promise<string> {
    const { body } = written(testCase.request);
    const head = testCase.request.slice(0, body ? testCase.request.indexOf('') : undefined);
    const extra = [`X-Case: ${testCase.name}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    const bytes = Buffer.from(`${[...head, ...extra].join('\r\n')}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
  }

  const sendable = SUITE_CASES.filter((c) => !c.notSendable);
  it.each(sendable.map((c) => [c.name, c] as const))('%s verifies from the request Node parsed', async (name, testCase) => {
    expect(await send(testCase)).toBe('HTTP/1.1 200 OK');
    const { request, body } = arrived.get(name)!;
    expect(await suiteVerifies(testCase, request, body)).toBe(true);
  });

  // Not skipped: each is checked to be refused before any proxy code could see it.
  it.each(SUITE_CASES.filter((c) => c.notSendable).map((c) => [c.name, c.notSendable!, c] as const))('%s never arrives: %s', async (name, _, testCase) => {
    expect(await send(testCase)).toBe('HTTP/1.1 400 Bad Request');
    expect(arrived.has(name)).toBe(false);
  });
});

describe('the S3 documentation’s worked examples (the path signed as S3 decodes it)', () => {
  it.each(S3_DOC_CASES.map((c) => [c.name, c] as const))('%s verifies', async (_, testCase) => {
    const { request, body } = written(testCase.request);
    const auth = authOf(S3_DOC_SCOPE, S3_DOC_KEY, testCase);
    expect(await signatureMatches(request, auth, S3_DOC_KEY.secretAccessKey, sha256Hex(body), S3_DOC_DATE)).toBe(true);
    // The same key sent fully encoded is the same canonical request.
    const encoded = { ...request, rawPath: request.rawPath.replace('$', '%24') };
    expect(await signatureMatches(encoded, auth, S3_DOC_KEY.secretAccessKey, sha256Hex(body), S3_DOC_DATE)).toBe(true);
  });

  it('the presigned GET verifies over its query minus X-Amz-Signature, and not once a parameter changes', async () => {
    const { request } = written(S3_DOC_PRESIGNED.request);
    const auth = parsePresignedQuery(parseRawQuery(request.rawQuery))!;
    expect(auth.signature).toBe(S3_DOC_PRESIGNED.signature);
    expect(await presignedSignatureMatches(request, auth, S3_DOC_KEY.secretAccessKey, 'UNSIGNED-PAYLOAD', S3_DOC_DATE)).toBe(true);
    const longer = { ...request, rawQuery: request.rawQuery.replace('X-Amz-Expires=86400', 'X-Amz-Expires=86401') };
    expect(await presignedSignatureMatches(longer, auth, S3_DOC_KEY.secretAccessKey, 'UNSIGNED-PAYLOAD', S3_DOC_DATE)).toBe(false);
  });
});
