import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { REAL, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let proxy: ProxyRun;
let target: Server;
const received: Buffer[] = [];
beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  target = createServer((socket) => {
    socket.on('data', (chunk) => {
      received.push(chunk);
      socket.write(Buffer.concat([Buffer.from('echo:'), chunk]));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => target.once('listening', r));
  // allow-all admits a loopback host only when the allowlist names it exactly.
  const allowlist = join(mkdtempSync(join(tmpdir(), 'iap-egress-')), 'egress-allowlist');
  writeFileSync(allowlist, `127.0.0.1:${(target.address() as AddressInfo).port}\n`);
  proxy = await startProxy({ upstream, env: { PROXY_EGRESS_ALLOWLIST: allowlist } });
  await new Promise((r) => setTimeout(r, 300)); // let the startup account-id lookup finish
  upstream.reset();
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

it('tunnels a CONNECT to a non-AWS host untouched (no interception, no re-signing)', async () => {
  const port = (target.address() as AddressInfo).port;
  // Bytes that look like a TLS ClientHello start: an intercepting proxy would try to terminate them.
  const payload = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const connect = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: `127.0.0.1:${port}` });
    connect.on('connect', (res, socket) => {
      expect(res.statusCode).toBe(200);
      socket.write(payload);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data);
      });
    });
    connect.on('error', reject);
    connect.end();
  });
  target.close();
  expect(Buffer.concat(received)).toEqual(payload);
  expect(reply).toEqual(Buffer.concat([Buffer.from('echo:'), payload]));
  expect(upstream.requests).toEqual([]);
});
