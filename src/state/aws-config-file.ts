import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { addProfileBlock, hasProfileBlock, ourProfileDefinedIn, removeProfileBlock, type ProfileSettings } from './aws-config-block.js';
import { writeFileAtomic } from './files.js';

export class ProfileConflictError extends Error {}

/**
 * Adds `[profile iam-agent-proxy]` (and `[profile iam-agent-proxy-no-ca-bundle]`, the same without
 * ca_bundle) to the AWS config file, first repairing a block left behind by a proxy that was
 * killed. Returns the function that takes it out again.
 */
export function installProfile(path: string, settings: ProfileSettings): () => void {
  const current = readIfExists(path);
  const conflict = current === undefined ? undefined : ourProfileDefinedIn(current);
  if (conflict !== undefined) {
    throw new ProfileConflictError(
      `${path} already has its own [profile ${conflict}]; rename or remove that profile (the proxy adds and removes its own), or point AWS_CONFIG_FILE elsewhere.`,
    );
  }
  const original = current !== undefined && hasProfileBlock(current) ? removeProfileBlock(current) : current;
  const createdDir = !existsSync(dirname(path));
  const mode = current !== undefined ? statSync(path).mode & 0o777 : 0o600;
  const asBytes = { credentialProcess: utf8AsLatin1(settings.credentialProcess), caBundle: utf8AsLatin1(settings.caBundle) };
  writeFileAtomic(path, Buffer.from(addProfileBlock(original, asBytes), 'latin1'), mode);
  return () => {
    uninstallProfile(path);
    // Leave no trace: a ~/.aws made for our block goes too, if nothing else was put in it.
    if (createdDir && existsSync(dirname(path)) && readdirSync(dirname(path)).length === 0) rmdirSync(dirname(path));
  };
}

/** Removes our block, leaving the file byte for byte as it was (or absent, if we created it). */
export function uninstallProfile(path: string): void {
  const current = readIfExists(path);
  if (current === undefined || !hasProfileBlock(current)) return;
  const restored = removeProfileBlock(current);
  if (restored === undefined) unlinkSync(path);
  else writeFileAtomic(path, Buffer.from(restored, 'latin1'), statSync(path).mode & 0o777);
}

/** The file is handled as latin1 so that every byte, valid UTF-8 or not, survives the round trip. */
function utf8AsLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
