import type { ResourceVerdict } from '../../policy/evaluate/evaluate.js';

/** AWS's own wording of an access denial, with the proxy's reason where AWS has none (an action it cannot map, a resource it cannot name). */
export function denialMessage(principalArn: string, denied: ResourceVerdict): string {
  const head = `User: ${principalArn} is not authorized to perform: ${denied.action} on resource: ${denied.resource}`;
  switch (denied.verdict) {
    case 'explicit-deny':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'unresolved-resource':
      return `${head} because no identity-based policy allows the ${denied.action} action on every resource (iam-agent-proxy cannot tell which resource this call touches, so only "Resource": "*" allows it)`;
    case 'unknown-action':
      return `${head} because ${denied.action} is not an action AWS defines (iam-agent-proxy could not map this request to one)`;
    case 'error':
      return `${head} because the policy could not be evaluated: ${denied.error ?? 'unknown error'}`;
    default:
      return `${head} because no identity-based policy allows the ${denied.action} action`;
  }
}

/**
 * Appended to a denial that a grant could lift, so an agent without the MCP server can still relay
 * the request to a person in words: what to ask for, and how.
 */
export function askingHint(missing: ReadonlyArray<{ action: string; resource: string }>): string {
  const actions = [...new Set(missing.map((m) => m.action))];
  const resources = [...new Set(missing.map((m) => m.resource))];
  return `. To ask for this access, call the request_access tool of iam-agent-proxy's MCP server (iam-agent-proxy mcp) with actions ${JSON.stringify(actions)} and resources ${JSON.stringify(resources)} and your reason, or ask the person running iam-agent-proxy to grant it`;
}
