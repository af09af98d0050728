import { isSuppliedGlobalKey } from '../context-keys.js';
import type { PolicyDocument, PolicyStatement } from '../types.js';

/** How a statement was changed because its condition uses a key the proxy cannot supply. */
export interface Adjustment {
  /** 1-based, as IAM and iam-simulate number statements. */
  index: number;
  sid: string | undefined;
  change: 'allow-never-applies' | 'deny-always-applies';
  keys: string[];
}

export interface EffectivePolicy {
  document: PolicyDocument;
  adjustments: Adjustment[];
}

/**
 * The policy as the proxy can evaluate it for one action, failing closed on condition keys it
 * cannot supply (`isSupplied` says which): an Allow that depends on one never applies, a Deny
 * that depends on one applies whatever its condition says. Statements keep their positions, so
 * a deciding statement's index is the one in the file.
 */
export function effectivePolicy(policy: PolicyDocument, isSupplied: (key: string) => boolean): EffectivePolicy {
  const adjustments: Adjustment[] = [];
  const statements = statementsOf(policy).map((statement, i): PolicyStatement => {
    const keys = Object.values(statement.Condition ?? {}).flatMap((byKey) => Object.keys(byKey)).filter((key) => !isSupplied(key));
    if (keys.length === 0) return statement;
    const change = statement.Effect === 'Allow' ? 'allow-never-applies' : 'deny-always-applies';
    adjustments.push({ index: i + 1, sid: statement.Sid, change, keys: [...new Set(keys)] });
    const { Condition: _dropped, ...rest } = statement;
    // An Allow that can never hold stays in place (indexes unchanged) but names no action.
    return change === 'allow-never-applies' ? { ...rest, Action: [], NotAction: undefined } : rest;
  });
  return { document: { Version: policy.Version ?? '2012-10-17', Statement: statements.map(withoutUndefined) }, adjustments };
}

/**
 * The policy that decides an action on a resource the proxy cannot name: the call may touch any
 * resource, so an Allow counts only if it covers every resource (`"Resource": "*"`), and every
 * Deny that names the action applies, whatever resource it lists.
 */
export function unknownResourcePolicy(policy: PolicyDocument): PolicyDocument {
  const statements = statementsOf(policy).map((statement): PolicyStatement => {
    const { Resource, NotResource: _notResource, ...rest } = statement;
    if (statement.Effect === 'Deny') return { ...rest, Resource: '*' };
    const everywhere = Resource !== undefined && ([] as string[]).concat(Resource).includes('*');
    return everywhere ? { ...rest, Resource: '*' } : { ...rest, Action: [], NotAction: undefined, Resource: '*' };
  });
  return { Version: policy.Version ?? '2012-10-17', Statement: statements.map(withoutUndefined) };
}

/** The condition keys a policy uses, lowercased (IAM compares key names case-insensitively). */
export function conditionKeysOf(policy: PolicyDocument): Set<string> {
  return new Set(statementsOf(policy).flatMap((s) => Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey).map((k) => k.toLowerCase()))));
}

/**
 * Whether the proxy supplies a condition key for an action of `service`: the global keys it
 * fills, and the action's own keys it reads from the request. Another service's keys are ones
 * AWS would not set for this action either, so their absence is the truth.
 */
export function suppliedKeys(service: string, readable: readonly string[]): (key: string) => boolean {
  const own = new Set(readable.map((k) => k.toLowerCase()));
  const prefix = `${service.toLowerCase()}:`;
  return (key) => {
    const lower = key.toLowerCase();
    if (lower.startsWith('aws:')) return isSuppliedGlobalKey(lower);
    return !lower.startsWith(prefix) || own.has(lower);
  };
}

function statementsOf(policy: PolicyDocument): PolicyStatement[] {
  return ([] as PolicyStatement[]).concat(policy.Statement ?? []);
}

function withoutUndefined(statement: PolicyStatement): PolicyStatement {
  return Object.fromEntries(Object.entries(statement).filter(([, value]) => value !== undefined)) as unknown as PolicyStatement;
}
