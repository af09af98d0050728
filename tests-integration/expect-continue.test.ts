import http from 'node:http';
import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import type { ProxyRun } from './support/proxy-process.js';
import { agentKeys, openTunnel } from './support/raw-client.js';

let upstream: FakeAws;
let proxy: ProxyRun;

proxyInFrontOfFakeAws((run) => void ({ upstream, proxy } = run));

const HOST = 's3.us-east-1.amazonaws.com';

interface Exchange {
  status: number;
  body: string;
  /** Whether the proxy asked for the body (100 Continue) before answering. */
  continued: boolean;
  /** Whether the client wrote its body. */
  bodySent: boolean;
  connection: string | undefined;
}

/** A PUT that announces its body with Expect: 100-continue and only sends it when asked, as botocore does. */
async function putExpectingContinue(key: string, body: Buffer, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<Exchange> {
  const signed = { host: HOST, method: 'PUT', path: `/expect-bucket/${key}`, service: 's3', region: 'us-east-1', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', 'Content-Length': String(body.length), Expect: '100-continue' }, body: '' };
  aws4.sign(signed, credentials);
  const socket = await openTunnel(proxy, HOST);
  return new Promise((resolve, reject) => {
    const exchange = { continued: false, bodySent: false };
    const req = http.request({ method: 'PUT', path: signed.path, headers: signed.headers, createConnection: () => socket });
    req.on('continue', () => {
      exchange.continued = true;
      exchange.bodySent = true;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        socket.destroy();
        resolve({ ...exchange, status: res.statusCode ?? 0, body: text, connection: res.headers.connection });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('Expect: 100-continue', () => {
  it('asks for the body only when it is about to stream it upstream, and stores it', async () => {
    const agent = await agentKeys(proxy);
    const body = Buffer.alloc(256 * 1024, 'c');
    const answer = await putExpectingContinue('asked.bin', body, agent);
    expect(answer).toMatchObject({ status: 200, continued: true, bodySent: true });
    expect(upstream.objects.get('expect-bucket/asked.bin')?.equals(body)).toBe(true);
  });

  it('refuses a request on its headers without ever asking for the body, and closes the connection', async () => {
    const answer = await putExpectingContinue('never.bin', Buffer.alloc(1024, 'n'), { accessKeyId: 'AKIAPROXYNOTISSUED00', secretAccessKey: 'x' });
    expect(answer).toMatchObject({ status: 403, continued: false, bodySent: false, connection: 'close' });
    expect(answer.body).toMatch(/<Code>InvalidClientTokenId<\/Code>/);
    expect(upstream.requests).toEqual([]);
  });
});
