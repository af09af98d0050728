import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK_HOST } from './loopback-host.js';

export interface LoopbackLimits {
  /** Request line and headers together. */
  maxHeaderBytes: number;
  /** A request must be complete this long after the connection opened. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** Connections open at once; further ones are closed at once. */
  maxConnections: number;
}

export interface LoopbackSettings {
  /** 0 picks a free port. */
  port: number;
  /** The variable that set the port, for the port-in-use message. */
  setting: string;
  limits: LoopbackLimits;
  /** The whole answer to a request Node cannot parse (too large, too slow, malformed). */
  badRequest: string;
}

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP/1.1 server on 127.0.0.1 with tight limits: any local user can connect to a port, so
 * what it serves is decided per request by `handle`; these limits keep a flood or a slow client
 * from holding it. `handle` gets the port it listens on (for Host checks).
 */
export async function serveLoopback(settings: LoopbackSettings, handle: (req: IncomingMessage, res: ServerResponse, port: number) => void): Promise<LoopbackServer> {
  const { limits } = settings;
  let port = settings.port;
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveMs,
      // The timeouts are checked this often (Node's default, 30 s, would let a slow client sit that long).
      connectionsCheckingInterval: Math.max(100, Math.floor(limits.requestTimeoutMs / 4)),
    },
    (req, res) => handle(req, res, port),
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end(settings.badRequest);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`${settings.setting} ${settings.port} is in use on ${LOOPBACK_HOST}: pick another port, or 0 for any free one`) : error),
    );
    server.listen(settings.port, LOOPBACK_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
