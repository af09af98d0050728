import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveAdmin, type AdminListener } from '../../src/admin/admin-server.js';
import { loopbackRequest, type HttpAnswer } from '../../tests-integration/support/loopback-http.js';

let listener: AdminListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

const handlers = {
  health: () => '{"status":"ok"}\n',
  metrics: async () => ({ body: 'iam_agent_proxy_up 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
};

/** GET /metrics unless told otherwise. */
function request(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; address?: string } = {}): Promise<HttpAnswer> {
  return loopbackRequest(port, { path: '/metrics', ...options });
}

describe('serveAdmin', () => {
  it('serves /metrics and /healthz on a free port of 127.0.0.1 with no caching', async () => {
    listener = await serveAdmin({ port: 0 }, handlers);
    const metrics = await request(listener.port);
    expect(metrics).toMatchObject({ status: 200, body: 'iam_agent_proxy_up 1\n' });
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.headers['cache-control']).toBe('no-store');
    const health = await request(listener.port, { path: '/healthz' });
    expect(health).toMatchObject({ status: 200, body: '{"status":"ok"}\n' });
    expect(health.headers['content-type']).toBe('application/json');
  });

  it('refuses an Origin, a foreign Host, another method and another path', async () => {
    listener = await serveAdmin({ port: 0 }, handlers);
    const { port } = listener;
    expect((await request(port, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    const rebound = await request(port, { headers: { host: `evil.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('iam_agent_proxy');
    const post = await request(port, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect((await request(port, { path: '/' })).status).toBe(404);
  });

  it('listens on 127.0.0.1 only: not on another address of the machine', async () => {
    listener = await serveAdmin({ port: 0 }, handlers);
    await expect(request(listener.port, { address: '127.0.0.2' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('answers 500 when the metrics cannot be collected, and keeps serving', async () => {
    let broken = true;
    listener = await serveAdmin({ port: 0 }, { ...handlers, metrics: async () => (broken ? Promise.reject(new Error('collect failed')) : handlers.metrics()) });
    expect(await request(listener.port)).toMatchObject({ status: 500, body: 'the proxy could not answer: collect failed\n' });
    broken = false;
    expect((await request(listener.port)).status).toBe(200);
  });

  it('says what to do when the port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(serveAdmin({ port }, handlers)).rejects.toThrow(`PROXY_ADMIN_PORT ${port} is in use on 127.0.0.1: pick another port, or 0 for any free one`);
    } finally {
      taken.close();
    }
  });
});
