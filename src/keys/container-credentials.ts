import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../state/files.js';
import { LOOPBACK_HOST, loopbackHost } from '../net/loopback-host.js';
import { AGENT_NAME } from './agent-registry.js';
import { loadOrCreateMasterKey } from './master-key.js';
import type { ProcessCredentials } from './socket-protocol.js';

/**
 * The pure part of the container credential endpoint (container-endpoint.ts): the per-agent
 * token, the checks on each request and the JSON the SDKs read (AWS_CONTAINER_CREDENTIALS_FULL_URI
 * with AWS_CONTAINER_AUTHORIZATION_TOKEN: botocore's ContainerProvider, the JS SDK v3's fromHttp,
 * the Go SDK v2's endpointcreds).
 */

/** The endpoint listens here only: a loopback address SDKs accept over plain HTTP (botocore 1.29 accepts 127.0.0.1 and localhost, nothing else). */
export const CONTAINER_ENDPOINT_HOST = LOOPBACK_HOST;
/** Where the running proxy writes the port it listens on (for PROXY_CREDENTIALS_PORT=0). */
export const CONTAINER_ENDPOINT_FILE = 'credentials-endpoint.json';
const PATH_PREFIX = '/agents/';

/**
 * An agent's token: HMAC(master key, label + name), so it survives restarts, needs no file, and
 * only whoever can read master.key (the proxy's user) can compute it. A new master.key changes
 * every token (and every key).
 */
export function containerToken(master: Buffer, agent: string): string {
  return createHmac('sha256', master).update(`container-credentials-token:v1:${agent}`).digest('base64url');
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokenMatches(master: Buffer, agent: string, presented: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(containerToken(master, agent)), digest(presented));
}

export function containerEndpointUrl(port: number, agent: string): string {
  return `http://${CONTAINER_ENDPOINT_HOST}:${port}${PATH_PREFIX}${encodeURIComponent(agent)}`;
}

/**
 * The JSON an ECS-style credential endpoint serves. `Token` is there but empty: botocore reads
 * `response['Token']` (absent is a KeyError) and the JS SDK v3 requires a string, while an agent
 * key must be sent with no session token at all (the authenticator refuses a token the key does not
 * own). An empty token is sent by none of them on a signed request. (botocore's presigned URLs do
 * carry an empty X-Amz-Security-Token, which the proxy refuses: see the README.)
 */
export interface ContainerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: '';
  Expiration: string;
}

export function toContainerCredentials(key: ProcessCredentials): ContainerCredentials {
  return { AccessKeyId: key.AccessKeyId, SecretAccessKey: key.SecretAccessKey, Token: '', Expiration: key.Expiration };
}

/** A refusal: the status and a one-line JSON body in the form the SDKs read errors in (`Code`, `Message`). */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

export interface ContainerRequest {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Checks everything but the token's agent rules: no browser (an Origin header), a loopback Host of
 * this port (a DNS-rebound page names its own host), GET, `/agents/<name>`, the agent's token.
 * Returns the agent the request may have keys for, or why not.
 */
export function checkContainerRequest(request: ContainerRequest, port: number, master: Buffer): { agent: string } | Refusal {
  const { headers } = request;
  if (headers.origin !== undefined) {
    return { status: 403, code: 'AccessDenied', message: 'requests from a browser (with an Origin header) are refused' };
  }
  if (!loopbackHost(headers.host, port)) {
    return { status: 403, code: 'AccessDenied', message: `the Host header must be ${CONTAINER_ENDPOINT_HOST}:${port} or localhost:${port}` };
  }
  if (request.method !== 'GET') {
    return { status: 405, code: 'MethodNotAllowed', message: 'only GET is served', headers: { allow: 'GET' } };
  }
  const url = request.url ?? '';
  const name = url.startsWith(PATH_PREFIX) ? safeDecode(url.slice(PATH_PREFIX.length)) : undefined;
  if (name === undefined || !AGENT_NAME.test(name)) {
    return { status: 404, code: 'NotFound', message: `credentials are served at ${PATH_PREFIX}<agent name>, with no query` };
  }
  const token = headers.authorization;
  if (token === undefined || token === '') {
    return { status: 401, code: 'Unauthorized', message: 'no Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN to the agent\'s token' };
  }
  if (typeof token !== 'string' || !tokenMatches(master, name, token)) {
    return { status: 403, code: 'AccessDenied', message: `this is not agent "${name}"'s token` };
  }
  return { agent: name };
}

/** A Host header naming this loopback listener (127.0.0.1 or localhost, this port): a DNS-rebound page names its own host. */
function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export function refusalBody(refusal: Refusal): string {
  return `${JSON.stringify({ Code: refusal.code, Message: refusal.message })}\n`;
}

export interface ContainerCredentialsEnv {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: string;
  AWS_CONTAINER_AUTHORIZATION_TOKEN: string;
}

/** The endpoint is not running or not configured: the message says what to do. */
export class ContainerEndpointError extends Error {}

/**
 * What an agent's environment needs to fetch its keys from the endpoint. `credentialsPort` is the
 * configured PROXY_CREDENTIALS_PORT (undefined: the endpoint is off); for 0 the port the running
 * proxy wrote to `<stateDir>/credentials-endpoint.json` is used. Reads (or, before the proxy's first
 * start, creates) master.key: only the proxy's user can run this.
 */
export function containerCredentialsEnv(settings: { stateDir: string; credentialsPort: number | undefined }, agent: string): ContainerCredentialsEnv {
  if (!AGENT_NAME.test(agent)) throw new ContainerEndpointError(`agent name "${agent}" must match ${AGENT_NAME}`);
  if (settings.credentialsPort === undefined) {
    throw new ContainerEndpointError('the container credential endpoint is off: start the proxy with PROXY_CREDENTIALS_PORT=<port> (and give this command the same)');
  }
  const port = settings.credentialsPort === 0 ? runningPort(settings.stateDir) : settings.credentialsPort;
  return {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: containerEndpointUrl(port, agent),
    AWS_CONTAINER_AUTHORIZATION_TOKEN: containerToken(masterKeyOf(settings.stateDir), agent),
  };
}

function masterKeyOf(stateDir: string): Buffer {
  ensurePrivateDir(stateDir);
  return loadOrCreateMasterKey(stateDir);
}

function runningPort(stateDir: string): number {
  const path = join(stateDir, CONTAINER_ENDPOINT_FILE);
  let port: unknown;
  try {
    port = (JSON.parse(readFileSync(path, 'utf8')) as { port?: unknown }).port;
  } catch {
    throw new ContainerEndpointError(`PROXY_CREDENTIALS_PORT=0 picks a port at start and ${path} names none: is the proxy running? (a fixed PROXY_CREDENTIALS_PORT survives restarts)`);
  }
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new ContainerEndpointError(`${path} names no port: restart the proxy`);
  return port as number;
}
