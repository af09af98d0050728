import type { AwsError } from '../../aws/errors.js';
import { UpstreamTimeoutError } from './timeouts.js';

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

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
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const why =
    code === 'ECONNREFUSED'
      ? 'refused the connection'
      : code === 'ECONNRESET' || code === 'EPIPE'
        ? 'reset the connection'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'could not be resolved'
          : TLS_CODES.test(code)
            ? `failed the TLS handshake (${error.message}): check the system CA store and NODE_EXTRA_CA_CERTS of the proxy`
            : `could not be reached (${error.message})`;
  return { status: 502, code: 'BadGateway', message: `iam-agent-proxy: ${host} ${why}` };
}
