import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UPSTREAM_ERROR_KINDS, upstreamErrorKind } from '../pipeline/forward/upstream-failure.js';
import type { ActionRecord } from '../pipeline/log/action-log.js';
import type { PipelineObserver } from '../pipeline/observer.js';
import type { CredentialHealth } from './health.js';

/**
 * The proxy's Prometheus metrics, served by the admin listener (admin-server.ts) at /metrics.
 *
 * Label values come only from bounded sets the agent cannot grow at will: the catalog's service ids
 * (matched from the host against the endpoint table, never copied from the request), the four
 * verdicts, IAM actions the IAM reference defines (anything else is `unresolved`), the agents the
 * operator declared (PROXY_AGENTS, and `default`; agents record mode creates on first use are
 * `other`, since an agent can name up to 1000 of them) and a fixed list of upstream error kinds.
 * Never a key id, a secret, a resource, a host or a region.
 */

export const METRIC_PREFIX = 'iam_agent_proxy_';

/** From 0.5 ms (a refusal answered locally) to 10 s (a slow upstream), in seconds. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the metrics read at scrape time. */
export interface MetricsSources {
  /** The keys the proxy accepts now (KeyStore.liveKeys): counted, never listed. */
  liveKeys(): ReadonlyArray<{ agent: string; session?: unknown }>;
  /** Whether the operator declared this agent (PROXY_AGENTS): only those are named in labels. */
  isDeclared(agent: string): boolean;
  /** Whether real credentials could be had the last time they were asked for. */
  upstreamCredentials?(): CredentialHealth;
}

export interface ProxyMetrics {
  /** Hand this to the pipeline (recordObserver, PipelineDeps.observer). */
  observer: PipelineObserver;
  /** The Prometheus text exposition. */
  scrape(): Promise<string>;
  contentType: string;
}

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (CPU, memory, event loop, GC); on by default. */
  defaultMetrics?: boolean;
}

const DEFAULT_AGENT = 'default';
const CREDENTIAL_STATES: readonly CredentialHealth[] = ['ok', 'failing', 'unknown'];
/** Service ids as the catalog spells them; anything else (there should be none) is counted as `other`. */
const SERVICE_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/;
/** An IAM action as the IAM reference spells it: `service:Action`. */
const IAM_ACTION = /^[a-z0-9-]{1,64}:[A-Za-z0-9]{1,128}$/;

export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Counter({
    name: `${METRIC_PREFIX}requests_total`,
    help: 'Requests the proxy answered, one per action-log record (refused non-AWS egress is service "egress"), by service, decision and agent.',
    labelNames: ['service', 'decision', 'agent'] as const,
    registers,
  });
  const decisions = new Counter({
    name: `${METRIC_PREFIX}policy_decisions_total`,
    help: 'Requests a policy was evaluated for (enforce and shadow mode), by verdict: allowed, blocked or would-block.',
    labelNames: ['verdict'] as const,
    registers,
  });
  const denials = new Counter({
    name: `${METRIC_PREFIX}denials_total`,
    help: 'Requests a policy denied (blocked) or would have denied (would-block), by the IAM action denied ("unresolved" for one AWS does not define).',
    labelNames: ['action', 'verdict'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${METRIC_PREFIX}request_duration_seconds`,
    help: 'Time from the request reaching the proxy to its record being written (upstream time included for forwarded calls), by decision.',
    labelNames: ['decision'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const upstreamErrors = new Counter({
    name: `${METRIC_PREFIX}upstream_errors_total`,
    help: 'Forwarded requests upstream failed: could not connect (refused, dns), broke off (reset, timeout), TLS failed, answered 5xx, or other.',
    labelNames: ['kind'] as const,
    registers,
  });
  for (const kind of UPSTREAM_ERROR_KINDS) upstreamErrors.inc({ kind }, 0); // every kind shown from the start: rate() needs the zero

  new Gauge({
    name: `${METRIC_PREFIX}live_keys`,
    help: 'Keys the proxy accepts now: agent keys issued or used in this run, and sessions (credentials a response carried).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const keys = sources.liveKeys();
      const sessions = keys.filter((key) => key.session !== undefined).length;
      this.set({ kind: 'agent' }, keys.length - sessions);
      this.set({ kind: 'session' }, sessions);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}active_agents`,
    help: 'Agents holding at least one live key.',
    registers,
    collect() {
      this.set(new Set(sources.liveKeys().map((key) => key.agent)).size);
    },
  });
  if (sources.upstreamCredentials) {
    const health = sources.upstreamCredentials;
    new Gauge({
      name: `${METRIC_PREFIX}upstream_credentials`,
      help: 'How the last lookup of real AWS credentials went: 1 for the current state (ok, failing, or unknown before the first lookup), 0 for the others.',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const current = health();
        for (const state of CREDENTIAL_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
  }

  const agentLabel = (agent: string | undefined): string => {
    if (agent === undefined) return 'none';
    return agent === DEFAULT_AGENT || sources.isDeclared(agent) ? agent : 'other';
  };

  const observer: PipelineObserver = {
    onRecord(record: ActionRecord) {
      const decision = record.decision;
      const service = record.service === undefined ? 'none' : SERVICE_ID.test(record.service) ? record.service : 'other';
      requests.inc({ service, decision, agent: agentLabel(record.agent) });
      latency.observe({ decision }, Math.max(0, record.latencyMs) / 1000);
      if (record.evaluation && decision !== 'refused') decisions.inc({ verdict: decision });
      if (decision === 'blocked' || decision === 'would-block') denials.inc({ action: deniedAction(record), verdict: decision });
      if (record.upstreamStatus !== undefined && record.upstreamStatus >= 500) upstreamErrors.inc({ kind: '5xx' });
    },
    onUpstreamError(error: unknown) {
      upstreamErrors.inc({ kind: upstreamErrorKind(error) });
    },
  };
  return { observer, scrape: () => registry.metrics(), contentType: registry.contentType };
}

/** The action a denial names, if the IAM reference defines it (the call's authorizations say so); otherwise `unresolved`. */
function deniedAction(record: ActionRecord): string {
  const action = record.evaluation?.denied?.action;
  if (action === undefined) return 'unresolved';
  const known = record.authorizations.some((a) => a.known && a.action === action);
  return known && IAM_ACTION.test(action) ? action : 'unresolved';
}
