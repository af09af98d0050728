import type { OutgoingHttpHeaders } from 'node:http';
import { renderAwsError, type AwsError } from '../../aws/errors.js';
import type { SessionTokenHeader } from '../../keys/issued-key.js';
import type { CredentialLocation, Protocol } from '../../services/model.js';
import { relayableHeaders, type BufferedResponse } from '../forward/forward.js';
import { rewriteCredentials, type FoundCredentials, type StandInCredentials } from './rewrite-credentials.js';
import { readUpstreamError } from './upstream-error.js';

/** A response to an operation that returns credentials: small, and read whole before any of it is answered. */
export const MAX_CREDENTIAL_RESPONSE_BYTES = 1024 * 1024;

export interface CredentialCall {
  protocol: Protocol;
  /** The catalog's service id, for the error format (S3's differs). */
  service: string;
  operation: string;
  method: string;
  locations: CredentialLocation[];
}

export interface AgentResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  /** Set when the agent gets an error in place of what upstream said. */
  error?: string;
}

/** Response headers that describe the original bytes, which the agent does not get. */
const BODY_HEADERS = ['content-length', 'content-md5', 'etag'];

/**
 * What the agent gets for a credential-bearing response: the same response with stand-in
 * credentials, or an AWS-style error, never the upstream body. An upstream error is answered
 * with its code and message only.
 */
export function credentialResponse(upstream: BufferedResponse, call: CredentialCall, standIn: (found: FoundCredentials) => StandInCredentials): AgentResponse {
  if (upstream.status < 200 || upstream.status > 299) {
    return errorResponse(call, readUpstreamError(upstream.status, upstream.headers, upstream.body, call.protocol));
  }
  const encoding = upstream.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return withheld(call, `it came ${encoding}-encoded, which was not asked for`);
  }
  const rewritten = rewriteCredentials(upstream.body, call.protocol, call.operation, call.locations, standIn);
  if (!rewritten.ok) return withheld(call, rewritten.reason);
  const headers = relayableHeaders(upstream.headers);
  for (const name of BODY_HEADERS) delete headers[name];
  headers['content-length'] = String(rewritten.body.length);
  return { status: upstream.status, headers, body: rewritten.body };
}

/** The agent's answer when the credential response could not be read at all (cut short, too large, unreachable). */
export function unreadableCredentialResponse(call: CredentialCall, why: string): AgentResponse {
  return withheld(call, why);
}

function withheld(call: CredentialCall, why: string): AgentResponse {
  return errorResponse(call, { status: 502, code: 'BadGateway', message: `iam-agent-proxy withheld the ${call.operation} response, which carries credentials: ${why}.` });
}

function errorResponse(call: CredentialCall, error: AwsError): AgentResponse {
  const rendered = renderAwsError(call.protocol, error, { service: call.service, method: call.method });
  return { status: rendered.status, headers: rendered.headers, body: rendered.body, error: error.code };
}

/** S3 Express sessions carry their token in their own header; every other session in x-amz-security-token. */
export function sessionTokenHeaderFor(service: string, operation: string): SessionTokenHeader {
  return service === 's3' && operation === 'CreateSession' ? 'x-amz-s3session-token' : 'x-amz-security-token';
}
