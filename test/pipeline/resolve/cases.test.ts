import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ContextValue } from '../../../src/pipeline/resolve/types.js';
import { resolveCase, type CaseRequest } from '../../support/resolve-case.js';

/**
 * Golden cases, one JSON object per line in cases/<service>.jsonl: a wire request and what the
 * resolver must make of it. Resources are ARNs; one the request cannot name is written
 * `?<ARN pattern>`. A case that must be refused names the AWS error code instead. `actionContext`
 * holds condition keys of one action; `context` those of the whole request.
 */
interface GoldenCase {
  name: string;
  request: CaseRequest;
  expect:
    | { service?: string; operation: string; authorizations: Record<string, string[]>; context?: Record<string, ContextValue>; actionContext?: Record<string, Record<string, ContextValue>> }
    | { error: string; message?: string };
}

const dir = new URL('./cases/', import.meta.url);
/** `_pending.jsonl`: documented cases the resolver does not meet yet; not run. */
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('_')).sort();

for (const file of files) {
  const cases = readFileSync(new URL(file, dir), 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('//'))
    .map((line) => JSON.parse(line) as GoldenCase);
  describe(file, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const resolution = await resolveCase(c.request);
        if ('error' in c.expect) {
          expect(resolution.ok ? resolution.call : undefined).toBeUndefined();
          if (!resolution.ok) {
            expect(resolution.error.code).toBe(c.expect.error);
            if (c.expect.message) expect(resolution.error.message).toContain(c.expect.message);
          }
          return;
        }
        if (!resolution.ok) throw new Error(`refused: ${resolution.error.code}: ${resolution.error.message}`);
        const { call } = resolution;
        if (c.expect.service) expect(call.service).toBe(c.expect.service);
        expect(call.operation).toBe(c.expect.operation);
        const got = Object.fromEntries(
          call.authorizations.map((a) => [a.known ? a.action : `UNRESOLVED ${a.action}`, a.resources.map((r) => (r.resolved ? r.arn : `?${r.arn}`)).sort()]),
        );
        const want = Object.fromEntries(Object.entries(c.expect.authorizations).map(([action, arns]) => [action, [...arns].sort()]));
        expect(got).toStrictEqual(want);
        if (c.expect.context) expect(call.context).toMatchObject(c.expect.context);
        for (const [action, context] of Object.entries(c.expect.actionContext ?? {})) {
          expect(call.authorizations.find((a) => a.action === action)?.context).toMatchObject(context);
        }
      });
    }
  });
}
