import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { expect, it } from 'vitest';
import { startFakeAws } from './support/fake-aws.js';
import { REAL, startProxy } from './support/proxy-process.js';
import { agentKeys, GET_CALLER_IDENTITY, sendThroughProxy } from './support/raw-client.js';
it('keeps serving after dropped tunnels, half handshakes, garbage, oversized headers and cut-off bodies', async () => {
  const upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  const proxy = await startProxy({ upstream });
  await new Promise((r) => setTimeout(r, 300)); // the startup account-id lookup
  upstream.reset();
  const ca = readFileSync(join(proxy.stateDir, 'ca.pem'));
  const tunnel = () => new Promise<import('node:net').Socket>((resolve, reject) => {
    const req = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: 'sts.amazonaws.com:443' });
    req.on('connect', (_res, socket) => resolve(socket)); req.on('error', reject); req.end();
  });
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    jobs.push((async () => {
      const raw = await tunnel();
      const kind = i % 5;
      if (kind === 0) { raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02])); raw.destroy(); return; } // half a ClientHello
      if (kind === 1) { raw.destroy(); return; }
      const tls = tlsConnect({ socket: raw, servername: 'sts.amazonaws.com', ca });
      await new Promise((r) => tls.once('secureConnect', r));
      if (kind === 2) { tls.write('POST / HTTP/1.1\r\nHost: sts.amazonaws.com\r\nContent-Length: 1000\r\nAuthorization: x\r\n\r\npartial'); tls.destroy(); return; }
      if (kind === 3) { tls.write('NOT HTTP AT ALL\r\n\r\n'); await new Promise((r) => setTimeout(r, 50)); tls.destroy(); return; }
      tls.write(`GET / HTTP/1.1\r\nHost: sts.amazonaws.com\r\n${'X-Big: ' + 'a'.repeat(20000)}\r\n\r\n`); await new Promise((r) => setTimeout(r, 50)); tls.destroy();
    })().catch(() => undefined));
  }
  jobs.push(new Promise<void>((resolve) => { const s = connect(proxy.port, '127.0.0.1', () => { s.write('CONNECT sts.amazonaws.com:443 HTTP/1.1\r\n'); s.destroy(); resolve(); }); }));
  await Promise.all(jobs);
  await new Promise((r) => setTimeout(r, 500));
  const res = await sendThroughProxy(proxy, { ...GET_CALLER_IDENTITY, signWith: await agentKeys(proxy) });
  expect(res.status).toBe(200);
  expect(proxy.child.exitCode).toBeNull();
  expect(upstream.requests).toHaveLength(1); // only the well-formed request reached upstream
  await proxy.stop(); await upstream.close();
}, 60000);
