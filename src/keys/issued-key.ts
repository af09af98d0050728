/** Real credentials the proxy holds for a session an agent opened (AssumeRole and the like). Never logged, never sent to an agent. */
export interface HeldCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The header a session's token travels in: STS-style sessions use x-amz-security-token, S3 Express sessions x-amz-s3session-token. */
export type SessionTokenHeader = 'x-amz-security-token' | 'x-amz-s3session-token';

/**
 * What stands behind a key the proxy handed out in place of credentials an AWS response carried:
 * requests signed with it are re-signed with `credentials`.
 */
export interface HeldSession {
  /** The proxy-issued token the agent must send with this key (in `tokenHeader`). */
  sessionToken: string;
  tokenHeader: SessionTokenHeader;
  credentials: HeldCredentials;
  /** Who the held credentials act as, for the log: a role ARN, federated user, S3 Express bucket… */
  assumedRole: string;
  /** The account the held credentials belong to, when known (ARNs of its calls are named in it). */
  accountId?: string;
  /** The key whose call returned these credentials; revoking it (or its agent) ends this session. */
  parentKeyId: string;
}

/** A key the proxy issued to an agent. Worthless outside this proxy. */
export interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  agent: string;
  issuedAt: number;
  expiresAt: number;
  /** Set on keys that stand in for credentials from an AWS response; absent on an agent's own keys. */
  session?: HeldSession;
}

export type KeyLookup = { status: 'valid'; key: IssuedKey } | { status: 'unknown' | 'expired' | 'revoked' };

/** A session to open: the real credentials a response carried, and what they act as. */
export interface SessionRequest {
  parent: IssuedKey;
  credentials: HeldCredentials;
  /** The real credentials' expiry; the proxy's key expires with them (or at the lifetime ceiling when they carry none). */
  expiresAt: number | undefined;
  assumedRole: string;
  accountId?: string;
  tokenHeader: SessionTokenHeader;
}
