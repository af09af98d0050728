import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directEvaluator, evaluateCall } from '../../../src/policy/evaluate/evaluate-call.js';
import type { PolicyDocument } from '../../../src/policy/types.js';
import type { RequestContext, ResolvedCall } from '../../../src/pipeline/resolve/types.js';

/** policy + call → verdict, as data (in the manner of iam-simulate's own case files). */
interface Case {
  name: string;
  policy: PolicyDocument;
  global?: RequestContext;
  call: {
    context?: RequestContext;
    readableKeys?: string[][];
    authorizations: Array<{ action: string; known?: boolean; resources: Array<{ arn: string; resolved?: boolean }>; context?: RequestContext }>;
  };
  expect: { allowed: boolean; results: Array<Record<string, unknown>>; adjustments?: Array<Record<string, unknown>> };
}

const DIR = join(import.meta.dirname, 'cases');
const PRINCIPAL = { arn: 'arn:aws:iam::123456789012:user/agent-runner', accountId: '123456789012' };

function resolvedCall(spec: Case['call']): ResolvedCall {
  return {
    host: 'example.amazonaws.com',
    service: 's3',
    signingName: 's3',
    region: 'us-east-1',
    partition: 'aws',
    protocol: 'restXml',
    operation: 'GetObject',
    context: spec.context ?? { 'aws:RequestedRegion': 'us-east-1' },
    disableDoubleEncoding: false,
    readableKeys: spec.readableKeys,
    authorizations: spec.authorizations.map((a) => ({
      action: a.action,
      known: a.known ?? true,
      context: a.context,
      resources: a.resources.map((r) => ({ arn: r.arn, resolved: r.resolved ?? true })),
    })),
  };
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
  describe(file, () => {
    for (const c of JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Case[]) {
      it(c.name, async () => {
        const policy = { Version: '2012-10-17', ...c.policy };
        const evaluation = await evaluateCall(resolvedCall(c.call), PRINCIPAL, c.global ?? {}, directEvaluator(policy));
        expect(evaluation.allowed).toBe(c.expect.allowed);
        expect(evaluation.results).toHaveLength(c.expect.results.length);
        c.expect.results.forEach((expected, i) => expect(evaluation.results[i]).toMatchObject(expected));
        if (c.expect.adjustments) expect(evaluation.adjustments).toMatchObject(c.expect.adjustments);
      });
    }
  });
}
