import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, describeInbound, readBody } from '../../../src/pipeline/intercept/inbound.js';

function message(url: string, headers: Record<string, string>, chunks: string[] = []): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.method = 'PUT';
  req.headers = headers;
  for (const chunk of chunks) req.push(Buffer.from(chunk));
  req.push(null);
  return req;
}

describe('describeInbound', () => {
  it('keeps the raw path and query of an origin-form target', () => {
    expect(describeInbound(message('/b/a%20b?x=1+2', { host: 'S3.AmazonAWS.com:443' }))).toMatchObject({
      method: 'PUT',
      target: '/b/a%20b?x=1+2',
      rawPath: '/b/a%20b',
      rawQuery: 'x=1+2',
      hostname: 's3.amazonaws.com',
    });
  });

  it('turns an absolute-form proxy target into origin form', () => {
    expect(describeInbound(message('http://sts.amazonaws.com/?Action=X', { host: 'sts.amazonaws.com' }))).toMatchObject({ target: '/?Action=X', rawPath: '/' });
  });
});

describe('readBody', () => {
  it('reads every chunk', async () => {
    expect((await readBody(message('/', {}, ['ab', 'cd']), 10)).toString()).toBe('abcd');
  });

  it('refuses a body over the limit, declared or actual', async () => {
    await expect(readBody(message('/', { 'content-length': '11' }), 10)).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(readBody(message('/', {}, ['123456', '789012']), 10)).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});
