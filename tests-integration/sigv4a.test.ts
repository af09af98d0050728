import http from 'node:http';
import { join } from 'node:path';
import { SignatureV4a } from '@smithy/signature-v4a';
import { Sha256 } from '@aws-crypto/sha256-js';
import { describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { actionRecords, REAL, REPO, run, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, openTunnel } from './support/raw-client.js';

/** A Multi-Region Access Point: the JS SDK sends its requests to `<alias>.accesspoint.s3-global.amazonaws.com`, signed SigV4a for every region. */
const MRAP_ARN = 'arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap';
const MRAP_HOST = 'mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com';

let upstream: FakeAws;
let proxy: ProxyRun;

proxyInFrontOfFakeAws((run) => void ({ upstream, proxy } = run));

/**
 * The JS SDK v3 signs SigV4a in pure JavaScript once @aws-sdk/signature-v4a is loaded (else it
 * wants the CRT): an agent's `import '@aws-sdk/signature-v4a'`, here `--import`.
 */
async function sdkCalls(calls: Array<{ operation: string; input: Record<string, unknown> }>): Promise<Array<{ ok: boolean; output?: Record<string, unknown>; error?: string }>> {
  const script = join(REPO, 'tests-integration/clients/js-sdk-calls.mjs');
  const { stdout, stderr } = await run(process.execPath, ['--import', '@aws-sdk/signature-v4a', script], proxy.agentEnv, JSON.stringify(calls.map((c) => ({ service: 's3', ...c }))));
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`js-sdk-calls crashed: ${stderr}`);
  }
}

describe('SigV4a through the proxy: the JS SDK and an S3 Multi-Region Access Point', () => {
  it('verifies the agent key’s SigV4a signature, re-signs SigV4a with the real key for the same regions, and logs the MRAP’s resources', async () => {
    const results = await sdkCalls([
      { operation: 'PutObject', input: { Bucket: MRAP_ARN, Key: 'mrap/a.txt', Body: { $bytes: 'across regions' } } },
      { operation: 'GetObject', input: { Bucket: MRAP_ARN, Key: 'mrap/a.txt' } },
    ]);
    expect(results.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(results[1]?.output?.Body).toBe('across regions');

    // Besides the proxy's own sts:GetCallerIdentity (the account for the MRAP's ARN).
    const mrapRequests = upstream.requests.filter((r) => r.host === MRAP_HOST);
    expect(mrapRequests).toHaveLength(2);
    for (const request of mrapRequests) {
      expect(request.failure).toBeUndefined();
      expect(request.verified).toBe(true);
      expect(request.accessKeyId).toBe(REAL.accessKeyId);
      expect(String(request.headers.authorization)).toMatch(/^AWS4-ECDSA-P256-SHA256 Credential=AKIAREALTESTKEY00001\/\d{8}\/s3\/aws4_request, SignedHeaders=[^,]*x-amz-region-set/);
      expect(request.headers['x-amz-region-set']).toBe('*');
    }

    await proxy.waitForStdout(/ALLOWED  s3:GetObject$/);
    const records = actionRecords(proxy).filter((r) => r.host === MRAP_HOST);
    expect(records.map((r) => [r.operation, r.region, r.decision])).toEqual([
      ['PutObject', '*', 'allowed'],
      ['GetObject', '*', 'allowed'],
    ]);
    expect(JSON.stringify(records[0]?.authorizations)).toContain(`"${MRAP_ARN}/object/mrap/a.txt"`);
  });

  it('refuses a SigV4a request changed after signing; nothing reaches AWS', async () => {
    const keys = await agentKeys(proxy);
    const signer = new SignatureV4a({ credentials: keys, region: '*', service: 's3', sha256: Sha256, uriEscapePath: false });
    const headers = { host: MRAP_HOST, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const signed = await signer.sign({ method: 'GET', protocol: 'https:', hostname: MRAP_HOST, path: '/mrap/a.txt', query: {}, headers }, { signingRegion: '*' });
    const sent = { ...signed.headers, 'x-amz-region-set': 'us-east-1' };
    const response = await sendRaw('GET', '/mrap/a.txt', sent);
    expect(response.status).toBe(403);
    expect(response.body).toContain('The request signature we calculated does not match');
    expect(upstream.requests).toHaveLength(0);
  });
});

async function sendRaw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const socket = await openTunnel(proxy, MRAP_HOST);
  return new Promise((resolve, reject) => {
    const req = http.request({ method, path, headers, createConnection: () => socket });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
