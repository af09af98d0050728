import type { ActionRecord } from './log/action-log.js';

/**
 * What the pipeline tells an onlooker (the admin listener's metrics, src/admin/metrics.ts): every
 * record as it is written to the action log, and every failure to reach upstream. It must not throw
 * and must not keep a record's secrets (a record holds none: see ActionRecord) or its key id.
 */
export interface PipelineObserver {
  /** One per action-log record: AWS requests and refused egress alike. */
  onRecord(record: ActionRecord): void;
  /** A forwarded request whose upstream could not be reached or broke off (the agent got 502). */
  onUpstreamError(error: unknown): void;
}

/**
 * Shows each record to `observer` (none: does nothing). An observer that throws never breaks the
 * caller (the log and console go on); it is reported once through `warn`.
 */
export function recordObserver(observer: PipelineObserver | undefined, warn: (message: string) => void = () => {}): (record: ActionRecord) => void {
  if (!observer) return () => {};
  let warned = false;
  return (record) => {
    try {
      observer.onRecord(record);
    } catch (error) {
      if (!warned) warn(`metrics: a record could not be counted: ${(error as Error).message}`);
      warned = true;
    }
  };
}
