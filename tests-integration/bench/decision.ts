/**
 * 7. Decision: the enforce-mode decider's time per call over the golden cases' requests, cold
 * (iam-simulate runs) and warm (cache hits), measured on the built code in a child process.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DecisionResult {
  /** Golden-case requests, and those that resolved into a call (the others are refused before a decision). */
  requests: number;
  calls: number;
  /** (action, resource) pairs over all calls: what is evaluated. */
  pairs: number;
  statements: number;
  allowStatements: number;
  policyChars: number;
  /** Calls by outcome of their first decision: `allowed`, `denied: <verdict>`. */
  verdicts: Record<string, number>;
  /** The run's very first decision: iam-simulate's own start included. */
  firstDecisionUs: number;
  firstPassMs: number;
  coldMedianUs: number;
  coldP99Us: number;
  coldMaxUs: number;
  medianUs: number;
  p99Us: number;
  /** Deciding interleaved with the baseline, median µs. */
  interleavedMedianUs: number;
  /** Baseline, interleaved in the same process: one SigV4 signature of the same request, median µs. */
  signMedianUs: number;
}

const CHILD = fileURLToPath(new URL('./decision-child.ts', import.meta.url));

export function measureDecision(): DecisionResult {
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', CHILD], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as DecisionResult;
}
