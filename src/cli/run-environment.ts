import type { EnvironmentVariable } from './agent-environment.js';

/**
 * Variables that carry, or point at, real AWS credentials: `iam-agent-proxy run` removes every one
 * of them from the command's environment (the proxy it starts keeps them). Exact names.
 */
export const REAL_CREDENTIAL_VARIABLES: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN', // boto2 and older tools
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_ACCESS_KEY', // Java SDK v1 alias
  'AWS_SECRET_KEY', // Java SDK v1 alias
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CREDENTIAL_PROFILES_FILE', // Java SDK v1
  'AWS_PROFILE', // a real profile: replaced by the proxy's (or dropped for container credentials)
  'AWS_DEFAULT_PROFILE',
  'AWS_VAULT', // aws-vault's session marker
];

/**
 * Prefixes of such variables: ECS/EKS container credentials (the proxy's own endpoint variables are
 * put back from the agent environment), IAM Identity Center (SSO) settings.
 */
export const REAL_CREDENTIAL_PREFIXES: readonly string[] = ['AWS_CONTAINER_', 'AWS_SSO_'];

/** Whether `run` removes this variable from the command's environment. */
export function isRealCredentialVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return REAL_CREDENTIAL_VARIABLES.includes(upper) || REAL_CREDENTIAL_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/**
 * The command's environment: the parent's, less every real-credential variable, plus the agent
 * environment (`iam-agent-proxy env`'s variables, which win over the parent's). Pure.
 */
export function childEnvironment(parent: Record<string, string | undefined>, agentVariables: readonly EnvironmentVariable[]): Record<string, string> {
  const child: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || isRealCredentialVariable(name)) continue;
    child[name] = value;
  }
  for (const { name, value } of agentVariables) child[name] = value;
  return child;
}

/** The real-credential variables the parent has (names only), for a note or a test. */
export function strippedVariables(parent: Record<string, string | undefined>, agentVariables: readonly EnvironmentVariable[]): string[] {
  const kept = new Set(agentVariables.map((variable) => variable.name));
  return Object.keys(parent)
    .filter((name) => parent[name] !== undefined && isRealCredentialVariable(name) && !kept.has(name))
    .sort();
}
