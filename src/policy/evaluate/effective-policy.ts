import { isSuppliedGlobalKey } from '../context-keys.js';
import { iamPattern } from '../patterns.js';
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
export function effectivePolicy(policy: PolicyDocument, isSupplied: (key: string) => boolean, service?: string): EffectivePolicy {
  const adjustments: Adjustment[] = [];
  const statements = statementsOf(policy).map((statement, i): PolicyStatement => {
    // A statement that names none of the service's actions cannot decide them: left inert (iam-simulate
    // would otherwise parse and match it on every evaluation), in place so indexes stay the file's.
    if (service !== undefined && !mayNameService(statement, service)) return { Effect: statement.Effect, Action: [], Resource: '*' };
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

function mayNameService(statement: PolicyStatement, service: string): boolean {
  if (statement.Action === undefined) return true; // NotAction: names everything it does not list
  return ([] as string[]).concat(statement.Action).some((pattern) => {
    const prefix = pattern.split(':')[0]!;
    return pattern === '*' || iamPattern(prefix).test(service);
  });
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

/**
 * The instants a policy's conditions compare the clock with (aws:CurrentTime, aws:EpochTime), in
 * milliseconds, sorted: between two of them every decision is the same, so the cache keys on
 * where the clock falls among them rather than on the time itself.
 */
export function timeThresholdsOf(policy: PolicyDocument): number[] {
  const instants = new Set<number>();
  for (const statement of statementsOf(policy)) {
    for (const byKey of Object.values(statement.Condition ?? {})) {
      for (const [key, values] of Object.entries(byKey)) {
        const lower = key.toLowerCase();
        if (lower !== 'aws:currenttime' && lower !== 'aws:epochtime') continue;
        for (const value of ([] as unknown[]).concat(values)) {
          const text = String(value);
          const instant = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
          if (!Number.isNaN(instant)) instants.add(instant);
        }
      }
    }
  }
  return [...instants].sort((a, b) => a - b);
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
