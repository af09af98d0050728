import { connect } from 'node:net';
import { BUSY_ERROR } from './socket-server.js';
import type { SocketRequest } from './socket-protocol.js';

const BUSY_RETRIES = 5;

/** Sends one request to one of the proxy's sockets and returns its parsed answer; a busy socket is asked again. */
export async function askProxy(path: string, request: SocketRequest, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const reply = await askOnce(path, request, timeoutMs);
    if (reply.error !== BUSY_ERROR || attempt >= BUSY_RETRIES) return reply;
    await new Promise((wake) => setTimeout(wake, 50 * 2 ** attempt + Math.random() * 50));
  }
}

function askOnce(path: string, request: SocketRequest, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(JSON.parse(reply) as Record<string, unknown>);
      } catch {
        reject(new Error(`unreadable answer from ${path}`));
      }
    });
  });
}
