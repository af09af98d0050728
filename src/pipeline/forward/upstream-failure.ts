import type { AwsError } from '../../aws/errors.js';
import { UpstreamTimeoutError } from './timeouts.js';

/** What went wrong reaching upstream, as the agent is told and the metrics count it (`5xx` is an answer, counted from the record). */
export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'tls' | 'dns' | '5xx' | 'other';
export const UPSTREAM_ERROR_KINDS: readonly UpstreamErrorKind[] = ['refused', 'reset', 'timeout', 'tls', 'dns', '5xx', 'other'];

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_CERT_)/;

/** The kind of an upstream failure: the proxy's own limits (PROXY_UPSTREAM_*TIMEOUT_MS), else Node's error code. */
export function upstreamErrorKind(error: unknown): UpstreamErrorKind {
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (TLS_CODES.test(code)) return 'tls';
  return 'other';
}

/**
 * What the agent is told when the upstream could not be reached or stopped answering: 502 or 504,
 * which every AWS SDK retries, with a message saying what happened and, for a limit, which setting
 * sets it. Only the host and the error's own text: never a header or a credential.
 */
export function upstreamFailure(host: string, error: Error): AwsError {
  if (error instanceof UpstreamTimeoutError) {
    const setting = error.phase === 'connect' ? 'PROXY_UPSTREAM_CONNECT_TIMEOUT_MS' : 'PROXY_UPSTREAM_TIMEOUT_MS';
    return { status: 504, code: 'GatewayTimeout', message: `iam-agent-proxy: ${host} ${error.message} (${setting})` };
  }
  const kind = upstreamErrorKind(error);
  const why =
    kind === 'refused'
      ? 'refused the connection'
      : kind === 'reset'
        ? 'reset the connection'
        : kind === 'dns'
          ? 'could not be resolved'
          : kind === 'tls'
            ? `failed the TLS handshake (${error.message}): check the system CA store and NODE_EXTRA_CA_CERTS of the proxy`
            : `could not be reached (${error.message})`;
  return { status: 502, code: 'BadGateway', message: `iam-agent-proxy: ${host} ${why}` };
}
