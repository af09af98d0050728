import { describe, expect, it } from 'vitest';
import { loopbackHost } from '../../src/net/loopback-host.js';

describe('loopbackHost', () => {
  it.each(['127.0.0.1:9000', 'localhost:9000', 'LOCALHOST:9000'])('%s names the listener on 9000', (host) => {
    expect(loopbackHost(host, 9000)).toBe(true);
  });

  it.each([
    ['another port', '127.0.0.1:9001'],
    ['no port', '127.0.0.1'],
    ['a rebound name', 'evil.example:9000'],
    ['another loopback address', '127.0.0.2:9000'],
    ['IPv6 loopback (not bound)', '[::1]:9000'],
    ['absent', undefined],
    ['repeated', ['127.0.0.1:9000', '127.0.0.1:9000']],
  ])('%s does not', (_case, host) => {
    expect(loopbackHost(host as string | string[] | undefined, 9000)).toBe(false);
  });
});
