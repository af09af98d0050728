import type { MapEntry } from '../../../services/model.js';
import type { InputValue } from '../decode/shape-reader.js';

type Input = { [member: string]: InputValue };

/** Members through which a create call applies tags. */
const TAG_MEMBERS = ['Tags', 'tags', 'TagList'];

/**
 * Actions AWS checks because of what the input carries, beyond the operation's own: tags applied
 * on create, a key policy given at creation. Written as map entries, so their resources are
 * filled like any other's (input values are substituted, never parsed as templates).
 */
export function implicitEntries(service: string, iamPrefix: string, operation: string, input: Input, mapEntries: MapEntry[]): MapEntry[] {
  const entries: MapEntry[] = [];
  // EC2: TagSpecifications on a create call need ec2:CreateTags on each resource type it tags.
  if (service === 'ec2' && operation !== 'CreateTags' && hasTags(input.TagSpecifications)) {
    entries.push({ action: 'ec2:CreateTags', arn_override: { template: 'arn:${Partition}:ec2:${Region}:${Account}:${TagSpecifications[].ResourceType}/*' } });
  }
  // IAM: Tags on CreateRole/CreateUser/CreatePolicy/… need the matching Tag action on the same resource.
  if (service === 'iam' && operation.startsWith('Create') && hasItems(input.Tags)) {
    entries.push(...mapEntries.map((entry) => ({ ...entry, action: `iam:Tag${operation.slice('Create'.length)}`, conditions: undefined })));
  }
  // Elsewhere, tags given to a Create call are applied with the service's TagResource on what it
  // creates (AWS's tag-on-create authorization), unless the map already names a tagging action.
  else if (service !== 'ec2' && operation.startsWith('Create') && TAG_MEMBERS.some((m) => hasItems(input[m])) && !mapEntries.some((e) => e.action.startsWith(`${iamPrefix}:Tag`))) {
    entries.push(...mapEntries.filter((e) => e.action.startsWith(`${iamPrefix}:`)).map((entry) => ({ ...entry, action: `${iamPrefix}:TagResource`, conditions: undefined })));
  }
  // KMS: a key policy given to CreateKey is put with kms:PutKeyPolicy on the new key.
  if (service === 'kms' && operation === 'CreateKey' && typeof input.Policy === 'string') {
    entries.push({ action: 'kms:PutKeyPolicy', arn_override: { template: 'arn:${Partition}:kms:${Region}:${Account}:key/*' } });
  }
  return entries;
}

/**
 * iam:PassRole on every role ARN the input hands to the service, for actions the Service
 * Authorization Reference lists it as a dependent action of. Returned as the list of ARNs.
 */
export function passedRoles(input: Input): string[] {
  const roles = new Set<string>();
  const visit = (value: InputValue | undefined, depth: number): void => {
    if (depth > 16 || value === null || value === undefined) return;
    if (typeof value === 'string') {
      if (/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(value)) roles.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) if (!name.startsWith('_')) visit(item, depth + 1);
    }
  };
  visit(input, 0);
  return [...roles];
}

function hasItems(value: InputValue | undefined): boolean {
  return Array.isArray(value) ? value.length > 0 : typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function hasTags(specifications: InputValue | undefined): boolean {
  return Array.isArray(specifications) && specifications.some((spec) => hasItems((spec as Input | null)?.Tags));
}
