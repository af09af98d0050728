import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketProbe, refusalAfterProbe, unsignedRefusal } from '../../../src/pipeline/respond/unsigned-probe.js';
import type { ResolvedCall } from '../../../src/pipeline/resolve/types.js';
import { resolveCase } from '../../support/resolve-case.js';

/** The call the proxy resolves for an (unsigned) request: what the hook sees. */
async function callFor(method: string, host: string, path: string): Promise<ResolvedCall> {
  const resolution = await resolveCase({ method, host, path });
  if (!resolution.ok) throw new Error(`${method} ${host}${path} did not resolve`);
  return resolution.call;
}

const probeOf = async (method: string, host: string, path: string) => bucketProbe(method, path.split('?')[0]!, await callFor(method, host, path));

describe('bucketProbe', () => {
  it('probes HEAD and GET of a bucket, path style and in the host name, with HEAD on the bucket alone', async () => {
    expect(await probeOf('HEAD', 's3.amazonaws.com', '/my-bucket')).toEqual({ hostname: 's3.amazonaws.com', target: '/my-bucket' });
    expect(await probeOf('HEAD', 'my-bucket.s3.amazonaws.com', '/')).toEqual({ hostname: 'my-bucket.s3.amazonaws.com', target: '/' });
    expect(await probeOf('GET', 's3.us-east-1.amazonaws.com', '/my-bucket?list-type=2&prefix=')).toEqual({ hostname: 's3.us-east-1.amazonaws.com', target: '/my-bucket' });
    expect(await probeOf('GET', 'my.dotted.bucket.s3.eu-west-1.amazonaws.com', '/?location')).toEqual({ hostname: 'my.dotted.bucket.s3.eu-west-1.amazonaws.com', target: '/' });
  });

  it('does not probe objects, the bucket list, access points, other methods or other services', async () => {
    expect(await probeOf('HEAD', 's3.amazonaws.com', '/my-bucket/key')).toBeUndefined();
    expect(await probeOf('GET', 'my-bucket.s3.amazonaws.com', '/key')).toBeUndefined();
    expect(await probeOf('GET', 's3.amazonaws.com', '/')).toBeUndefined();
    expect(await probeOf('HEAD', 'ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com', '/')).toBeUndefined();
    expect(await probeOf('DELETE', 's3.amazonaws.com', '/my-bucket')).toBeUndefined();
    expect(await probeOf('PUT', 's3.amazonaws.com', '/my-bucket')).toBeUndefined();
    expect(await probeOf('GET', 'sqs.us-east-1.amazonaws.com', '/?Action=ListQueues')).toBeUndefined();
  });
});

describe('refusalAfterProbe', () => {
  it('keeps a 301 and the region; anything else is the 403 refusal with the region', () => {
    expect(refusalAfterProbe(301, { 'x-amz-bucket-region': 'eu-west-1' })).toMatchObject({ error: { status: 301, code: 'PermanentRedirect' }, region: 'eu-west-1' });
    for (const status of [200, 307, 400, 403]) {
      expect(refusalAfterProbe(status, { 'x-amz-bucket-region': 'us-gov-west-1' })).toMatchObject({ error: { status: 403, code: 'MissingAuthenticationToken' }, region: 'us-gov-west-1' });
    }
  });

  it('relays nothing without a well-formed region', () => {
    expect(refusalAfterProbe(301, {})).toBeUndefined();
    expect(refusalAfterProbe(404, { 'x-amz-request-id': 'x' })).toBeUndefined();
    for (const region of ['eu-west-1\r\nx-evil: 1', 'EU', '<b>', 'eu-west-1, us-east-1']) expect(refusalAfterProbe(403, { 'x-amz-bucket-region': region })).toBeUndefined();
  });
});

describe('unsignedRefusal', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A stand-in for S3 on plain HTTP that records what reached it. */
  async function fakeS3(answer: (req: IncomingMessage) => { status: number; headers: Record<string, string> } | undefined, seen: IncomingMessage[]) {
    server = createServer((req, res) => {
      seen.push(req);
      const reply = answer(req);
      if (reply) res.writeHead(reply.status, reply.headers).end('<Error><Code>PermanentRedirect</Code><Endpoint>secret</Endpoint></Error>');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { protocol: 'http:' as const, hostname: '127.0.0.1', port: (server.address() as AddressInfo).port };
  }

  it('sends HEAD on the bucket with a Host header only and relays the region and 301, nothing else', async () => {
    const seen: IncomingMessage[] = [];
    const target = await fakeS3(() => ({ status: 301, headers: { 'x-amz-bucket-region': 'eu-west-1', location: 'https://elsewhere', 'x-amz-id-2': 'upstream' } }), seen);
    const call = await callFor('GET', 's3.amazonaws.com', '/my-bucket?list-type=2');
    const refusal = await unsignedRefusal('GET', '/my-bucket', call, target);
    expect(seen.map((r) => [r.method, r.url, Object.keys(r.headers).filter((h) => h !== 'connection')])).toEqual([['HEAD', '/my-bucket', ['host']]]);
    expect(seen[0]!.headers.host).toBe('s3.amazonaws.com');
    expect(refusal).toMatchObject({ status: 301, code: 'PermanentRedirect', headers: { 'x-amz-bucket-region': 'eu-west-1' } });
    expect(refusal.headers).not.toHaveProperty('location');
    expect(refusal.headers).not.toHaveProperty('x-amz-id-2');
    expect(refusal.body.toString()).toContain('<Code>PermanentRedirect</Code>');
    expect(refusal.body.toString()).not.toContain('secret');
  });

  it('answers HEAD with no body', async () => {
    const target = await fakeS3(() => ({ status: 403, headers: { 'x-amz-bucket-region': 'us-west-2' } }), []);
    const refusal = await unsignedRefusal('HEAD', '/my-bucket', await callFor('HEAD', 's3.amazonaws.com', '/my-bucket'), target);
    expect(refusal).toMatchObject({ status: 403, code: 'MissingAuthenticationToken', headers: { 'x-amz-bucket-region': 'us-west-2', 'content-length': '0' } });
  });

  it('falls back to the plain refusal when upstream does not answer in time, or cannot be reached', async () => {
    const target = await fakeS3(() => undefined, []);
    const call = await callFor('HEAD', 's3.amazonaws.com', '/my-bucket');
    const started = performance.now();
    const slow = await unsignedRefusal('HEAD', '/my-bucket', call, target, 200);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(slow).toMatchObject({ status: 403, code: 'MissingAuthenticationToken' });
    expect(slow.headers).not.toHaveProperty('x-amz-bucket-region');
    server!.closeAllConnections();
    const unreachable = await unsignedRefusal('HEAD', '/my-bucket', call, { protocol: 'http:', hostname: '127.0.0.1', port: 1 });
    expect(unreachable).toMatchObject({ status: 403, code: 'MissingAuthenticationToken' });
  });

  it('never probes for a call that is no bucket probe', async () => {
    const seen: IncomingMessage[] = [];
    const target = await fakeS3(() => ({ status: 301, headers: { 'x-amz-bucket-region': 'eu-west-1' } }), seen);
    const refusal = await unsignedRefusal('GET', '/my-bucket/key', await callFor('GET', 's3.amazonaws.com', '/my-bucket/key'), target);
    expect(refusal).toMatchObject({ status: 403, code: 'MissingAuthenticationToken' });
    expect(seen).toEqual([]);
  });
});
