import type { GrantDecisions } from '../grants/types.js';
import { LOOPBACK_HOST } from '../net/loopback-host.js';
import type { PipelineObserver } from '../pipeline/observer.js';
import type { CredentialSource } from '../pipeline/resign/upstream-credentials.js';
import { serveAdmin } from './admin-server.js';
import { createPageToken } from './approvals/token.js';
import { healthBody, trackCredentials, type CredentialHealth } from './health.js';
import { createMetrics, type MetricsSources } from './metrics.js';

export interface Admin {
  port: number;
  /** The approvals page with this start's token, for the banner; undefined without GrantDecisions. */
  approvalsUrl: string | undefined;
  /** For the pipeline: each record (recordObserver) and PipelineDeps.observer. */
  observer: PipelineObserver;
  /** The proxy's credential source, watched for /healthz and upstream_credentials_ok. */
  watchCredentials(source: CredentialSource): CredentialSource;
  close(): Promise<void>;
}

export interface AdminDeps {
  /** Serves the approvals page (/grants) when given. */
  decisions?: GrantDecisions;
  now?: () => number;
}

/**
 * PROXY_ADMIN_PORT set: the metrics and the listener that serves them with /healthz, and with
 * `decisions` the approvals page behind a token new at each start.
 */
export async function openAdmin(settings: { port: number; mode: string }, sources: Omit<MetricsSources, 'upstreamCredentials'>, deps: AdminDeps = {}): Promise<Admin> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const approvals = deps.decisions === undefined ? undefined : { decisions: deps.decisions, token: createPageToken() };
  let credentialHealth: () => CredentialHealth = () => 'unknown';
  const metrics = createMetrics({ ...sources, upstreamCredentials: () => credentialHealth() });
  const listener = await serveAdmin(
    { port: settings.port },
    {
      health: () => healthBody({ mode: settings.mode, startedAt, now: now(), upstreamCredentials: credentialHealth() }),
      metrics: async () => ({ body: await metrics.scrape(), contentType: metrics.contentType }),
      approvals,
    },
  );
  return {
    port: listener.port,
    approvalsUrl: approvals && `http://${LOOPBACK_HOST}:${listener.port}/grants?token=${approvals.token}`,
    observer: metrics.observer,
    watchCredentials(source) {
      const tracked = trackCredentials(source);
      credentialHealth = tracked.health;
      return tracked.source;
    },
    close: () => listener.close(),
  };
}
