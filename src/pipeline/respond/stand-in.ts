import type { IssuedKey, SessionRequest } from '../../keys/issued-key.js';
import { fetchUpstream, type OutboundRequest, type UpstreamTarget } from '../forward/forward.js';
import type { ResolvedCall } from '../resolve/types.js';
import { credentialResponse, MAX_CREDENTIAL_RESPONSE_BYTES, sessionTokenHeaderFor, unreadableCredentialResponse, type AgentResponse, type CredentialCall } from './credential-response.js';
import type { FoundCredentials, StandInCredentials } from './rewrite-credentials.js';

/** Opens a session over real credentials a response carried; the key store's `issueSession`. */
export type OpenSession = (request: SessionRequest) => IssuedKey;

/** Sends a call whose response carries credentials, and makes of the response what the agent may see. */
export async function exchangeForCredentials(
  outbound: OutboundRequest,
  upstream: UpstreamTarget,
  call: CredentialCall,
  standIn: (found: FoundCredentials) => StandInCredentials,
): Promise<{ response: AgentResponse; upstreamStatus?: number }> {
  try {
    const answer = await fetchUpstream(outbound, upstream, MAX_CREDENTIAL_RESPONSE_BYTES);
    return { response: credentialResponse(answer, call, standIn), upstreamStatus: answer.status };
  } catch (error) {
    return { response: unreadableCredentialResponse(call, (error as Error).message) };
  }
}

/**
 * The proxy keeps the real credentials and opens a session the agent reaches with a stand-in key.
 * The session is named for what it acts as: the call's first named resource (the role assumed,
 * the federated user, the bucket), else its action; its account is that resource's.
 */
export function standInFor(found: FoundCredentials, parent: IssuedKey, call: ResolvedCall, openSession: OpenSession): StandInCredentials {
  const primary = call.authorizations[0];
  const assumedRole = primary?.resources.find((r) => r.resolved)?.arn ?? primary?.action ?? `${call.service}:${call.operation}`;
  const accountId = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(assumedRole)?.[1];
  const key = openSession({
    parent,
    credentials: { accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey, sessionToken: found.sessionToken },
    expiresAt: found.expiresAt,
    assumedRole,
    accountId,
    tokenHeader: sessionTokenHeaderFor(call.service, call.operation),
  });
  const standIn: StandInCredentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  if (found.sessionToken !== undefined) standIn.sessionToken = key.session!.sessionToken;
  return standIn;
}
