import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../src/pipeline/log/action-log.js';
import { observedLog, type PipelineObserver } from '../../src/pipeline/observer.js';

/** The shape observedLog needs; the real log (log-writer.ts) has more, passed through untouched. */
interface ActionLog {
  write(record: ActionRecord): unknown;
  close(): Promise<void>;
}

const record = { decision: 'allowed', service: 'sts', authorizations: [], latencyMs: 1 } as unknown as ActionRecord;

function recordingObserver(): PipelineObserver & { seen: ActionRecord[] } {
  const seen: ActionRecord[] = [];
  return { seen, onRecord: (r) => void seen.push(r), onUpstreamError: () => {} };
}

describe('observedLog', () => {
  it('is the log itself when there is no observer', () => {
    const log: ActionLog = { write: () => {}, close: async () => {} };
    expect(observedLog(log, undefined)).toBe(log);
  });

  it('writes each record, then shows it to the observer; everything else goes to the log', async () => {
    const order: string[] = [];
    let closed = false;
    const log: ActionLog = { write: () => void order.push('written'), close: async () => void (closed = true) };
    const observer = recordingObserver();
    const observed = observedLog(log, { ...observer, onRecord: (r) => (order.push('observed'), observer.onRecord(r)) });
    observed.write(record);
    expect(order).toEqual(['written', 'observed']);
    expect(observer.seen).toEqual([record]);
    await observed.close();
    expect(closed).toBe(true);
  });

  it('works for a log that is a class with private state and more methods, and passes back what write returns', () => {
    class ChainedLog implements ActionLog {
      #count = 0;
      write(_record: ActionRecord): string {
        this.#count++;
        return `#${this.#count}`;
      }
      written(): number {
        return this.#count;
      }
      async close(): Promise<void> {}
    }
    const observer = recordingObserver();
    const observed = observedLog(new ChainedLog(), observer);
    expect(observed.write(record)).toBe('#1');
    expect(observed.write(record)).toBe('#2');
    expect(observed.written()).toBe(2);
    expect(observer.seen).toHaveLength(2);
  });

  it('never lets an observer that throws break logging; says so once', () => {
    const written: ActionRecord[] = [];
    const warnings: string[] = [];
    const observed = observedLog(
      { write: (r) => void written.push(r), close: async () => {} },
      { onRecord: () => { throw new Error('bad label'); }, onUpstreamError: () => {} },
      (message) => warnings.push(message),
    );
    observed.write(record);
    observed.write(record);
    expect(written).toHaveLength(2);
    expect(warnings).toEqual(['metrics: a record could not be counted: bad label']);
  });
});
