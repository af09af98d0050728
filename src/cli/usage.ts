export const MAIN_USAGE = `Usage: iam-agent-proxy [command] [--help | --version]

Commands:
  start            Run the proxy in the foreground (the default command)
  policy           Print an IAM policy of the actions recorded in the action log
  revoke           Revoke agent keys: --key <AccessKeyId>, --agent <name> or --all
  keys             List the agent keys the running proxy accepts

Environment (proxy):
  AWS_PROFILE              real credentials used to re-sign (standard AWS chain)
  PROXY_HOST / PROXY_PORT  listen address (default 127.0.0.1:8080)
  PROXY_MODE               record (default) or enforce
  ALLOWLIST_PATH           IAM policy JSON checked in enforce mode
  PROXY_KEYPAIR_TTL        agent key lifetime in seconds (default 3600)
  PROXY_SOCK_PATH          credential socket (default ~/.iam-agent-proxy/creds.sock)
  ACTION_LOG_PATH          JSON-lines action log (default ~/.iam-agent-proxy/actions.log)
  IAM_AGENT_PROXY_HOME     state directory (default ~/.iam-agent-proxy)
  PROXY_UPSTREAM_ENDPOINT  send re-signed requests here instead of AWS (e.g. LocalStack)
  AWS_CONFIG_FILE          AWS config file that gets [profile iam-agent-proxy]
`;

export const START_USAGE = `Usage: iam-agent-proxy [start]

Runs the proxy in the foreground until Ctrl-C. On start it adds [profile iam-agent-proxy]
to the AWS config file; on exit it removes it again. Configure with the environment
variables listed in 'iam-agent-proxy --help'.
`;

export const POLICY_USAGE = `Usage: iam-agent-proxy policy

Prints an IAM policy (JSON) allowing every action the proxy let through, as recorded in
ACTION_LOG_PATH (default ~/.iam-agent-proxy/actions.log).
`;

export const REVOKE_USAGE = `Usage: iam-agent-proxy revoke (--key <AccessKeyId> | --agent <name> | --all)

Tells the running proxy to stop accepting the named agent keys at once. The agent's next
call fails with InvalidClientTokenId; its next proxy-creds run gets a fresh key.
`;

export const KEYS_USAGE = `Usage: iam-agent-proxy keys

Lists the agent keys the running proxy accepts (ids, agent names and expiry; never secrets).
`;

export const PROXY_CREDS_USAGE = `Usage: proxy-creds [--agent <name>]

credential_process helper: asks the running iam-agent-proxy (PROXY_SOCK_PATH, default
~/.iam-agent-proxy/creds.sock) for this agent's keypair and prints it as credential_process
JSON. --agent (or PROXY_AGENT_NAME) gives the agent its own keys, logged under that name.
`;
