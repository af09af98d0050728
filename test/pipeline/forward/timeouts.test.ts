import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_SETTINGS, timeoutsFor, UpstreamTimeoutError } from '../../../src/pipeline/forward/timeouts.js';
import { upstreamFailure } from '../../../src/pipeline/forward/upstream-failure.js';

const settings = { connectMs: 1000, responseMs: 2000, longResponseMs: 9000 };

describe('timeoutsFor', () => {
  it('gives ordinary calls the response limit', () => {
    expect(timeoutsFor({ service: 's3', operation: 'GetObject' }, settings)).toStrictEqual({ connectMs: 1000, responseMs: 2000 });
    expect(timeoutsFor({ service: 'sqs', operation: 'ReceiveMessage' }, settings).responseMs).toBe(2000);
    expect(timeoutsFor(undefined, settings).responseMs).toBe(2000);
  });

  it.each([
    ['lambda', 'Invoke'],
    ['lambda', 'InvokeWithResponseStream'],
    ['bedrock-runtime', 'InvokeModel'],
    ['bedrock-runtime', 'ConverseStream'],
    ['bedrock-agent-runtime', 'InvokeAgent'],
  ])('gives %s:%s, which answers only when done, the long limit', (service, operation) => {
    expect(timeoutsFor({ service, operation }, settings)).toStrictEqual({ connectMs: 1000, responseMs: 9000 });
  });

  it('matches the service exactly (an inherited name is not an entry)', () => {
    expect(timeoutsFor({ service: 'constructor', operation: 'Invoke' }, settings).responseMs).toBe(2000);
    expect(timeoutsFor({ service: 'lambda', operation: 'ListFunctions' }, settings).responseMs).toBe(2000);
  });

  it('defaults answer well inside botocore 60 s read timeout', () => {
    expect(DEFAULT_TIMEOUT_SETTINGS.responseMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_TIMEOUT_SETTINGS.connectMs).toBeLessThan(DEFAULT_TIMEOUT_SETTINGS.responseMs);
  });
});

describe('upstreamFailure', () => {
  const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('a limit: 504 GatewayTimeout naming the setting', () => {
    expect(upstreamFailure('sts.amazonaws.com', new UpstreamTimeoutError('response', 30_000))).toStrictEqual({
      status: 504,
      code: 'GatewayTimeout',
      message: 'iam-agent-proxy: sts.amazonaws.com did not answer within 30 s (PROXY_UPSTREAM_TIMEOUT_MS)',
    });
    expect(upstreamFailure('h', new UpstreamTimeoutError('connect', 1500)).message).toBe('iam-agent-proxy: h did not accept a connection within 1.5 s (PROXY_UPSTREAM_CONNECT_TIMEOUT_MS)');
    expect(upstreamFailure('h', new UpstreamTimeoutError('body', 2000)).message).toBe('iam-agent-proxy: h stopped sending its answer within 2 s (PROXY_UPSTREAM_TIMEOUT_MS)');
  });

  it.each([
    ['ECONNREFUSED', 'refused the connection'],
    ['ECONNRESET', 'reset the connection'],
    ['ENOTFOUND', 'could not be resolved'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'failed the TLS handshake (UNABLE_TO_VERIFY_LEAF_SIGNATURE): check the system CA store and NODE_EXTRA_CA_CERTS of the proxy'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'failed the TLS handshake'],
    ['EHOSTUNREACH', 'could not be reached (EHOSTUNREACH)'],
  ])('%s: 502 BadGateway, %s', (code, why) => {
    const failure = upstreamFailure('s3.amazonaws.com', errno(code));
    expect(failure.status).toBe(502);
    expect(failure.code).toBe('BadGateway');
    expect(failure.message).toContain(`iam-agent-proxy: s3.amazonaws.com ${why}`);
  });
});
