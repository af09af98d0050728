import { describe, expect, it } from 'vitest';
import { upstreamTargetFor } from '../../../src/pipeline/forward/forward.js';
import { DEFAULT_TIMEOUT_SETTINGS } from '../../../src/pipeline/forward/timeouts.js';

describe('upstreamTargetFor', () => {
  it('goes to the AWS host itself on 443 by default', () => {
    expect(upstreamTargetFor('sts.amazonaws.com', undefined)).toEqual({ protocol: 'https:', hostname: 'sts.amazonaws.com', port: 443, timeouts: DEFAULT_TIMEOUT_SETTINGS });
    const timeouts = { connectMs: 1, responseMs: 2 };
    expect(upstreamTargetFor('sts.amazonaws.com', undefined, timeouts).timeouts).toBe(timeouts);
  });

  it('goes to PROXY_UPSTREAM_ENDPOINT when set, with default ports per scheme', () => {
    expect(upstreamTargetFor('sts.amazonaws.com', new URL('https://127.0.0.1:4566'))).toEqual({ protocol: 'https:', hostname: '127.0.0.1', port: 4566, timeouts: DEFAULT_TIMEOUT_SETTINGS });
    expect(upstreamTargetFor('sts.amazonaws.com', new URL('http://localstack'))).toEqual({ protocol: 'http:', hostname: 'localstack', port: 80, timeouts: DEFAULT_TIMEOUT_SETTINGS });
    expect(upstreamTargetFor('sts.amazonaws.com', new URL('https://[::1]:8443'))).toEqual({ protocol: 'https:', hostname: '::1', port: 8443, timeouts: DEFAULT_TIMEOUT_SETTINGS });
  });
});
