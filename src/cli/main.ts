import { proxyVersion } from '../version.js';
import type { SocketRequest } from '../keys/socket-protocol.js';
import { askAdmin as ask } from './admin-client.js';
import { parseOptions, UsageError } from './args.js';
import { ISOLATED_COMMAND, isolatedCommandLine, parseRunArgs, runCommandLine } from './run.js';
import { APPROVE_USAGE, DENY_USAGE, GRANTS_USAGE, ENV_USAGE, KEYS_USAGE, LOG_USAGE, MAIN_USAGE, MCP_USAGE, POLICY_USAGE, REVOKE_USAGE, RUN_USAGE, START_USAGE } from './usage.js';

// Each command loads its own modules when run: the proxy's start needs no MCP SDK, and `mcp`,
// which an agent's host starts on demand, none of the proxy (about 0.7 s of loading).
const COMMANDS: Record<string, { usage: string; wantsHelp?(args: string[]): boolean; run(args: string[], env: NodeJS.ProcessEnv): Promise<void | number> }> = {
  start: {
    usage: START_USAGE,
    async run(args, env) {
      const { start, startOptionsFrom } = await import('./start.js');
      return start(env, startOptionsFrom(args));
    },
  },
  policy: { usage: POLICY_USAGE, run: async (args, env) => (await import('./policy.js')).policyCommand(args, env) },
  log: { usage: LOG_USAGE, run: async (args, env) => (await import('./log.js')).logCommand(args, env) },
  env: {
    usage: ENV_USAGE,
    async run(args, env) {
      const { envCommand } = await import('./env.js');
      process.stdout.write(await envCommand(args, env, (message) => process.stderr.write(`iam-agent-proxy: ${message}\n`)));
    },
  },
  [ISOLATED_COMMAND]: { usage: '', run: (args, env) => isolatedCommandLine(args, env, (line) => process.stderr.write(`iam-agent-proxy: ${line}\n`)) },
  run: {
    usage: RUN_USAGE,
    // A --help after the command is the command's.
    wantsHelp: (args) => parseRunArgs(args).help,
    run: (args, env) => runCommandLine(args, env, (line) => process.stderr.write(`iam-agent-proxy: ${line}\n`)),
  },
  revoke: {
    usage: REVOKE_USAGE,
    async run(args, env) {
      const options = parseOptions(args, { key: 'value', agent: 'value', all: 'flag' });
      const chosen = ['key', 'agent', 'all'].filter((name) => name in options);
      if (chosen.length !== 1) throw new UsageError('revoke needs exactly one of --key <AccessKeyId>, --agent <name> or --all');
      const request: SocketRequest = options.all
        ? { op: 'revoke', all: true }
        : options.agent !== undefined
          ? { op: 'revoke', agent: options.agent as string }
          : { op: 'revoke', accessKeyId: options.key as string };
      const reply = await ask(env, request);
      const revoked = (reply.revoked as Array<{ accessKeyId: string; agent: string }>) ?? [];
      const lines = revoked.map((k) => `revoked ${k.accessKeyId} (agent ${k.agent})\n`);
      process.stdout.write(lines.length ? lines.join('') : 'no live keys matched (the revocation is recorded all the same, and kept across restarts)\n');
    },
  },
  keys: {
    usage: KEYS_USAGE,
    async run(args, env) {
      parseOptions(args, {});
      const reply = await ask(env, { op: 'keys' });
      for (const key of (reply.keys as Array<Record<string, string | boolean>>) ?? []) {
        const session = key.assumedRole === undefined ? '' : `  assumedRole=${key.assumedRole}  parent=${key.parentKeyId}`;
        process.stdout.write(`${key.accessKeyId}  agent=${key.agent}  expires=${key.expiration}${session}${key.refetchWarning ? '  REFETCH-WARNING' : ''}\n`);
      }
      for (const warning of (reply.warnings as string[]) ?? []) process.stdout.write(`warning: ${warning}\n`);
    },
  },
  grants: { usage: GRANTS_USAGE, run: async (args, env) => (await import('./grants.js')).grantsCommand(args, env) },
  approve: { usage: APPROVE_USAGE, run: async (args, env) => (await import('./grants.js')).approveCommand(args, env) },
  deny: { usage: DENY_USAGE, run: async (args, env) => (await import('./grants.js')).denyCommand(args, env) },
  mcp: { usage: MCP_USAGE, run: async (args, env) => (await import('./mcp.js')).mcpCommand(args, env) },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(MAIN_USAGE);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${proxyVersion()}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'start' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; run iam-agent-proxy --help`);
    if (command.wantsHelp ? command.wantsHelp(args) : args.includes('--help') || args.includes('-h')) {
      process.stdout.write(command.usage);
      return 0;
    }
    const status: unknown = await command.run(args, env);
    // Only run reports a status; other commands' results (policy's write() boolean) are not one.
    return typeof status === 'number' ? status : 0;
  } catch (error) {
    process.stderr.write(`iam-agent-proxy: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
