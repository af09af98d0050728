import type { MapEntry } from '../../../services/model.js';
import type { InputValue } from '../decode/shape-reader.js';
import { TAG_MEMBERS } from './context.js';

type Input = { [member: string]: InputValue };

/** The names a service's tagging action goes by, likeliest first (`Tag<Resource>` after Create<Resource>). */
export function taggingActionCandidates(iamPrefix: string, operation: string): string[] {
  const created = operation.replace(/^Create/, '');
  return ['Tag' + created, 'TagResource', 'AddTagsToResource', 'AddTags', 'CreateOrUpdateTags', 'TagResources'].map((name) => `${iamPrefix}:${name}`);
}

/** Whether the input applies tags (non-empty Tags, tags, TagList, …). */
export function appliesTags(input: Input): boolean {
  return TAG_MEMBERS.some((member) => hasItems(input[member]));
}

/**
 * Actions AWS checks because of what the input carries, beyond the operation's own: tags applied
 * on create, a key policy given at creation. Written as map entries, so their resources are
 * filled like any other's (input values are substituted, never parsed as templates).
 * `tagAction` is the service's tagging action, when the operation creates something.
 */
export function implicitEntries(service: string, iamPrefix: string, operation: string, input: Input, mapEntries: MapEntry[], tagAction: string | undefined): MapEntry[] {
  const entries: MapEntry[] = [];
  if (service === 'ec2') {
    // TagSpecifications on a create call need ec2:CreateTags on each resource type it tags.
    if (operation !== 'CreateTags' && hasTags(input.TagSpecifications)) {
      entries.push({ action: 'ec2:CreateTags', arn_override: { template: 'arn:${Partition}:ec2:${Region}:${Account}:${TagSpecifications[].ResourceType}/*' } });
    }
  } else if (tagAction && appliesTags(input) && !mapEntries.some((e) => e.action === tagAction)) {
    // Tags given to a Create call are applied with the service's tagging action on what it creates
    // (AWS's tag-on-create authorization): the same resources as the create action's.
    entries.push(...mapEntries.filter((e) => e.action.startsWith(`${iamPrefix}:`)).map((entry) => ({ ...entry, action: tagAction, conditions: undefined })));
  }
  // KMS: a key policy given to CreateKey is put with kms:PutKeyPolicy on the new key.
  if (service === 'kms' && operation === 'CreateKey' && typeof input.Policy === 'string') {
    entries.push({ action: 'kms:PutKeyPolicy', arn_override: { template: 'arn:${Partition}:kms:${Region}:${Account}:key/*' } });
  }
  return entries;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const NOT_PASSED = /principal|grantee/i;

/**
 * The role ARNs the input hands to the service to use (iam:PassRole on each): every role ARN in
 * it, at any depth (`RoleArn`, API Gateway's `credentials`, Cognito's `SnsCallerArn`,
 * `ExecutionRole: { Arn }`, …), except where a request names a principal to grant something to
 * (`Principal`, `GranteePrincipal`): that role is not passed.
 */
export function passedRoles(input: Input): string[] {
  const roles = new Set<string>();
  const visit = (value: InputValue | undefined, depth: number): void => {
    if (depth > 16 || value === null || value === undefined) return;
    if (typeof value === 'string') {
      if (value.startsWith('arn:aws') && ROLE_ARN.test(value)) roles.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (typeof value === 'object') {
      for (const name of Object.keys(value)) if (!name.startsWith('_') && !NOT_PASSED.test(name)) visit(value[name], depth + 1);
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
