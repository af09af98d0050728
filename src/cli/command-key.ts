import { askProxy } from '../keys/socket-client.js';
import type { EnvironmentVariable } from './agent-environment.js';

/**
 * `run`'s key for tools that read only static keys from the environment (s3cmd, restic, s3fs, the
 * minio clients): a key of its own, not the agent's shared one, issued for the lifetime ceiling and
 * revoked (through admin.sock) when the command exits. SDKs prefer these variables to the profile,
 * so they use it too and do not refresh: a command that outlives the ceiling needs
 * `--no-static-keys`.
 */
export interface CommandKey {
  accessKeyId: string;
  secretAccessKey: string;
  expiration: string;
}

/** Asks the agent's socket for a fresh key; throws with the proxy's reason. */
export async function issueCommandKey(socket: string, agent: string | undefined, ttlSeconds: number): Promise<CommandKey> {
  const reply = await askProxy(socket, { op: 'credentials', ...(agent === undefined ? {} : { agent }), ttl: ttlSeconds, fresh: true });
  if (typeof reply.error === 'string') throw new Error(`the proxy gave the command no key: ${reply.error}`);
  const { AccessKeyId, SecretAccessKey, Expiration } = reply as Record<string, unknown>;
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || typeof Expiration !== 'string') throw new Error('the proxy gave the command no key: unreadable answer');
  return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, expiration: Expiration };
}

export function commandKeyVariables(key: CommandKey): EnvironmentVariable[] {
  return [
    { name: 'AWS_ACCESS_KEY_ID', value: key.accessKeyId },
    { name: 'AWS_SECRET_ACCESS_KEY', value: key.secretAccessKey },
    { name: 'AWS_CREDENTIAL_EXPIRATION', value: key.expiration },
  ];
}

/** Revokes the command's key; on failure, one line saying how to do it by hand. */
export async function revokeCommandKey(adminSocket: string, key: CommandKey, warn: (line: string) => void): Promise<void> {
  const manual = `revoke it with: iam-agent-proxy revoke --key ${key.accessKeyId} (it expires at ${key.expiration} anyway)`;
  try {
    const reply = await askProxy(adminSocket, { op: 'revoke', accessKeyId: key.accessKeyId });
    if (typeof reply.error === 'string') warn(`the command's key was not revoked (${reply.error}): ${manual}`);
  } catch (error) {
    warn(`the command's key was not revoked (${(error as Error).message}): ${manual}`);
  }
}
