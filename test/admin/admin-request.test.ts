import { describe, expect, it } from 'vitest';
import { checkAdminRequest } from '../../src/admin/admin-request.js';

const PORT = 9100;
const get = (url: string, headers: Record<string, string> = {}) => checkAdminRequest({ method: 'GET', url, headers: { host: `127.0.0.1:${PORT}`, ...headers } }, PORT);

describe('checkAdminRequest', () => {
  it('serves GET /healthz and GET /metrics on 127.0.0.1 or localhost at its own port; a query is ignored', () => {
    expect(get('/healthz')).toEqual({ route: 'healthz' });
    expect(get('/metrics')).toEqual({ route: 'metrics' });
    expect(get('/metrics?name[]=x')).toEqual({ route: 'metrics' });
    expect(get('/metrics', { host: `LOCALHOST:${PORT}` })).toEqual({ route: 'metrics' });
  });

  it('refuses a browser: any Origin header, even a loopback one', () => {
    expect(get('/metrics', { origin: 'http://evil.example' })).toMatchObject({ status: 403, message: expect.stringContaining('Origin') });
    expect(get('/metrics', { origin: `http://127.0.0.1:${PORT}` })).toMatchObject({ status: 403 });
  });

  it.each(['evil.example:9100', `evil.example`, '127.0.0.1', '127.0.0.1:9101', '[::1]:9100', '127.0.0.2:9100', '0.0.0.0:9100'])('refuses Host %s (DNS rebinding)', (host) => {
    expect(get('/metrics', { host })).toMatchObject({ status: 403, message: `the Host header must be 127.0.0.1:${PORT} or localhost:${PORT}` });
  });

  it('refuses a missing Host', () => {
    expect(checkAdminRequest({ method: 'GET', url: '/metrics', headers: {} }, PORT)).toMatchObject({ status: 403 });
  });

  it('answers 405 to anything but GET, 400 to a GET with a body, 404 to any other path', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      expect(checkAdminRequest({ method, url: '/metrics', headers: { host: `127.0.0.1:${PORT}` } }, PORT)).toEqual({ status: 405, message: 'only GET is served', headers: { allow: 'GET' } });
    }
    expect(get('/metrics', { 'content-length': '5' })).toMatchObject({ status: 400 });
    expect(get('/metrics', { 'transfer-encoding': 'chunked' })).toMatchObject({ status: 400 });
    expect(get('/metrics', { 'content-length': '0' })).toEqual({ route: 'metrics' });
    for (const url of ['/', '/metrics/', '/healthz/x', '/Metrics', '/agents/default', '//metrics', 'metrics', '/toString', '/__proto__']) {
      expect(get(url)).toMatchObject({ status: 404 });
    }
  });
});
