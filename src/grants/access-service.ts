import { evaluateCall, directEvaluator } from '../policy/evaluate/evaluate-call.js';
import type { PolicySet } from '../policy/types.js';
import { evaluatedPrincipal, globalContext, type RealIdentity } from '../pipeline/decide/global-context.js';
import type { DenialHandler, MissingAccess } from '../pipeline/decide/decide.js';
import type { ResolvedCall } from '../pipeline/resolve/types.js';
import { accessLevelOf, expandActions } from './actions.js';
import { grantIdOf, policiesWithGrants, withGrants } from './grant-policy.js';
import type { Assessment, GrantStore } from './grant-store.js';
import { newAccess } from './new-access.js';
import { riskScore } from './risk.js';
import { summarizeScope } from './scope-summary.js';
import { ACCESS_LEVELS, type AccessRequest, type AgentScope, type Grant, type Preview } from './types.js';

export interface Principal {
  /** The identity the real credentials belong to, once known. */
  identity(): RealIdentity | undefined;
}

/** Most (action, resource) pairs a preview evaluates: an agent's `s3:*` must not stall the proxy. */
const PREVIEW_LIMIT = 200;

/** What a request adds beyond the agent's baseline, and its risk: for the store, before anyone decides. */
export function assessor(policies: PolicySet, principal: Principal, maxDurationSeconds: () => number): (agent: string, request: AccessRequest) => Promise<Assessment> {
  return async (agent, request) => {
    const expanded = await expandActions(request.actions);
    const accessLevels = await Promise.all(expanded.map((action) => accessLevelOf(action)));
    const { arn, accountId } = evaluatedPrincipal(principal.identity());
    const baseline = policies.forAgent(agent);
    const added = await newAccess({ expanded, resources: request.resources, baseline: baseline.mode === 'record' ? undefined : baseline.policy, principalArn: arn, accountId });
    const risk = riskScore({
      actions: request.actions,
      expanded: expanded.map((action, i) => ({ action, accessLevel: accessLevels[i] })),
      resources: request.resources,
      durationSeconds: request.durationSeconds,
      maxDurationSeconds: maxDurationSeconds(),
    });
    return { expanded, accessLevels, newAccess: added, risk };
  };
}

/**
 * The agent-facing side of just-in-time access (socket ops, and so the MCP server), and what the
 * decider asks of the grants. The agent is always the caller's channel's, never a name it gave.
 */
export class AccessService implements DenialHandler {
  private readonly inForce: PolicySet;

  constructor(
    private readonly store: GrantStore,
    private readonly policies: PolicySet,
    private readonly principal: Principal,
  ) {
    this.inForce = policiesWithGrants(policies, store);
  }

  async scope(agent: string): Promise<AgentScope> {
    const baseline = this.policies.forAgent(agent);
    const grants = this.store.activeFor(agent).sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!));
    const sources = [
      ...(baseline.policy && baseline.mode !== 'record' ? [{ from: 'baseline', policy: baseline.policy }] : []),
      ...grants.map((grant) => ({ from: grant.id, policy: withGrants(undefined, [grant]) })),
    ];
    // Record mode forwards every call: the scope is everything, whatever a policy file says.
    const services = baseline.mode === 'record' ? [{ service: '*', accessLevels: [...ACCESS_LEVELS], actions: ['*'], from: ['record mode'] }] : await summarizeScope(sources);
    return { agent, mode: baseline.mode, policy: baseline.policy ? baseline.source : undefined, services, grants };
  }

  /** Would these calls be allowed now, and what decides: evaluated as the decider does, writing nothing. */
  async preview(agent: string, input: { actions: string[]; resources: string[]; region?: string }): Promise<Preview> {
    const actions = (await expandActions(input.actions)).slice(0, Math.max(1, Math.floor(PREVIEW_LIMIT / input.resources.length)));
    const inForce = this.inForce.forAgent(agent);
    const results: Preview['results'] = [];
    if (inForce.mode === 'record' || !inForce.policy) {
      for (const action of actions) for (const resource of input.resources) results.push({ action, resource, verdict: 'allowed', statements: ['record mode: every call is forwarded'] });
      return { allowed: true, results };
    }
    const { arn, accountId } = evaluatedPrincipal(this.principal.identity());
    const context = globalContext({ secure: true, sourceIp: undefined }, new Date(), this.principal.identity());
    const evaluator = directEvaluator(inForce.policy);
    for (const action of actions) {
      for (const resource of input.resources) {
        const call = previewCall(action, resource, input.region);
        const evaluation = await evaluateCall(call, { arn, accountId }, context, evaluator);
        for (const r of evaluation.results) {
          const grant = r.statements.map(grantIdOf).find((id) => id !== undefined);
          results.push({ action: r.action, resource: r.resource, verdict: r.verdict, statements: r.statements, ...(grant ? { grant } : {}) });
        }
      }
    }
    return { allowed: results.every((r) => r.verdict === 'allowed'), results };
  }

  request(agent: string, request: AccessRequest): Promise<Grant> {
    return this.store.request(agent, request);
  }

  status(agent: string, id: string): Grant {
    return this.store.statusFor(agent, id);
  }

  release(agent: string, id: string): Grant {
    return this.store.release(agent, id);
  }

  noteDenial(agent: string, actions: string[]): void {
    this.store.noteDenial(agent, actions);
  }

  /** Ask mode: a grant of what the call lacks, for the shortest duration, decided by a rule or a person in time. */
  async hold(agent: string, call: ResolvedCall, missing: MissingAccess[]): Promise<Grant> {
    const settings = this.store.settings;
    const request: AccessRequest = {
      actions: [...new Set(missing.map((m) => m.action))],
      resources: [...new Set(missing.map((m) => m.resource))],
      durationSeconds: settings.minDurationSeconds,
      reason: `a ${call.service}:${call.operation} call held in ask mode`,
    };
    const grant = await this.store.request(agent, request, { heldCall: true });
    if (grant.status !== 'pending') return grant;
    const decided = await this.store.waitForDecision(grant.id, settings.askTimeoutMs);
    if (decided.status !== 'pending') return decided;
    return this.store.deny(grant.id, { reason: `no decision within ${Math.round(settings.askTimeoutMs / 1000)} s`, by: 'timeout' });
  }
}

/** A call needing just this action on this resource (`*` or a pattern: one the proxy cannot name). */
function previewCall(action: string, resource: string, region: string | undefined): ResolvedCall {
  const service = action.split(':')[0]!;
  const resources = resource === '*' ? [] : [{ arn: resource, resolved: !/[*?]/.test(resource) }];
  return {
    host: '',
    service,
    signingName: service,
    region: region ?? '',
    partition: 'aws',
    protocol: 'awsJson1_1', // unused by evaluation
    operation: action.split(':')[1]!,
    authorizations: [{ action, known: true, resources }],
    context: region ? { 'aws:RequestedRegion': region } : {},
    disableDoubleEncoding: false,
  };
}
