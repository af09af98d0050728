import { describe, expect, it } from 'vitest';
import { detectionSignals, type SignalInput } from '../../src/grants/signals.js';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const MIN = 60_000;

function input(changes: Partial<SignalInput> = {}, durationSeconds = 900): SignalInput {
  return {
    request: { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::reports/x'], durationSeconds, reason: 'upload' },
    now: NOW,
    recentRequests: [],
    recentDenials: [],
    expanded: ['s3:PutObject'],
    maxDurationSeconds: 12 * 3600,
    ...changes,
  };
}

describe('detectionSignals', () => {
  it('has nothing to say about a first, short request', () => {
    expect(detectionSignals(input())).toEqual([]);
  });

  it('warns at the fifth request in 10 minutes, this one included', () => {
    const four = [NOW - 9 * MIN, NOW - 5 * MIN, NOW - MIN, NOW - 1000];
    expect(detectionSignals(input({ recentRequests: four.slice(1) }))).toEqual([]);
    expect(detectionSignals(input({ recentRequests: four }))).toEqual(['repeated requests: 5 in the last 10 min']);
  });

  it('counts only requests inside the window', () => {
    const old = [NOW - 10 * MIN - 1, NOW - 60 * MIN, NOW - 24 * 60 * MIN];
    expect(detectionSignals(input({ recentRequests: [...old, NOW - 10 * MIN, NOW - 2 * MIN, NOW - MIN] }))).toEqual([]);
    expect(detectionSignals(input({ recentRequests: [...old, NOW - 10 * MIN, NOW - 3 * MIN, NOW - 2 * MIN, NOW - MIN] }))).toEqual(['repeated requests: 5 in the last 10 min']);
  });

  it('warns at 80% of the ceiling or more', () => {
    expect(detectionSignals(input({}, 0.8 * 12 * 3600 - 1))).toEqual([]);
    expect(detectionSignals(input({}, 0.8 * 12 * 3600))).toEqual(['near the ceiling: 9h36m of 12h']);
    expect(detectionSignals(input({}, 12 * 3600))).toEqual(['near the ceiling: 12h of 12h']);
  });

  it('warns of a request for an action denied in the last 10 minutes, in any case', () => {
    const recentDenials = [
      { action: 'S3:putobject', at: NOW - 42_000 },
      { action: 's3:GetObject', at: NOW - 1000 },
      { action: 's3:PutObject', at: NOW - 11 * MIN },
    ];
    expect(detectionSignals(input({ recentDenials }))).toEqual(['follows a denial of S3:putobject 42 s ago']);
  });

  it('names the latest denial of each action, latest first, and counts those past three', () => {
    const expanded = ['s3:A', 's3:B', 's3:C', 's3:D', 's3:E'];
    const recentDenials = [
      { action: 's3:A', at: NOW - 300_000 },
      { action: 's3:A', at: NOW - 5000 },
      { action: 's3:B', at: NOW - 10_000 },
      { action: 's3:C', at: NOW - 20_000 },
      { action: 's3:D', at: NOW - 30_000 },
      { action: 's3:E', at: NOW - 40_000 },
      { action: 's3:F', at: NOW - 1000 },
    ];
    expect(detectionSignals(input({ expanded, recentDenials }))).toEqual([
      'follows a denial of s3:A 5 s ago',
      'follows a denial of s3:B 10 s ago',
      'follows a denial of s3:C 20 s ago',
      'follows denials of 2 more requested actions',
    ]);
  });

  it('counts a timestamp ahead of now as now', () => {
    expect(detectionSignals(input({ recentDenials: [{ action: 's3:PutObject', at: NOW + 5000 }] }))).toEqual(['follows a denial of s3:PutObject 0 s ago']);
    expect(detectionSignals(input({ recentRequests: [NOW + 1, NOW + 2, NOW + 3, NOW + 4] }))).toEqual(['repeated requests: 5 in the last 10 min']);
  });

  it('gives every warning that applies, in a fixed order', () => {
    const signals = detectionSignals(input({ recentRequests: [1, 2, 3, 4].map((m) => NOW - m * MIN), recentDenials: [{ action: 's3:PutObject', at: NOW - 60_000 }] }, 12 * 3600));
    expect(signals).toEqual(['repeated requests: 5 in the last 10 min', 'near the ceiling: 12h of 12h', 'follows a denial of s3:PutObject 60 s ago']);
  });
});
