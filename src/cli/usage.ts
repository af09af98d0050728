export const MAIN_USAGE = `Usage: iam-agent-proxy [command] [--help | --version]

Commands:
  start            Run the proxy in the foreground (the default command)
  policy           Print an IAM policy of the actions recorded in the action log
  log              Show the action log (filters, --follow); log verify checks its hash chain
  revoke           Revoke agent keys: --key <AccessKeyId>, --agent <name> or --all
  keys             List the agent keys the running proxy accepts
  env              Print the environment an agent's shell needs (eval "$(iam-agent-proxy env)")
  run              Run a command as an agent: run [--agent <name>] -- <command> [args...]
  grants           List pending and active grants (just-in-time access); grants revoke <id>
  approve          Approve a pending grant: approve <id> [--ttl 30m]
  deny             Deny a pending grant: deny <id> --reason "why"
  mcp              MCP server on stdio for one agent: see and ask for access (mcp [--agent <name>])

Environment (proxy):
  AWS_PROFILE              real credentials used to re-sign (standard AWS chain)
  PROXY_HOST / PROXY_PORT  listen address (default 127.0.0.1:8080)
  PROXY_MODE               record (default), enforce, shadow (evaluate, forward everything)
                           or ask (enforce, holding a denied call while a person decides)
  ALLOWLIST_PATH           IAM policy JSON for every agent, in PROXY_MODE
  PROXY_POLICIES           a policy and mode per agent: a JSON file or a directory (README);
                           reloaded on SIGHUP and when the files change
  PROXY_AGENTS             declared agents, name[=ttlSeconds],... (e.g. claude,ci=900); each
                           gets its own socket ~/.iam-agent-proxy/agents/<name>.sock
  PROXY_KEYPAIR_TTL        default key lifetime in seconds (default 3600)
  PROXY_KEY_TTL_MIN        shortest key lifetime allowed (default 60)
  PROXY_KEY_TTL_MAX        longest key lifetime allowed (default and at most 43200, 12 h)
  PROXY_REFETCH_WARN       warn when an agent gets more than <keys>/<seconds> (default 10/300)
  PROXY_SOCK_PATH          default agent's socket (default ~/.iam-agent-proxy/creds.sock)
  PROXY_CA_BUNDLE_PATH     copy ca.pem here for agents and name it in the profile
                           (ca-bundle.pem, system CAs + proxy CA, goes beside it)
  ACTION_LOG_PATH          JSON-lines action log (default ~/.iam-agent-proxy/actions.log)
  ACTION_LOG_MAX_BYTES     rotate it at this size (at least 1024) to actions.log.1, .2, ...
                           (oldest lowest); unset: never
  IAM_AGENT_PROXY_HOME     state directory (default ~/.iam-agent-proxy)
  PROXY_UPSTREAM_ENDPOINT  send re-signed requests here instead of AWS (e.g. LocalStack)
  PROXY_EGRESS             non-AWS hosts agents may reach: allow-all (default: public hosts;
                           never cloud metadata or the proxy's own ports), deny, or allowlist
  PROXY_EGRESS_ALLOWLIST   the allowlist file (host, *.suffix or IP, optional :port, a line);
                           with allow-all, the local hosts admitted besides public ones
  PROXY_UPSTREAM_CONNECT_TIMEOUT_MS  new connection to AWS (default 10000)
  PROXY_UPSTREAM_TIMEOUT_MS          AWS starts answering / pauses mid-answer (default 30000)
  PROXY_UPSTREAM_LONG_TIMEOUT_MS     the same for Lambda Invoke, Bedrock (default 900000)
  PROXY_DRAIN_TIMEOUT_MS   on SIGTERM/SIGINT, how long requests under way may finish
                           (default 10000; a second signal stops at once)
  PROXY_CREDENTIALS_PORT   serve agent keys ECS-style on 127.0.0.1:<port> (0: any free port;
                           unset: off), for clients that ignore credential_process
  PROXY_ADMIN_PORT         serve GET /healthz and /metrics (Prometheus) on 127.0.0.1:<port>
                           (0: any free port; unset: off)
  PROXY_GRANT_RULES        grant bounds and auto-approve rules (JSON; README); default: grants
                           of 5 min to 12 h, none approved without a person
  PROXY_ASK_TIMEOUT_MS     ask mode: how long a denied call waits for a decision (default 45000)
  AWS_CONFIG_FILE          AWS config file that gets [profile iam-agent-proxy] (and
                           [profile iam-agent-proxy-no-ca-bundle], the same without ca_bundle)
`;

export const GRANTS_USAGE = `Usage: iam-agent-proxy grants [--all] [--agent <name>] [--json]
       iam-agent-proxy grants revoke <id>

Lists grants (just-in-time access agents asked for through 'iam-agent-proxy mcp'): pending ones
first, with the new access each adds beyond the agent's baseline policy, its risk score and
factors, and any detection signals; then active ones. --all adds denied, expired, released and
revoked ones. 'grants revoke <id>' ends a grant: it stops applying on the agent's next request.
Uses admin.sock: only the proxy's user can run it.
`;

export const APPROVE_USAGE = `Usage: iam-agent-proxy approve <id> [--ttl <duration>]

Approves a pending grant, for the duration asked or --ttl (30m, 1h, 2h30m, or seconds), within
the bounds of PROXY_GRANT_RULES (default 5 min to 12 h). It applies from the agent's next request.
Uses admin.sock: an agent can never approve its own request.
`;

export const DENY_USAGE = `Usage: iam-agent-proxy deny <id> --reason <text>

Denies a pending grant; the agent is shown the reason. Uses admin.sock.
`;

export const START_USAGE = `Usage: iam-agent-proxy [start] [--log-format text|json]

Runs the proxy in the foreground until Ctrl-C. On start it adds [profile iam-agent-proxy]
(and [profile iam-agent-proxy-no-ca-bundle], without ca_bundle) to the AWS config file and
writes ca-bundle.pem (the system's CAs plus the proxy CA) beside ca.pem; on exit it removes
the profiles again. Configure with the environment
variables listed in 'iam-agent-proxy --help'.

--log-format json   print each action record to stdout as its JSON line in the action log
                    (default text: one console line per action)
`;

export const LOG_USAGE = `Usage: iam-agent-proxy log [--agent <name>] [--decision <verdict>] [--service <id>]
                          [--since <when>] [--follow] [--format text|json]
       iam-agent-proxy log verify [FILE] [--anchor SEQ:SHA256]

Shows the action log (ACTION_LOG_PATH, default ~/.iam-agent-proxy/actions.log, after its rotated
files actions.log.1, .2, ...) one line per record, in local time: the verdict, the IAM actions, the
agent, the resources and the error. Proxy starts and lost records are shown unless a filter is given.
  --agent <name>           only this agent's calls
  --decision <verdict>     allowed, blocked, would-block or refused
  --service <id>           only calls to this service (s3, dynamodb, egress, ...)
  --since <when>           only records since a duration ago (30m, 2h, 7d) or an ISO time
  --follow                 keep printing records as they are appended (across rotation); without
                           --since it starts with the next record
  --format json            print the matching records as the JSON lines they are in the log

log verify checks the hash chain of FILE (default ACTION_LOG_PATH) and its rotated files FILE.1,
FILE.2, ...: exit 0 with a one-line summary and the chain's head when intact, 1 naming the first
broken or missing record (file, line and seq) otherwise. A cut or rewritten tail leaves a chain
that checks: --anchor <seq>:<sha256>, a head noted earlier (the proxy prints it on shutdown),
fails unless that record is still there, unchanged.
`;

export const POLICY_USAGE = `Usage: iam-agent-proxy policy [options]

Prints a least-privilege IAM policy for the calls the proxy let through, as recorded in
ACTION_LOG_PATH (default ~/.iam-agent-proxy/actions.log): allowed calls (and would-block ones,
forwarded in shadow mode), never refused ones. Each statement names the resource ARNs logged;
actions on no resource type, and actions whose resource the proxy could not name, get
"Resource": "*". Actions AWS does not define are left out. Notes go to stderr. The policy is
validated before it is printed.

Whose calls (default: those made with the proxy's own credentials):
  --assumed-role <ARN>     the calls made with a session of that role (AssumeRole and the like)
  --by-assumed-role        one policy per role, keyed by role ("(proxy credentials)" for the rest)
  --agent <name>           only this agent's calls
  --since <when>           only calls since a duration ago (30m, 2h, 7d) or an ISO time
  --include-blocked        blocked calls too (what enforce mode refused)

What it prints:
  --resources <how>        exact (default): the ARNs logged; collapse: 3 or more resources of a
                           type under one prefix become prefix* (bucket/reports/*, table/app-*);
                           wildcard: one pattern per type and place (bucket/*, table/*)
  --format <format>        json (default), terraform (a data "aws_iam_policy_document" block) or
                           cloudformation (a YAML template with an AWS::IAM::ManagedPolicy)
  --compact                fit the 6,144-character managed-policy limit: drop Sids, then
                           collapse, merge each service's statements, use wildcards, as needed
  --diff <policy.json>     only what the activity, blocked calls included, needs beyond that
                           policy: a fragment to review and add
  --output <file>          write it there (0644, atomically) instead of stdout; an existing
                           file is kept unless --force is given
`;

export const ENV_USAGE = `Usage: iam-agent-proxy env [--agent <name>] [--shell sh|fish|powershell|dotenv] [--no-ca-bundle]

Prints the variables an agent's shell needs to use the proxy, for:
  sh (default; bash, zsh)   eval "$(iam-agent-proxy env --agent claude)"
  fish                      iam-agent-proxy env --shell fish | source
  powershell                iam-agent-proxy env --shell powershell | Out-String | Invoke-Expression
  dotenv                    iam-agent-proxy env --shell dotenv > agent.env   (compose env_file,
                            dotenv packages): KEY=value, or KEY='value' (read literally) when the
                            value needs quoting (docker run --env-file would keep the quotes); a
                            value no quoting keeps intact for every reader (a newline, \${, or '
                            with \\ or ") is refused

It reads the configuration only (the same environment variables as the proxy: PROXY_HOST,
PROXY_PORT, PROXY_AGENTS, PROXY_MODE, IAM_AGENT_PROXY_HOME, PROXY_SOCK_PATH, PROXY_CA_BUNDLE_PATH,
PROXY_CREDENTIALS_PORT, AWS_CONFIG_FILE), so it works whether or not the proxy is running; it warns on stderr when no
proxy answers on the agent's socket. Run it with the proxy's configuration.

  HTTPS_PROXY, HTTP_PROXY (and lower case)   the proxy's URL
  NO_PROXY, no_proxy                         localhost,127.0.0.1,::1
  AWS_PROFILE                                iam-agent-proxy (its credential_process is proxy-creds)
  PROXY_AGENT_NAME                           the agent proxy-creds asks keys for (--agent; default
                                             "default"); a declared agent gets them from its own socket
  IAM_AGENT_PROXY_HOME, PROXY_SOCK_PATH      when set: where proxy-creds finds the sockets
  AWS_CONFIG_FILE                            when not ~/.aws/config: where the profile is
  AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS         the proxy CA (ca.pem, or PROXY_CA_BUNDLE_PATH)
  SSL_CERT_FILE, REQUESTS_CA_BUNDLE,         ca-bundle.pem beside it: the system's CAs plus the
  CURL_CA_BUNDLE                             proxy CA (these replace the trust store), written
                                             by the proxy when it starts
  AWS_CONTAINER_CREDENTIALS_FULL_URI,        with PROXY_CREDENTIALS_PORT: the agent's endpoint and
  AWS_CONTAINER_AUTHORIZATION_TOKEN          token, in place of AWS_PROFILE

--agent <name>    the agent; in enforce mode it must be declared in PROXY_AGENTS
--no-ca-bundle    AWS_PROFILE=iam-agent-proxy-no-ca-bundle (credential_process only) and no
                  AWS_CA_BUNDLE, for applications whose AWS SDK refuses a custom CA bundle, such
                  as rclone (aws-sdk-go v1); they trust the proxy through SSL_CERT_FILE
`;

export const RUN_USAGE = `Usage: iam-agent-proxy run [--agent <name>] [--isolate] [--no-static-keys] -- <command> [args...]

Runs the command with the environment 'iam-agent-proxy env --agent <name>' prints, and without
the variables that carry or point at real credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_WEB_IDENTITY_TOKEN_FILE,
AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE and
AWS_DEFAULT_PROFILE (replaced by the proxy's profile), AWS_CONTAINER_* (but the proxy's own),
AWS_SSO_*, ...). It does not hide ~/.aws/credentials or other files from the command.

The command also gets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: an agent key of its own, for
tools that read only static keys (s3cmd, restic, s3fs, minio clients). It is issued for the
lifetime ceiling (PROXY_KEY_TTL_MAX) and revoked when the command exits. SDKs prefer these to the
profile and will not refresh them: for a command that outlives the ceiling, use --no-static-keys.

If no proxy answers on the agent's socket, it starts one ('iam-agent-proxy start', with this
environment, real credentials included), waits for it, and stops it when the command exits; the
proxy's output goes to run-proxy.log in the state directory. A running proxy is used and left
running. SIGINT, SIGTERM and SIGHUP are passed on to the command. The exit status is the
command's (128+n when signal n killed it); 127 when the command is not found, 1 when the proxy
fails to start (the command is then not run), 2 on a usage error.

--agent <name>    the agent (default "default"); in enforce mode it must be declared in PROXY_AGENTS
--isolate         (Linux) run the command in network and mount namespaces (unshare): the proxy
                  (and its credential endpoint) is all it can reach, ~/.aws/credentials and the
                  SSO and CLI caches are covered, and the state directory holds only its socket
                  and the CA files
--no-static-keys  no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: SDKs use the profile (or container
                  credentials) and refresh their keys themselves
`;

export const REVOKE_USAGE = `Usage: iam-agent-proxy revoke (--key <AccessKeyId> | --agent <name> | --all)

Tells the running proxy (through admin.sock, which only its user can open) to stop accepting
keys at once: one key, or every key issued so far to an agent or to all agents, with the
sessions opened with them. Revocations are kept in revocations.json and survive restarts. The
agent's next call fails with InvalidClientTokenId; its next proxy-creds run gets a fresh key.
`;

export const KEYS_USAGE = `Usage: iam-agent-proxy keys

Lists the keys the running proxy accepts (ids, agent names, expiry, and the assumed role of
sessions; never secrets or tokens): keys issued since it started, and older ones once used.
REFETCH-WARNING marks an agent issued more keys than PROXY_REFETCH_WARN allows.
`;

export const PROXY_CREDS_USAGE = `Usage: proxy-creds [--agent <name>] [--ttl <seconds>]

credential_process helper: asks the running iam-agent-proxy for this agent's key and prints it
as credential_process JSON. A declared agent (PROXY_AGENTS) is served only by its own socket,
~/.iam-agent-proxy/agents/<name>.sock; other names go to PROXY_SOCK_PATH (default
~/.iam-agent-proxy/creds.sock), which serves "default" and, in record mode only, creates other
agents on first use. --agent (or PROXY_AGENT_NAME) names the agent; --ttl asks for a lifetime
within PROXY_KEY_TTL_MIN and PROXY_KEY_TTL_MAX.
`;

export const MCP_USAGE = `Usage: iam-agent-proxy mcp [--agent <name>]

A Model Context Protocol server on stdio, for an MCP client (an agent's host) to start. It asks the
running proxy on one agent's own socket: the default socket (PROXY_SOCK_PATH, default
~/.iam-agent-proxy/creds.sock) for "default", ~/.iam-agent-proxy/agents/<name>.sock for a declared
agent (PROXY_AGENTS). That socket decides whose access the tools see and ask for; no tool takes an
agent name, and none returns a credential. Run it with the proxy's IAM_AGENT_PROXY_HOME.

Tools:
  describe_scope    what the agent may do now, per service: baseline policy plus active grants
  preview_request   would these actions on these resources be allowed, and which statement decides
  request_access    ask for actions on resources for a while (seconds, or "30m", "1h"), with a
                    reason: active, pending (a person decides: iam-agent-proxy approve) or denied
  grant_status      a grant's status
  release_access    end a grant now

Example client configuration:
  {"mcpServers": {"aws-access": {"command": "iam-agent-proxy", "args": ["mcp", "--agent", "claude"]}}}
`;
