import { describe, expect, it } from 'vitest';
import { healthBody, trackCredentials } from '../../src/admin/health.js';

describe('trackCredentials', () => {
  it('remembers how the last lookup went, and passes credentials and errors through unchanged', async () => {
    let fail = false;
    const credentials = { accessKeyId: 'AKIAREAL', secretAccessKey: 'secret' };
    const tracked = trackCredentials({ get: async () => (fail ? Promise.reject(new Error('no credentials')) : credentials) });
    expect(tracked.health()).toBe('unknown');
    await expect(tracked.source.get()).resolves.toBe(credentials);
    expect(tracked.health()).toBe('ok');
    fail = true;
    await expect(tracked.source.get()).rejects.toThrow('no credentials');
    expect(tracked.health()).toBe('failing');
    fail = false;
    await tracked.source.get();
    expect(tracked.health()).toBe('ok');
  });
});

describe('healthBody', () => {
  it('is one JSON line: status, mode, whole seconds up, upstream credentials', () => {
    const body = healthBody({ mode: 'enforce', startedAt: 1_000, now: 62_999, upstreamCredentials: 'failing' });
    expect(body.endsWith('\n')).toBe(true);
    expect(JSON.parse(body)).toEqual({ status: 'ok', mode: 'enforce', uptimeSeconds: 61, upstreamCredentials: 'failing' });
  });
});
