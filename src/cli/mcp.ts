import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { agentSocketPathFrom, socketPathFrom } from '../config.js';
import { AGENT_NAME, DEFAULT_AGENT } from '../keys/agent-registry.js';
import { channelAsk } from '../mcp/channel.js';
import { createMcpServer } from '../mcp/server.js';
import { parseOptions, UsageError } from './args.js';

/**
 * `iam-agent-proxy mcp [--agent NAME]`: an MCP server on stdio for one agent, bound to that agent's
 * socket (the default socket for `default`). stdout carries the protocol, so notes go to stderr.
 * It returns once serving: the process lives on while stdin is open, and ends when the client closes
 * it and the calls under way have been answered.
 */
export async function mcpCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const options = parseOptions(args, { agent: 'value' });
  const agent = (options.agent as string | undefined) ?? DEFAULT_AGENT;
  if (!AGENT_NAME.test(agent)) throw new UsageError(`agent name "${agent}" must match ${AGENT_NAME}`);
  const socketPath = agent === DEFAULT_AGENT ? socketPathFrom(env) : agentSocketPathFrom(env, agent);
  const server = createMcpServer(channelAsk(socketPath, agent));
  await server.connect(new StdioServerTransport());
  process.stderr.write(`iam-agent-proxy mcp: agent "${agent}" through ${socketPath}, on stdio\n`);
}
