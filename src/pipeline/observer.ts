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
 * The log, each record also shown to `observer` once written. Whatever else the log offers is passed
 * through untouched (a Proxy, so that a log with more methods, or a class, keeps working). An observer
 * that throws is reported once through `warn` and never breaks logging.
 */
export function observedLog<Log extends { write(record: ActionRecord): unknown }>(log: Log, observer: PipelineObserver | undefined, warn: (message: string) => void = () => {}): Log {
  if (!observer) return log;
  let warned = false;
  const write = (record: ActionRecord): unknown => {
    const written = log.write(record);
    try {
      observer.onRecord(record);
    } catch (error) {
      if (!warned) warn(`metrics: a record could not be counted: ${(error as Error).message}`);
      warned = true;
    }
    return written;
  };
  return new Proxy(log, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
