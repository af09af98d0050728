import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './package-root.js';

/** The version in package.json: printed by --version, named in the action log's headers. */
export function proxyVersion(): string {
  return (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string }).version;
}
