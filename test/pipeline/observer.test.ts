import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../src/pipeline/log/action-log.js';
import { recordObserver, type PipelineObserver } from '../../src/pipeline/observer.js';

const record = { decision: 'allowed', service: 'sts', authorizations: [], latencyMs: 1 } as unknown as ActionRecord;

function recordingObserver(): PipelineObserver & { seen: ActionRecord[] } {
  const seen: ActionRecord[] = [];
  return { seen, onRecord: (r) => void seen.push(r), onUpstreamError: () => {} };
}

describe('recordObserver', () => {
  it('does nothing when there is no observer', () => {
    expect(() => recordObserver(undefined)(record)).not.toThrow();
  });

  it('shows each record to the observer', () => {
    const observer = recordingObserver();
    const observe = recordObserver(observer);
    observe(record);
    observe(record);
    expect(observer.seen).toEqual([record, record]);
  });

  it('never lets an observer that throws break the caller; says so once', () => {
    const warnings: string[] = [];
    const observe = recordObserver({ onRecord: () => { throw new Error('bad label'); }, onUpstreamError: () => {} }, (message) => warnings.push(message));
    expect(() => (observe(record), observe(record))).not.toThrow();
    expect(warnings).toEqual(['metrics: a record could not be counted: bad label']);
  });
});
