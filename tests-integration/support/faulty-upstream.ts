import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeAws } from './fake-aws.js';
import { createTestCa } from './test-ca.js';

/** What the faulty upstream answers every STS call with when all is well. */
export const IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/real</Arn><UserId>AIDAREAL</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

/** ok; hang (never answers); 503; reset-mid and stall-body (headers and a little, then a cut or nothing); slow (ok after a second); big (BIG_BODY_BYTES at once). */
export type Mode = 'ok' | 'hang' | 'reset-mid' | 'stall-body' | '503' | 'slow' | 'big';

export const BIG_BODY_BYTES = 8 * 1024 * 1024;

export interface FaultyUpstream {
  server: Server;
  /** To pass as startProxy's upstream: only `endpoint` and `caFile` are real. */
  upstream: FakeAws;
  setMode(mode: Mode): void;
  /** Requests that reached it. */
  received(): number;
  close(): void;
}

/** An HTTPS upstream whose next answers follow `mode`; it verifies nothing (signatures are tested elsewhere). */
export async function faultyUpstream(): Promise<FaultyUpstream> {
  const ca = createTestCa(mkdtempSync(join(tmpdir(), 'iap-faulty-')));
  let mode: Mode = 'ok';
  let received = 0;
  const sockets = new Set<Socket>();
  const answer = (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/xml' }).end(IDENTITY);
  const server = createServer({ key: ca.serverKeyPem, cert: ca.serverCertPem }, (req, res) => {
    received++;
    req.resume();
    req.on('end', () => {
      if (mode === 'ok') return void answer(res);
      if (mode === 'slow') return void setTimeout(() => answer(res), 1000);
      if (mode === 'hang') return;
      if (mode === 'big') return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG_BODY_BYTES }).end(Buffer.alloc(BIG_BODY_BYTES, 1));
      if (mode === '503') {
        const body = '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Try again</Message></Error><RequestId>2</RequestId></ErrorResponse>';
        return void res.writeHead(503, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      }
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(IDENTITY.length) });
      res.write(IDENTITY.slice(0, 40));
      if (mode === 'reset-mid') setTimeout(() => res.socket?.destroy(), 50);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    upstream: { endpoint, caFile: ca.caFile } as FakeAws,
    setMode: (next) => void (mode = next),
    received: () => received,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
