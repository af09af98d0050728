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
    const keys = [...keysUsed(statement)].filter((key) => !isSupplied(key));
    if (keys.length === 0) return statement;
    const change = statement.Effect === 'Allow' ? 'allow-never-applies' : 'deny-always-applies';
    adjustments.push({ index: i + 1, sid: statement.Sid, change, keys });
    const { Condition: _dropped, ...rest } = statement;
    // An Allow that can never hold stays in place (indexes unchanged) but names no action.
    if (change === 'allow-never-applies') return { ...rest, Action: [], NotAction: undefined };
    // A Deny whose resources name an unknown variable could cover any resource.
    return resourceVariables(statement).some((key) => !isSupplied(key)) ? { ...rest, Resource: '*', NotResource: undefined } : rest;
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

/** The context keys a policy uses (in conditions, and as `${key}` variables), lowercased: IAM compares key names case-insensitively. */
export function conditionKeysOf(policy: PolicyDocument): Set<string> {
  return new Set(statementsOf(policy).flatMap((s) => [...keysUsed(s)].map((k) => k.toLowerCase())));
}

/** Condition keys, and the keys of `${aws:username}`-style variables in resources and condition values. */
function keysUsed(statement: PolicyStatement): Set<string> {
  const keys = new Set<string>(resourceVariables(statement));
  for (const byKey of Object.values(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(byKey)) {
      keys.add(key);
      for (const value of ([] as unknown[]).concat(values)) variablesIn(String(value)).forEach((k) => keys.add(k));
    }
  }
  return keys;
}

function resourceVariables(statement: PolicyStatement): string[] {
  return ([] as string[]).concat(statement.Resource ?? [], statement.NotResource ?? []).flatMap(variablesIn);
}

/** `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`; not the `${*}`, `${?}`, `${$}` escapes. */
function variablesIn(value: string): string[] {
  return [...value.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!.split(',')[0]!.trim()).filter((key) => key.includes(':'));
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
