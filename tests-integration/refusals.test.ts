import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PROXY_BIN, PYTHON, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';

let upstream: FakeAws;
let proxy: ProxyRun;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
  await new Promise((r) => setTimeout(r, 300)); // let the startup account-id lookup reach upstream first
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

const code = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

/** Writes raw bytes to the proxy port and returns the first line of the answer. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(data.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

describe('requests the proxy must refuse and never forward', () => {
  it('refuses an unsigned request', async () => {
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('MissingAuthenticationToken');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a signature made with the wrong secret', async () => {
    const keys = await agentKeys(proxy);
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: { ...keys, secretAccessKey: 'not-the-secret' } });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('SignatureDoesNotMatch');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a key it never issued, including the real key', async () => {
    for (const signWith of [{ accessKeyId: 'AKIAPROXYNOTISSUED00', secretAccessKey: 'x' }, REAL]) {
      const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith });
      expect(res.status).toBe(403);
      expect(code(res.body)).toBe('InvalidClientTokenId');
    }
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a replayed request whose x-amz-date is more than 15 minutes off', async () => {
    const keys = await agentKeys(proxy);
    for (const offsetMin of [-16, 16]) {
      const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys, date: new Date(Date.now() + offsetMin * 60_000) });
      expect(res.status).toBe(403);
      expect(res.body).toMatch(/Signature expired/);
    }
    const fresh = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys, date: new Date(Date.now() - 14 * 60_000) });
    expect(fresh.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses a body changed after signing', async () => {
    const keys = await agentKeys(proxy);
    const res = await sendThroughProxy(proxy, {
      ...GET_CALLER_IDENTITY,
      signWith: keys,
      tamper: (r) => {
        r.body = r.body.replace('GetCallerIdentity', 'GetSessionTokens1'); // same length, other operation
      },
    });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('SignatureDoesNotMatch');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses an S3 body whose x-amz-content-sha256 lies', async () => {
    const keys = await agentKeys(proxy);
    const res = await sendThroughProxy(proxy, {
      host: 'test-bucket.s3.amazonaws.com',
      method: 'PUT',
      path: '/lie.txt',
      service: 's3',
      region: 'us-east-1',
      body: 'signed body',
      signWith: keys,
      tamper: (r) => {
        r.body = 'other body!';
      },
    });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('XAmzContentSHA256Mismatch');
    expect(upstream.requests).toEqual([]);
  });

  it('refuses a Host header that differs from the tunnelled host', async () => {
    const keys = await agentKeys(proxy);
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, connectHost: 'iam.amazonaws.com', signWith: keys });
    expect(res.status).toBe(400);
    expect(upstream.requests).toEqual([]);
  });

  it('refuses revoked keys at once, and the next proxy-creds run gets a fresh one', async () => {
    const keys = await agentKeys(proxy, 'revokee');
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
    const listed = await run(process.execPath, [PROXY_BIN, 'keys'], proxy.agentEnv);
    expect(listed.stdout).toMatch(new RegExp(`^${keys.accessKeyId}  agent=revokee  expires=\\S+Z$`, 'm'));
    expect(listed.stdout).not.toContain(keys.secretAccessKey);
    const revoke = await run(process.execPath, [PROXY_BIN, 'revoke', '--agent', 'revokee'], proxy.agentEnv);
    expect(revoke.stdout).toContain(`revoked ${keys.accessKeyId}`);
    upstream.reset();
    const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('InvalidClientTokenId');
    expect(res.body).toContain('revoked');
    expect(upstream.requests).toEqual([]);
    const fresh = await agentKeys(proxy, 'revokee');
    expect(fresh.accessKeyId).not.toBe(keys.accessKeyId);
  });

  it('keeps serving after malformed requests', async () => {
    const keys = await agentKeys(proxy);
    const garbage = [
      { headers: { authorization: 'AWS4-HMAC-SHA256 garbage' } },
      { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=zz' } },
      { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/20250101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': 'not-a-date' } },
      { path: '/%%%', headers: { authorization: 'Bearer x' } },
    ];
    for (const extra of garbage) {
      const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, ...extra });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(code(res.body)).toBeDefined();
    }
    for (const target of ['example.com:abc', 'nocolon', '[::1]:99999', ':443', 'sts.amazonaws.com']) {
      expect(await rawExchange(proxy.port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(await rawExchange(proxy.port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(upstream.requests).toEqual([]);
    expect((await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: keys })).status).toBe(200);
  });
});

describe('real clients see AWS error codes they can parse', () => {
  const badProfile = (home: string, accessKeyId: string) => {
    const config = join(home, 'bad-config');
    require('node:fs').writeFileSync(
      config,
      `[profile bad]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = wrong-secret\nca_bundle = ${join(proxy.stateDir, 'ca.pem')}\n`,
    );
    return { ...proxy.agentEnv, AWS_PROFILE: 'bad', AWS_CONFIG_FILE: config };
  };

  it('AWS CLI reports InvalidClientTokenId for an unknown key and SignatureDoesNotMatch for a wrong secret', async () => {
    const unknown = await run(AWS_CLI, ['sts', 'get-caller-identity'], badProfile(proxy.home, 'AKIAPROXYUNKNOWN0000'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('(InvalidClientTokenId)');
    const keys = await agentKeys(proxy);
    const wrong = await run(AWS_CLI, ['sts', 'get-caller-identity'], badProfile(proxy.home, keys.accessKeyId));
    expect(wrong.stderr).toContain('(SignatureDoesNotMatch)');
    const s3 = await run(AWS_CLI, ['s3', 'ls'], badProfile(proxy.home, keys.accessKeyId));
    expect(s3.stderr).toContain('SignatureDoesNotMatch');
    expect(upstream.requests).toEqual([]);
  });

  it('boto3 reports the error code for XML and JSON services', async () => {
    const keys = await agentKeys(proxy);
    const env = badProfile(proxy.home, keys.accessKeyId);
    const script = join(REPO, 'tests-integration/clients/boto3_client.py');
    expect(JSON.parse((await run(PYTHON, [script, 'identity'], env)).stdout)).toEqual({ error: 'SignatureDoesNotMatch', status: 403 });
    expect(JSON.parse((await run(PYTHON, [script, 'dynamodb'], env)).stdout)).toEqual({ error: 'SignatureDoesNotMatch', status: 403 });
    expect(upstream.requests).toEqual([]);
  });

  it('logs refused requests', async () => {
    await proxy.waitForStdout(/REFUSED  sts:GetCallerIdentity \(SignatureDoesNotMatch\)$/);
  });
});
