import { DEFAULT_AGENT } from '../keys/agent-registry.js';
import { askProxy } from '../keys/socket-client.js';
import type { AskProxy } from './server.js';

/** Asks on one agent's socket; a proxy that does not answer becomes one line the agent can pass on. */
export function channelAsk(socketPath: string, agent: string): AskProxy {
  return async (request) => {
    try {
      return await askProxy(socketPath, request);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const declared = agent === DEFAULT_AGENT ? '' : `, with agent "${agent}" in its PROXY_AGENTS`;
      throw new Error(`cannot reach iam-agent-proxy at ${socketPath}: is it running${declared}? (${why})`);
    }
  };
}
