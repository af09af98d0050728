/**
 * The floor under the proxy's cost, for the bench: the same front door (CONNECT answered, TLS
 * terminated on the tunnel with a leaf from src/tls, Node's http server) and the same way upstream
 * (https.request on a keep-alive agent, the answer piped back), with nothing in between: no
 * verification, resolution, decision, re-signing or log. The client's own signature goes upstream as
 * it is. Run as a child process: prints `{ port, caPem }` as a JSON line, serves until killed.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { loadOrCreateCa } from '../../dist/tls/certificate-authority.js';
import { LeafCertificates } from '../../dist/tls/leaf-certificates.js';

const upstreamPort = Number(process.argv[2]);
const ca = loadOrCreateCa(mkdtempSync(join(tmpdir(), 'iap-bench-floor-')));
const leaves = new LeafCertificates(ca);
const agent = new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te']);

const inner = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP.has(name)) headers[name] = value;
  const up = https.request({ method: req.method, hostname: '127.0.0.1', port: upstreamPort, path: req.url, headers, agent, rejectUnauthorized: false }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP.has(name)) out[name] = value;
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
const front = createServer();
front.on('connect', (req, socket: Socket, head: Buffer) => {
  const hostname = (req.url ?? '').split(':')[0]!;
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length) socket.unshift(head);
  const tls = new TLSSocket(socket, { isServer: true, secureContext: leaves.forHost(hostname).secureContext, ALPNProtocols: ['http/1.1'] });
  tls.on('error', () => socket.destroy());
  inner.emit('connection', tls);
});
front.listen(0, '127.0.0.1', () => {
  const { port } = front.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port, caPem: ca.certPem })}\n`);
});
