import { chmodSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What one socket serves: one JSON line in, one JSON line out, then the connection is closed. */
export interface LineService {
  answer(request: unknown): object | Promise<object>;
  /** The answer for a client that connects and only reads (the original protocol); without it, a request is required. */
  silentClient?: () => object | Promise<object>;
}

export interface SocketLimits {
  maxRequestBytes: number;
  /** A request line must be complete this long after connecting. */
  requestTimeoutMs: number;
  /** A client that has sent nothing by then only reads: it gets the silent-client answer. */
  silentClientMs: number;
  /** A connection is closed this long after its answer, whether the client read it or not. */
  lingerMs: number;
  /** Connections served at once; the next ones are told the socket is busy. */
  maxActive: number;
  /** Beyond this the connection is closed unanswered: each one holds a file descriptor. */
  maxOpen: number;
}

export const SOCKET_LIMITS: SocketLimits = {
  // A request_access names up to 50 actions and resources.
  maxRequestBytes: 65_536,
  requestTimeoutMs: 2000,
  silentClientMs: 100,
  lingerMs: 2000,
  maxActive: 64,
  maxOpen: 512,
};

export const BUSY_ERROR = 'busy: too many requests on this socket at once; try again';

/**
 * Serves a Unix socket only this user can open (0600, never briefly wider). A stale socket left by
 * a killed proxy is replaced; a live one means another proxy is running. Each socket has its own
 * connection limits, so flooding one agent's socket leaves the others and the admin socket free.
 */
export async function serveLines(path: string, service: LineService, limits: SocketLimits = SOCKET_LIMITS): Promise<Server> {
  if (await socketIsLive(path)) {
    throw new Error(`another iam-agent-proxy is already serving ${path}: stop it first, or give this one another IAM_AGENT_PROXY_HOME (or PROXY_SOCK_PATH)`);
  }
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let active = 0;
  // Half-open: a client may shut down its side after writing and still read the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    if (active >= limits.maxActive) return reply(socket, { error: BUSY_ERROR }, limits);
    active++;
    let done = false;
    // A slot is held while a request is awaited and answered, not while the answer lingers unread.
    const release = () => {
      if (!done) active--;
      done = true;
    };
    socket.once('close', release);
    handle(socket, service, limits, release);
  });
  server.maxConnections = limits.maxOpen;
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  return server;
}

function handle(socket: Socket, service: LineService, limits: SocketLimits, answered: () => void): void {
  let received = Buffer.alloc(0);
  let finished = false;
  const finish = (body: object) => {
    if (finished) return;
    finished = true;
    clearTimeout(silent);
    clearTimeout(deadline);
    reply(socket, body, limits);
    answered();
  };
  const incomplete = { error: `incomplete request: send one line of JSON ending in a newline within ${limits.requestTimeoutMs} ms` };
  let answering = false;
  // Once a request is complete its answer may take a while (a preview evaluates): no timer cuts it off.
  const respond = (answer: () => object | Promise<object>) => {
    answering = true;
    clearTimeout(silent);
    clearTimeout(deadline);
    void Promise.resolve()
      .then(answer)
      .then(finish, (error: Error) => finish({ error: `the proxy could not answer: ${error.message}` }));
  };
  const silent = service.silentClient && setTimeout(() => respond(service.silentClient!), limits.silentClientMs);
  const deadline = setTimeout(() => finish(incomplete), limits.requestTimeoutMs);
  socket.once('close', () => {
    clearTimeout(silent);
    clearTimeout(deadline);
  });
  socket.on('data', (chunk: Buffer) => {
    if (finished || answering) return;
    clearTimeout(silent);
    received = Buffer.concat([received, chunk]);
    const newline = received.indexOf(0x0a);
    if (newline === -1 ? received.length > limits.maxRequestBytes : newline > limits.maxRequestBytes) {
      return finish({ error: `request too large: at most ${limits.maxRequestBytes} bytes` });
    }
    if (newline !== -1) respond(() => answerLine(received.subarray(0, newline), service));
  });
  socket.on('end', () => {
    if (finished || answering) return;
    if (received.length > 0) respond(() => answerLine(received, service));
    else if (service.silentClient) respond(service.silentClient);
    else finish(incomplete);
  });
}

async function answerLine(line: Buffer, service: LineService): Promise<object> {
  let request: unknown;
  try {
    request = JSON.parse(line.toString('utf8'));
  } catch {
    return { error: 'a request is one line of JSON, e.g. {"op":"credentials"}' };
  }
  try {
    return await service.answer(request);
  } catch (error) {
    return { error: `the proxy could not answer: ${(error as Error).message}` };
  }
}

function reply(socket: Socket, body: object, limits: SocketLimits): void {
  socket.end(`${JSON.stringify(body)}\n`);
  setTimeout(() => socket.destroy(), limits.lingerMs).unref();
}

function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
