/** An IAM identity policy document, as JSON parsed it (validated by validatePolicyDocument before use). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

/**
 * record: forward everything; enforce: forward only what the policy allows; shadow: evaluate as
 * enforce, forward everything; ask: enforce, holding a denied call while a person decides on a grant.
 */
export type PolicyMode = 'record' | 'enforce' | 'shadow' | 'ask';

/** Modes in which a denied call is not forwarded. */
export function enforcing(mode: PolicyMode): boolean {
  return mode === 'enforce' || mode === 'ask';
}

/** What governs one agent's calls. */
export interface AgentPolicy {
  mode: PolicyMode;
  /** Absent in record mode without a policy; required for enforce and shadow. */
  policy: PolicyDocument | undefined;
  /** Where it came from, for messages and the log: `policies.json#agents.claude`, `allowlist.json`. */
  source: string;
  /** Changes whenever the policy in force changes (a reload): keys the decision cache. */
  version: number;
}

/** The policies in force, swapped atomically on reload. */
export interface PolicySet {
  forAgent(agent: string): AgentPolicy;
}
