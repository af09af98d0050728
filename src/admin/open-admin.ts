import type { PipelineObserver } from '../pipeline/observer.js';
import type { CredentialSource } from '../pipeline/resign/upstream-credentials.js';
import { serveAdmin } from './admin-server.js';
import { healthBody, trackCredentials, type CredentialHealth } from './health.js';
import { createMetrics, type MetricsSources } from './metrics.js';

export interface Admin {
  port: number;
  /** For the pipeline: each record (recordObserver) and PipelineDeps.observer. */
  observer: PipelineObserver;
  /** The proxy's credential source, watched for /healthz and upstream_credentials_ok. */
  watchCredentials(source: CredentialSource): CredentialSource;
  close(): Promise<void>;
}

/** PROXY_ADMIN_PORT set: the metrics and the listener that serves them with /healthz. */
export async function openAdmin(settings: { port: number; mode: string }, sources: Omit<MetricsSources, 'upstreamCredentials'>, now: () => number = Date.now): Promise<Admin> {
  const startedAt = now();
  let credentialHealth: () => CredentialHealth = () => 'unknown';
  const metrics = createMetrics({ ...sources, upstreamCredentials: () => credentialHealth() });
  const listener = await serveAdmin(
    { port: settings.port },
    {
      health: () => healthBody({ mode: settings.mode, startedAt, now: now(), upstreamCredentials: credentialHealth() }),
      metrics: async () => ({ body: await metrics.scrape(), contentType: metrics.contentType }),
    },
  );
  return {
    port: listener.port,
    observer: metrics.observer,
    watchCredentials(source) {
      const tracked = trackCredentials(source);
      credentialHealth = tracked.health;
      return tracked.source;
    },
    close: () => listener.close(),
  };
}
