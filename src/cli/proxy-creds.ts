import { existsSync } from 'node:fs';
import { agentSocketPathFrom, socketPathFrom } from '../config.js';
import { AGENT_NAME } from '../keys/agent-registry.js';
import { askProxy } from '../keys/socket-client.js';
import { BUSY_ERROR } from '../keys/socket-server.js';
import { parseOptions, UsageError } from './args.js';
import { PROXY_CREDS_USAGE } from './usage.js';

/**
 * credential_process helper: prints this agent's key; errors go to stderr, which the SDKs show.
 * A declared agent's own socket is used when it exists; otherwise the default socket, which
 * serves `default` and, in record mode only, agents created on first use.
 */
export async function proxyCreds(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(PROXY_CREDS_USAGE);
    return 0;
  }
  let agent: string | undefined;
  let ttl: number | undefined;
  try {
    const options = parseOptions(argv, { agent: 'value', ttl: 'value' });
    agent = (options.agent as string | undefined) ?? (env.PROXY_AGENT_NAME || undefined);
    if (agent !== undefined && !AGENT_NAME.test(agent)) throw new UsageError(`agent name "${agent}" must match ${AGENT_NAME}`);
    if (options.ttl !== undefined) {
      ttl = Number(options.ttl);
      if (!/^\d+$/.test(options.ttl as string) || !Number.isSafeInteger(ttl)) throw new UsageError(`--ttl must be a whole number of seconds, not "${options.ttl}"`);
    }
  } catch (error) {
    process.stderr.write(`proxy-creds: ${(error as Error).message}\n`);
    return 2;
  }
  const own = agent === undefined ? undefined : agentSocketPathFrom(env, agent);
  const path = own !== undefined && existsSync(own) ? own : socketPathFrom(env);
  let reply: Record<string, unknown>;
  try {
    reply = await askProxy(path, { op: 'credentials', ...(agent === undefined ? {} : { agent }), ...(ttl === undefined ? {} : { ttl }) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ECONNREFUSED' ? 'is iam-agent-proxy running? Start it with: AWS_PROFILE=<real profile> iam-agent-proxy' : (error as Error).message;
    process.stderr.write(`proxy-creds: cannot get credentials from ${path}: ${why}\n`);
    return 1;
  }
  if (typeof reply.error === 'string') {
    process.stderr.write(`proxy-creds: ${path} refused: ${reply.error}\n`);
    return reply.error === BUSY_ERROR ? 1 : 2;
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
  return 0;
}
