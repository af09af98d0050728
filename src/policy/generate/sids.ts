import { parentValues, type ArnTemplates } from './arn-templates.js';
import { partsOf, type PolicyResource } from './resource-scope.js';

/** Sids of the statements on `"Resource": "*"`: the first for actions on no resource type, the second for resources the proxy could not name. */
export const NO_RESOURCE_SID = 'NoResourceLevelPermissions';
export const UNRESOLVED_SID = 'UnresolvedResources';

/** The longest piece a resource's own name adds to a Sid. */
const MAX_NAME_LENGTH = 32;

/** `my-bucket` → `MyBucket`, `log-stream` → `LogStream`: letters and digits only, as a Sid must be. */
export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function plural(word: string): string {
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/**
 * A readable name for a statement on these resources: service, resource type (plural when more
 * than one or a pattern), then the parent they share (`S3ObjectsInMyBucket`,
 * `DynamodbIndexInOrders`) or the one resource's name (`DynamodbTableOrders`).
 */
export function statementSid(resources: PolicyResource[], templates: ArnTemplates): string {
  const services = [...new Set(resources.map((r) => r.arn.split(':')[2] ?? ''))];
  const types = [...new Set(resources.map((r) => r.templateKey?.split(':')[1] ?? 'resource'))];
  if (services.length > 1) return `${services.map(pascal).join('And')}Resources`;
  const service = pascal(services[0] ?? '');
  if (types.length > 1) return `${service}${types.length <= 3 ? types.map(pascal).join('And') : 'Resources'}`;
  const parts = resources.map((r) => partsOf(r, templates));
  const many = resources.length > 1 || /[*?]/.test(parts[0]?.values.at(-1) ?? resources[0]!.arn);
  const type = pascal(types[0]!);
  const base = `${service}${many ? plural(type) : type}`;
  if (parts.some((p) => p === undefined)) return base;
  const parents = new Set(parts.map((p) => pascal(parentValues(p!).join(' '))));
  const [parent] = parents;
  if (parents.size === 1 && parent) return `${base}In${parent.slice(0, MAX_NAME_LENGTH)}`;
  return many ? base : `${base}${pascal(parts[0]!.values.at(-1)!).slice(0, MAX_NAME_LENGTH)}`;
}

/** Names (Sids, labels) made unique in order: the second `S3ObjectsInMyBucket` becomes `S3ObjectsInMyBucket2`. */
export function uniqueNames(sids: string[]): string[] {
  const seen = new Set<string>();
  return sids.map((sid) => {
    let unique = sid;
    for (let n = 2; seen.has(unique); n++) unique = `${sid}${n}`;
    seen.add(unique);
    return unique;
  });
}
