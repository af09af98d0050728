import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';
import { parseGrantRules } from './grant-rules.js';
import { GrantError, type GrantSettings } from './types.js';

/** PROXY_GRANT_RULES read and checked at start: a mistake in it stops the proxy with the reason. */
export function loadGrantSettings(path: string | undefined, askTimeoutMs: number): GrantSettings {
  if (path === undefined) return { ...parseGrantRules({}, 'the defaults'), askTimeoutMs };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`PROXY_GRANT_RULES ${path}: ${(error as Error).message}`);
  }
  try {
    return { ...parseGrantRules(json, path), askTimeoutMs };
  } catch (error) {
    if (error instanceof GrantError) throw new ConfigError(`PROXY_GRANT_RULES ${error.message}`);
    throw error;
  }
}
