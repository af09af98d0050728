import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { channelAsk } from '../../src/mcp/channel.js';

const dir = mkdtempSync(join(tmpdir(), 'iap-mcp-channel-'));
let server: Server | undefined;
afterEach(() => server?.close());

describe('channelAsk', () => {
  it('sends the op on the socket and returns the answer', async () => {
    const path = join(dir, 'answering.sock');
    const received: string[] = [];
    server = createServer((socket) => socket.on('data', (line) => (received.push(line.toString()), socket.end('{"agent":"default"}\n'))));
    await new Promise<void>((listening) => server!.listen(path, listening));
    expect(await channelAsk(path, 'default')({ op: 'scope' })).toEqual({ agent: 'default' });
    expect(received).toEqual(['{"op":"scope"}\n']);
  });

  it('says to start the proxy when nothing listens on the socket', async () => {
    const path = join(dir, 'missing.sock');
    await expect(channelAsk(path, 'default')({ op: 'scope' })).rejects.toThrow(`cannot reach iam-agent-proxy at ${path}: is it running? (ENOENT)`);
  });

  it("for a declared agent, also that it must be in the proxy's PROXY_AGENTS", async () => {
    const path = join(dir, 'claude.sock');
    await expect(channelAsk(path, 'claude')({ op: 'scope' })).rejects.toThrow(`cannot reach iam-agent-proxy at ${path}: is it running, with agent "claude" in its PROXY_AGENTS? (ENOENT)`);
  });
});
