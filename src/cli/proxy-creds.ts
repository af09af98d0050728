import { socketPathFrom } from '../config.js';
import { askProxy } from '../keys/creds-socket.js';
import { parseOptions, UsageError } from './args.js';
import { PROXY_CREDS_USAGE } from './usage.js';

/** credential_process helper: prints this agent's keypair; errors go to stderr, which the SDKs show. */
export async function proxyCreds(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(PROXY_CREDS_USAGE);
    return 0;
  }
  let agent: string | undefined;
  try {
    agent = (parseOptions(argv, { agent: 'value' }).agent as string | undefined) ?? (env.PROXY_AGENT_NAME || undefined);
  } catch (error) {
    process.stderr.write(`proxy-creds: ${(error as UsageError).message}\n`);
    return 2;
  }
  const path = socketPathFrom(env);
  try {
    const reply = await askProxy(path, { op: 'credentials', agent });
    if (typeof reply.error === 'string') throw new Error(reply.error);
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ECONNREFUSED' ? 'is iam-agent-proxy running? Start it with: AWS_PROFILE=<real profile> iam-agent-proxy' : (error as Error).message;
    process.stderr.write(`proxy-creds: cannot get credentials from ${path}: ${why}\n`);
    return 1;
  }
}
