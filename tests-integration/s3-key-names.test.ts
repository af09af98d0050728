/**
 * S3 object keys that every layer could encode, decode or normalise differently, sent by real
 * clients (AWS CLI v2, boto3, the JS SDK v3) through the real proxy to the fake S3. Each object must
 * land under exactly its key, from the path as the client sent it: none of these clients (at the
 * versions on this machine) rewrites `//`, `./` or `../` in a key, so the test expects them on the wire.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { AWS_CLI, PYTHON, run, type ProxyRun } from './support/proxy-process.js';

/** Keys a local file can be named after (for `aws s3 cp --recursive`). */
const FILE_KEYS = ['with space.txt', 'caf\u00e9/\u2713 \u65e5\u672c.txt', 'a+b.txt', 'x=1/y=2.txt', 'tilde~name', '100%.txt', "sub!$&'()*,;:@.txt"];
/** Keys with segments S3 keeps and a path normaliser would not. */
const PATH_KEYS = ['double//slash', 'dot/./segment', 'up/../dotdot', '/leading'];
const ALL_KEYS = [...FILE_KEYS, ...PATH_KEYS];
const MIXED = 'mixed//dir/./sub/../x y+z=1~2%3 \u2713.txt';

let upstream: FakeAws;
let proxy: ProxyRun;

proxyInFrontOfFakeAws((run) => void ({ upstream, proxy } = run));

/** The path the SDKs put on the wire for a key: each segment percent-encoded, unreserved characters (and `/`) as they are. */
const wirePath = (key: string) => key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

/** Every request reached the fake re-signed and verified, and these keys were PUT there under exactly their path. */
function expectPutAsSent(host: string, keys: string[]): void {
  expect(upstream.requests.filter((r) => !r.verified || r.failure).map((r) => `${r.method} ${r.path}: ${r.failure}`)).toEqual([]);
  const puts = upstream.requests.filter((r) => r.method === 'PUT').map((r) => `${r.host}${r.path.replace(/\?x-id=PutObject$/, '')}`);
  expect(puts.sort()).toEqual(keys.map((key) => `${host}/${wirePath(key)}`).sort());
}

const objectKeys = (prefix: string) => [...upstream.objects.keys()].filter((id) => id.startsWith(`test-bucket/${prefix}`)).map((id) => id.slice('test-bucket/'.length)).sort();

describe('AWS CLI v2', () => {
  const host = 'test-bucket.s3.us-east-1.amazonaws.com';

  it('s3api put-object and s3 cp store the key exactly, dot segments and double slashes included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-keys-'));
    writeFileSync(join(dir, 'body.txt'), 'body');
    const put = await run(AWS_CLI, ['s3api', 'put-object', '--bucket', 'test-bucket', '--key', `cli/${MIXED}`, '--body', join(dir, 'body.txt')], proxy.agentEnv);
    expect(put.stderr).toBe('');
    const cp = await run(AWS_CLI, ['s3', 'cp', join(dir, 'body.txt'), `s3://test-bucket/cp/${MIXED}`], proxy.agentEnv);
    expect(cp.stderr).toBe('');
    expectPutAsSent(host, [`cli/${MIXED}`, `cp/${MIXED}`]);
    expect(objectKeys('c')).toEqual([`cli/${MIXED}`, `cp/${MIXED}`]);
  });

  it('s3 cp --recursive uploads every file under its name as the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iap-keys-'));
    for (const key of FILE_KEYS) {
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), key);
    }
    const cp = await run(AWS_CLI, ['s3', 'cp', '--recursive', dir, 's3://test-bucket/tree/'], proxy.agentEnv);
    expect(cp.stderr).toBe('');
    expectPutAsSent(host, FILE_KEYS.map((key) => `tree/${key}`));
    for (const key of FILE_KEYS) expect(upstream.objects.get(`test-bucket/tree/${key}`)?.toString()).toBe(key);
  });

  it('s3api list-objects-v2 with empty parameters (prefix=, start-after=, delimiter=) lists the keys', async () => {
    for (const key of ALL_KEYS) upstream.objects.set(`test-bucket/list/${key}`, Buffer.from(key));
    const list = await run(AWS_CLI, ['s3api', 'list-objects-v2', '--bucket', 'test-bucket', '--prefix', '', '--start-after', '', '--delimiter', '', '--output', 'json'], proxy.agentEnv);
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as { Contents: Array<{ Key: string }> }).Contents.map((o) => o.Key).sort()).toEqual(ALL_KEYS.map((key) => `list/${key}`).sort());
    const get = upstream.requests.find((r) => r.method === 'GET');
    expect(get?.path).toMatch(/^\/\?(?=.*&prefix=&)(?=.*&start-after=&)(?=.*[?&]delimiter=&)/);
    expect(get?.verified).toBe(true);
  });
});

describe('boto3', () => {
  const script = `
import boto3, json, os
s3 = boto3.client('s3')
out = {}
for key in json.loads(os.environ['KEYS']):
    s3.put_object(Bucket='test-bucket', Key=key, Body=key.encode())
    out[key] = s3.get_object(Bucket='test-bucket', Key=key)['Body'].read().decode()
print(json.dumps(out))
`;

  it('put_object and get_object round-trip every key byte for byte', async () => {
    const keys = [...ALL_KEYS, MIXED].map((key) => `boto3/${key}`);
    const result = await run(PYTHON, ['-c', script], { ...proxy.agentEnv, KEYS: JSON.stringify(keys) });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(Object.fromEntries(keys.map((key) => [key, key])));
    expectPutAsSent('test-bucket.s3.amazonaws.com', keys);
    expect(objectKeys('boto3/')).toEqual([...keys].sort());
  });

  it('a repeated query parameter signed with both values is refused, as S3 refuses it (S3 signs only the first)', async () => {
    const repeated = `
import boto3
from botocore.exceptions import ClientError
s3 = boto3.client('s3')
s3.meta.events.register('before-sign.s3.ListObjectsV2', lambda request, **_: setattr(request, 'url', request.url + '&x-repeat=1&x-repeat=2&x-empty='))
try:
    s3.list_objects_v2(Bucket='test-bucket', Prefix='')
    print('listed')
except ClientError as error:
    print(error.response['Error']['Code'])
`;
    const result = await run(PYTHON, ['-c', repeated], proxy.agentEnv);
    expect(result.stdout.trim()).toBe('SignatureDoesNotMatch');
    expect(upstream.requests.filter((r) => r.host.startsWith('test-bucket.'))).toEqual([]);
  });
});

describe('AWS SDK for JavaScript v3', () => {
  const script = `
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';
const s3 = new S3Client({ requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) }) });
const out = { bodies: {} };
for (const key of JSON.parse(process.env.KEYS)) {
  await s3.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: key, Body: key }));
  out.bodies[key] = await (await s3.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: key }))).Body.transformToString();
}
out.listed = (await s3.send(new ListObjectsV2Command({ Bucket: 'test-bucket', Prefix: 'js/', StartAfter: '' }))).Contents.map((o) => o.Key);
console.log(JSON.stringify(out));
`;

  it('PutObject, GetObject and ListObjectsV2 (with an empty start-after=) agree on every key', async () => {
    const keys = [...ALL_KEYS, MIXED].map((key) => `js/${key}`);
    // Run from the repository, where the SDK is installed; NODE_EXTRA_CA_CERTS (agentEnv) trusts the proxy's CA.
    const result = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { ...proxy.agentEnv, KEYS: JSON.stringify(keys) });
    const out = JSON.parse(result.stdout) as { bodies: Record<string, string>; listed: string[] };
    expect(out.bodies).toEqual(Object.fromEntries(keys.map((key) => [key, key])));
    expect(out.listed.sort()).toEqual([...keys].sort());
    expectPutAsSent('test-bucket.s3.us-east-1.amazonaws.com', keys);
    expect(upstream.requests.find((r) => r.path.includes('list-type=2'))?.path).toMatch(/[?&]start-after=(&|$)/);
  });
});
