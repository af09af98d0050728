import type { CredentialSource } from '../pipeline/resign/upstream-credentials.js';

/** Whether real credentials could be had the last time the proxy asked: `unknown` before the first time. */
export type CredentialHealth = 'ok' | 'failing' | 'unknown';

/** The same credential source, remembering how its last lookup went (no extra lookups: only what the proxy asks anyway). */
export function trackCredentials(source: CredentialSource): { source: CredentialSource; health(): CredentialHealth } {
  let last: CredentialHealth = 'unknown';
  return {
    source: {
      async get() {
        try {
          const credentials = await source.get();
          last = 'ok';
          return credentials;
        } catch (error) {
          last = 'failing';
          throw error;
        }
      },
    },
    health: () => last,
  };
}

export interface HealthFacts {
  /** PROXY_MODE (per-agent policies may set others). */
  mode: string;
  startedAt: number;
  now: number;
  upstreamCredentials: CredentialHealth;
}

/** The /healthz body: one JSON line, nothing secret. The proxy answering at all is the health; the rest is context. */
export function healthBody(facts: HealthFacts): string {
  const uptimeSeconds = Math.max(0, Math.floor((facts.now - facts.startedAt) / 1000));
  return `${JSON.stringify({ status: 'ok', mode: facts.mode, uptimeSeconds, upstreamCredentials: facts.upstreamCredentials })}\n`;
}
