/**
 * Record → generate → enforce allows everything recorded, as a property over the golden resolution
 * cases (test/pipeline/resolve/cases/*.jsonl): each case's request is resolved as the proxy would,
 * logged as an allowed call, and the policy generated from all of them (with each --resources
 * option) must allow every (action, resource) each call needs, with the call's context keys, by
 * the enforcement rule (a resource the proxy could not name against "*"). Unknown actions are
 * left out: no policy can allow them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../../src/pipeline/log/action-log.js';
import { activityOf, type Need } from '../../../src/policy/generate/activity.js';
import { verdictOf } from '../../../src/policy/generate/allowed-by.js';
import { generatePolicy } from '../../../src/policy/generate/generate.js';
import { RESOURCE_MODES } from '../../../src/policy/generate/resource-scope.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/policy/types.js';
import { resolveCase, type CaseRequest } from '../../support/resolve-case.js';
import { record } from './fixtures.js';

const dir = new URL('../../pipeline/resolve/cases/', import.meta.url);

async function resolvedCalls(): Promise<ActionRecord[]> {
  const records: ActionRecord[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('_')).sort()) {
    const lines = readFileSync(new URL(file, dir), 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('//'));
    for (const line of lines) {
      const { name, request } = JSON.parse(line) as { name: string; request: CaseRequest };
      const resolution = await resolveCase(request);
      if (!resolution.ok) continue; // a case the proxy refuses: never logged as allowed
      const { call } = resolution;
      records.push(record(call.authorizations, { service: call.service, operation: `${file} ${name}`, context: call.context }));
    }
  }
  return records;
}

const ALLOW_ALL: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

let records: ActionRecord[] = [];
/** Needs iam-simulate cannot evaluate under any policy: enforcement denies them whatever the policy says. */
const unevaluable = new Set<string>();
const keyOf = (need: Need): string => JSON.stringify([need.action, need.resource, need.context]);
beforeAll(async () => {
  records = await resolvedCalls();
  for (const need of activityOf(records).needs) if ((await verdictOf(ALLOW_ALL, need)) === 'error') unevaluable.add(keyOf(need));
}, 60_000);

it('iam-simulate evaluates every call but API Gateway v2 and S3 Multi-Region Access Point ones (iam-data lists no /apis resource types for apigateway:GET and the like, none for an MRAP\'s objects)', () => {
  expect(unevaluable.size).toBeGreaterThan(0);
  const known = /^\["(apigateway:[A-Z]+",\{"arn":"arn:aws:apigateway:[a-z0-9-]+::\/apis|s3:[A-Za-z]+",\{"arn":"arn:aws:s3::\d{12}:accesspoint\/[a-z0-9]+\.mrap)/;
  expect([...unevaluable].filter((key) => !known.test(key))).toEqual([]);
});

describe.each(RESOURCE_MODES)('--resources %s', (mode) => {
  it('the policy generated from every golden case allows each of their calls', async () => {
    const activity = activityOf(records);
    expect(records.length).toBeGreaterThan(250);
    expect(activity.needs.some((n) => n.resource && !n.resource.resolved)).toBe(true);
    const { document } = await generatePolicy(activity, { resources: mode, compact: false });
    const denied: string[] = [];
    for (const need of activity.needs) {
      if (unevaluable.has(keyOf(need))) continue;
      const verdict = await verdictOf(document, need);
      if (verdict !== 'allowed') denied.push(`${verdict}: ${need.action} on ${need.resource?.arn ?? '*'}`);
    }
    expect(denied).toEqual([]);
  });
});

describe('--resources exact', () => {
  it('names nothing that was not logged: every resource is a logged ARN, or "*" for an action that needs it', async () => {
    const activity = activityOf(records);
    const { document } = await generatePolicy(activity, { resources: 'exact', compact: false });
    const logged = new Set(activity.needs.flatMap((n) => (n.resource?.resolved ? [n.resource.arn.replace(/\$/g, '${$}')] : [])));
    const needsStar = new Set(activity.needs.filter((n) => !n.resource?.resolved).map((n) => n.action));
    for (const statement of ([] as PolicyStatement[]).concat(document.Statement)) {
      const resources = ([] as string[]).concat(statement.Resource ?? []);
      if (resources.includes('*')) for (const action of ([] as string[]).concat(statement.Action ?? [])) expect(needsStar, action).toContain(action);
      else for (const arn of resources) expect(logged, arn).toContain(arn);
    }
  });
});
