import { getDenialReasons, getGrantReasons, runSimulation, type RequestAnalysis, type RunSimulationResults } from '@cloud-copilot/iam-simulate';
import type { RequestContext } from '../../pipeline/resolve/types.js';
import { iamPattern } from '../patterns.js';
import type { PolicyDocument, PolicyStatement } from '../types.js';

/** Why an action on a resource is allowed or not, as data. */
export type Verdict = 'allowed' | 'explicit-deny' | 'implicit-deny' | 'unknown-action' | 'unresolved-resource' | 'error';

export interface ResourceVerdict {
  action: string;
  /** The resource ARN, the ARN pattern of one the proxy could not name, or `*` for actions on no resource. */
  resource: string;
  resolved: boolean;
  verdict: Verdict;
  /** The deciding statements: Sids, or `#<n>` (1-based) for those without one. */
  statements: string[];
  /** Context keys the request had that do not apply to this action (iam-simulate leaves them out). */
  ignoredContextKeys?: string[];
  error?: string;
}

/** One evaluation: what is asked, of which policy. */
export interface EvaluationRequest {
  policy: PolicyDocument;
  principalArn: string;
  accountId: string;
  action: string;
  resource: string;
  /** False for a resource the call names only by pattern: then only an Allow on `*` will do. */
  resolved: boolean;
  context: RequestContext;
}

/**
 * Evaluates one action on one resource with @cloud-copilot/iam-simulate, exactly as IAM would an
 * identity policy, returning the verdict and the statements behind it. Allowed needs a statement
 * that grants it: AWS lets anyone call sts:GetCallerIdentity, and iam-simulate says so, but an
 * allowlist means what it lists.
 */
export async function evaluateAction(request: EvaluationRequest): Promise<ResourceVerdict> {
  const { action, resource, resolved } = request;
  const result = await runSimulation(
    {
      request: { principal: request.principalArn, action, resource: { resource: simulatedResource(resource, resolved), accountId: request.accountId }, contextVariables: request.context },
      identityPolicies: [{ name: 'policy', policy: request.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: action.toLowerCase().startsWith('kms:') ? defaultKeyPolicy(resource, request.accountId) : undefined,
    },
    { simulationMode: 'Strict' },
  );
  const base = { action, resource, resolved };
  if (result.resultType === 'error') return { ...base, verdict: 'error', statements: [], error: errorText(result) };
  const analysis = analysisOf(result);
  // iam-simulate answers sts:GetCallerIdentity as AWS does, allowed to anyone, without reading the policy.
  if (result.overallResult === 'Allowed' && analysis && !analysis.identityAnalysis) return { ...base, ...(await listedVerdict(request)) };
  const ignoredContextKeys = result.resultType === 'single' ? result.result.ignoredContextKeys : undefined;
  const extra = ignoredContextKeys?.length ? { ignoredContextKeys } : {};
  if (result.overallResult === 'Allowed' && analysis) {
    const grants = getGrantReasons(analysis).filter((g) => g.policyType === 'identity');
    if (grants.length) return { ...base, verdict: 'allowed', statements: grants.map((g) => statementName(g as StatementRef)), ...extra };
  }
  const denials = analysis ? getDenialReasons(analysis) : [];
  const explicit = denials.filter((d) => d.denialType === 'Explicit');
  if (explicit.length) return { ...base, verdict: 'explicit-deny', statements: explicit.map((d) => statementName(d as StatementRef)), ...extra };
  return { ...base, verdict: resolved || resource === '*' ? 'implicit-deny' : 'unresolved-resource', statements: [], ...extra };
}

/**
 * For an action AWS lets anyone call, which iam-simulate allows without reading the policy: the
 * statements that name it decide, with their conditions (on the keys the proxy supplies) read by
 * iam-simulate through a probe. Allowed only by an Allow on `*`; denied by any Deny that holds.
 */
async function listedVerdict(request: EvaluationRequest): Promise<Pick<ResourceVerdict, 'verdict' | 'statements'>> {
  const { policy, action } = request;
  const named = ([] as PolicyStatement[])
    .concat(policy.Statement ?? [])
    .map((statement, i) => ({ statement, name: statement.Sid ?? `#${i + 1}` }))
    .filter(({ statement: s }) => (s.Action !== undefined ? matchesAny(s.Action, action) : s.NotAction !== undefined && !matchesAny(s.NotAction, action)));
  const holding = async (s: PolicyStatement) => !s.Condition || (await conditionHolds(s.Condition, request));
  const denies: string[] = [];
  for (const { statement, name } of named) if (statement.Effect === 'Deny' && (await holding(statement))) denies.push(name);
  if (denies.length) return { verdict: 'explicit-deny', statements: denies };
  const grants: string[] = [];
  for (const { statement, name } of named) {
    const everywhere = statement.Resource !== undefined && ([] as string[]).concat(statement.Resource).includes('*');
    if (statement.Effect === 'Allow' && everywhere && (await holding(statement))) grants.push(name);
  }
  return grants.length ? { verdict: 'allowed', statements: grants } : { verdict: 'implicit-deny', statements: [] };
}

/** A condition block read by iam-simulate on a stand-in for the action: another STS action on no resource. */
async function conditionHolds(condition: NonNullable<PolicyStatement['Condition']>, request: EvaluationRequest): Promise<boolean> {
  const probe = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PROBE_ACTION, Resource: '*', Condition: condition }] };
  const result = await runSimulation(
    {
      request: { principal: request.principalArn, action: PROBE_ACTION, resource: { resource: '*', accountId: request.accountId }, contextVariables: request.context },
      identityPolicies: [{ name: 'probe', policy: probe }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  return result.resultType !== 'error' && result.overallResult === 'Allowed';
}

const PROBE_ACTION = 'sts:GetSessionToken';

/** IAM action patterns: `*` and `?` wildcards, any case. */
function matchesAny(patterns: string | string[], action: string): boolean {
  return ([] as string[]).concat(patterns).some((pattern) => iamPattern(pattern).test(action));
}

/**
 * KMS grants nothing on a key unless its key policy lets the account's IAM policies decide, as
 * the default key policy does. The proxy evaluates the agent's identity policy alone: it assumes
 * that default (a key whose policy says otherwise is decided by AWS, after the proxy).
 */
function defaultKeyPolicy(resource: string, accountId: string): object {
  const account = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(resource)?.[1] ?? accountId;
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
}

type StatementRef = { statementId?: string; statementIndex?: number };

function statementName(ref: StatementRef): string {
  return ref.statementId ?? `#${ref.statementIndex ?? '?'}`;
}

function analysisOf(result: Exclude<RunSimulationResults, { resultType: 'error' }>): RequestAnalysis | undefined {
  return result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
}

function errorText(result: Extract<RunSimulationResults, { resultType: 'error' }>): string {
  const policyErrors = Object.values(result.errors.identityPolicyErrors ?? {}).flat();
  return policyErrors.map((e) => `${e.path}: ${e.message}`).join('; ') || result.errors.message;
}

/** `*` stands for "no resource" (actions that take none); any other resource is a literal or a pattern. */
function simulatedResource(resource: string, resolved: boolean): string {
  if (resource === '*') return resource;
  return resolved ? literalArn(resource) : placeholderArn(resource);
}

/**
 * A resource as the request names it, where `*` and `?` are plain characters (an object key may
 * be `*`). iam-simulate would read them as wildcards and match policy patterns against them;
 * control characters no policy names take their place, so only a pattern's own wildcards match.
 */
export function literalArn(arn: string): string {
  return arn.replace(/\*/g, '\u0001').replace(/\?/g, '\u0002');
}

/** An ARN pattern with its unknown parts filled: any value will do, only `"Resource": "*"` statements decide it. */
function placeholderArn(pattern: string): string {
  return pattern.replace(/\$\{[^}]*\}/g, 'iam-agent-proxy-unresolved');
}
