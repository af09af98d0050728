import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:net';
import type { ProxyMode } from '../config.js';
import { ensurePrivateDir } from '../state/files.js';
import type { DeclaredAgent } from './agent-registry.js';
import { answer, type Channel, type ChannelDeps } from './socket-protocol.js';
import { serveLines } from './socket-server.js';

export interface ChannelSettings {
  socketPath: string;
  adminSocketPath: string;
  agentSocketDir: string;
  agents: DeclaredAgent[];
  mode: ProxyMode;
}

/**
 * Opens every socket: creds.sock for the default agent, `<agentSocketDir>/<name>.sock` for each
 * declared agent, admin.sock for revoke and keys. Returns the function that closes them all.
 */
export async function openChannels(settings: ChannelSettings, deps: ChannelDeps): Promise<() => Promise<void>> {
  ensurePrivateDir(settings.agentSocketDir);
  const servers: Server[] = [];
  const close = () => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))).then(() => undefined);
  const open = async (path: string, channel: Channel) => {
    const silentClient = channel.kind === 'admin' ? undefined : () => answer({ op: 'credentials' }, channel, deps);
    servers.push(await serveLines(path, { answer: (request) => answer(request, channel, deps), silentClient }));
  };
  try {
    await open(settings.socketPath, { kind: 'default', mode: settings.mode });
    await open(settings.adminSocketPath, { kind: 'admin' });
    const wanted = new Set(settings.agents.map((agent) => `${agent.name}.sock`));
    for (const agent of settings.agents) await open(join(settings.agentSocketDir, `${agent.name}.sock`), { kind: 'agent', agent: agent.name });
    // Sockets of agents no longer declared, left by a killed proxy: proxy-creds must not find them.
    for (const name of readdirSync(settings.agentSocketDir)) if (name.endsWith('.sock') && !wanted.has(name)) unlinkSync(join(settings.agentSocketDir, name));
  } catch (error) {
    await close();
    throw error;
  }
  return close;
}
