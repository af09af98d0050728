/**
 * Run in a process of its own by decision.ts: how long the decider takes per call in enforce mode,
 * over the golden cases' requests resolved into calls, against a policy built from those calls.
 * It measures the built proxy (dist/), not the sources through tsx. Prints one JSON line.
 *
 * The policy is what a reviewed, generated least-privilege policy looks like: one Allow per group
 * of actions needing the same resources (the calls' resolved ARNs, `*` for an action on no
 * resource or on one the proxy could not name), then three Deny statements as teams add them: any
 * action over plain HTTP (aws:SecureTransport), regional actions outside the regions most calls use
 * (aws:RequestedRegion, so some calls are denied), and a few destructive actions.
 */
import { createDecider } from '../../dist/pipeline/decide/decide.js';
import { IamReference } from '../../dist/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../dist/pipeline/resolve/endpoint/match-endpoint.js';
import { defaultCatalog } from '../../dist/services/catalog.js';
import { ACCOUNT_ID, type CaseRequest } from '../../test/support/case-request.js';
// Types only (erased): the code run is dist/'s.
import type { Decider, Decision } from '../../src/pipeline/decide/decide.js';
import type { ResolvedCall } from '../../src/pipeline/resolve/types.js';
import type { PolicyDocument, PolicySet, PolicyStatement } from '../../src/policy/types.js';
import { caseRequests, timedResolve, timedSign } from './golden-cases.js';

const catalog = defaultCatalog();
const deps = { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };

const specs = caseRequests();
const cases: Array<{ spec: CaseRequest; call: ResolvedCall }> = [];
for (const spec of specs) {
  const { resolution } = await timedResolve(spec, deps);
  if (resolution.ok) cases.push({ spec, call: resolution.call as ResolvedCall });
}

/** Regions that leave out the least-used ones, so the region Deny decides some calls. */
function mainRegions(calls: ResolvedCall[]): string[] {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.region, (counts.get(call.region) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const kept: string[] = [];
  let covered = 0;
  for (const [region, n] of sorted) {
    if (covered >= 0.9 * calls.length) break;
    kept.push(region);
    covered += n;
  }
  return kept.sort();
}

/** `${` in an ARN is the resource's own text, not a policy variable (as the policy generator writes it). */
const policyArn = (arn: string): string => arn.replace(/\$/g, '${$}');

function benchPolicy(calls: ResolvedCall[]): PolicyDocument {
  const resourcesByAction = new Map<string, Set<string>>();
  for (const call of calls) {
    for (const { action, known, resources } of call.authorizations) {
      if (!known) continue;
      let set = resourcesByAction.get(action);
      if (!set) resourcesByAction.set(action, (set = new Set()));
      if (resources.length === 0) set.add('*');
      for (const { arn, resolved } of resources) set.add(resolved ? policyArn(arn) : '*');
    }
  }
  const actionsByResources = new Map<string, string[]>();
  for (const [action, set] of resourcesByAction) {
    const key = [...set].sort().join('\n');
    actionsByResources.set(key, [...(actionsByResources.get(key) ?? []), action]);
  }
  const allows: PolicyStatement[] = [...actionsByResources].map(([key, actions], i) => ({
    Sid: `Allow${i + 1}`,
    Effect: 'Allow',
    Action: actions.sort(),
    Resource: key.split('\n'),
  }));
  const denies: PolicyStatement[] = [
    { Sid: 'DenyInsecureTransport', Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    {
      Sid: 'DenyOutsideRegions',
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*', 'organizations:*', 'route53:*', 'cloudfront:*', 'support:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': mainRegions(calls) } },
    },
    {
      Sid: 'DenyDestructive',
      Effect: 'Deny',
      Action: ['s3:DeleteBucket', 'dynamodb:DeleteTable', 'ec2:TerminateInstances', 'kms:ScheduleKeyDeletion', 'iam:DeleteRole', 'iam:CreateAccessKey', 'rds:DeleteDBInstance'],
      Resource: '*',
    },
  ];
  return { Version: '2012-10-17', Statement: [...allows, ...denies] };
}

const policy = benchPolicy(cases.map((c) => c.call));
const policies: PolicySet = { forAgent: () => ({ mode: 'enforce', policy, source: 'bench', version: 1 }) };
const identity = { arn: `arn:aws:iam::${ACCOUNT_ID}:user/bench`, userId: 'AIDABENCHBENCHBENCH00', account: ACCOUNT_ID };
const decide: Decider = createDecider(policies, { identity: () => identity });
const connection = { secure: true, sourceIp: '127.0.0.1' };

async function decideOnce(call: ResolvedCall): Promise<{ us: number; decision: Decision }> {
  const now = new Date();
  const started = performance.now();
  const decision = await decide({ call, agent: 'default', accountId: ACCOUNT_ID, connection, now });
  return { us: (performance.now() - started) * 1000, decision };
}

// Cold: the first decision of each call, which runs iam-simulate for each (action, resource) not seen before.
const firstStarted = performance.now();
const cold: number[] = [];
const verdicts: Record<string, number> = {};
for (const { call } of cases) {
  const { us, decision } = await decideOnce(call);
  cold.push(us);
  const reason = decision.verdict === 'allowed' ? 'allowed' : `denied: ${decision.evaluation?.denied?.verdict ?? 'unknown'}`;
  verdicts[reason] = (verdicts[reason] ?? 0) + 1;
}
const firstPassMs = performance.now() - firstStarted;

// Warm: every decision a cache hit, after V8 has optimised the path.
for (let round = 0; round < 100; round++) for (const { call } of cases) await decideOnce(call);
const samples: number[] = [];
for (let round = 0; round < 50; round++) for (const { call } of cases) samples.push((await decideOnce(call)).us);
// Interleaved with the baseline, so both see the same machine.
for (let round = 0; round < 20; round++) for (const { spec } of cases) await timedSign(spec, deps.endpoints);
const mixedDecide: number[] = [];
const mixedSign: number[] = [];
for (let round = 0; round < 30; round++) {
  for (const { spec, call } of cases) {
    mixedDecide.push((await decideOnce(call)).us);
    mixedSign.push(await timedSign(spec, deps.endpoints));
  }
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const at = (values: number[], q: number) => sorted(values)[Math.min(values.length - 1, Math.floor(values.length * q))]!;
const statements = policy.Statement as PolicyStatement[];
console.log(
  JSON.stringify({
    requests: specs.length,
    calls: cases.length,
    pairs: cases.reduce((n, { call }) => n + call.authorizations.reduce((m, a) => m + Math.max(1, a.resources.length), 0), 0),
    statements: statements.length,
    allowStatements: statements.filter((s) => s.Effect === 'Allow').length,
    policyChars: JSON.stringify(policy).length,
    verdicts,
    firstDecisionUs: cold[0],
    firstPassMs,
    coldMedianUs: at(cold, 0.5),
    coldP99Us: at(cold, 0.99),
    coldMaxUs: at(cold, 1),
    medianUs: at(samples, 0.5),
    p99Us: at(samples, 0.99),
    interleavedMedianUs: at(mixedDecide, 0.5),
    signMedianUs: at(mixedSign, 0.5),
  }),
);
