/**
 * Clients that sign headers the signer library treats specially: `Date` (Net::Amazon::S3 and other
 * older S3 clients sign it beside x-amz-date). The proxy verifies exactly the SignedHeaders listed.
 */
import { describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import type { ProxyRun } from './support/proxy-process.js';
import { agentKeys, sendThroughProxy } from './support/raw-client.js';

let upstream: FakeAws;
let proxy: ProxyRun;
proxyInFrontOfFakeAws((run) => void ({ upstream, proxy } = run));

const listBuckets = (headers: Record<string, string>) => ({ host: 's3.amazonaws.com', method: 'GET', path: '/', service: 's3', region: 'us-east-1', headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...headers } });

describe('a signed Date header', () => {
  it('verifies (it is among the SignedHeaders) and the call goes on, re-signed', async () => {
    const keys = await agentKeys(proxy);
    let signedHeaders = '';
    const answer = await sendThroughProxy(proxy, { ...listBuckets({ Date: new Date().toUTCString() }), signWith: keys, tamper: (sent) => void (signedHeaders = /SignedHeaders=([^,]+)/.exec(sent.headers.Authorization!)![1]!) });
    expect(signedHeaders).toMatch(/^date;/);
    expect(answer.status).toBe(200);
    const s3 = upstream.requests.filter((r) => r.host === 's3.amazonaws.com');
    expect(s3).toHaveLength(1);
    expect([s3[0]!.verified, s3[0]!.failure]).toEqual([true, undefined]);
  });

  it('changed after signing, is refused and nothing is forwarded', async () => {
    const keys = await agentKeys(proxy);
    const answer = await sendThroughProxy(proxy, {
      ...listBuckets({ Date: new Date().toUTCString() }),
      signWith: keys,
      tamper: (sent) => void (sent.headers.Date = new Date(Date.now() + 60_000).toUTCString()),
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    expect(upstream.requests.filter((r) => r.host === 's3.amazonaws.com')).toEqual([]);
  });
});
