import type { StructureShape } from '../../../services/model.js';
import { AmbiguousInputError, type InputValue } from '../decode/shape-reader.js';
import type { ContextValue, RequestContext } from '../types.js';

type Input = { [member: string]: InputValue };

/** Members that hold the tags a create or tag call applies, in the shapes AWS APIs use (lists of key/value, or maps). */
export const TAG_MEMBERS = ['Tags', 'tags', 'TagList', 'UserPoolTags'];

/**
 * Condition keys every action of the request shares: the region it is signed for, and the tags
 * it applies (`aws:RequestTag/<key>`, `aws:TagKeys`). Throws AmbiguousInputError for a tag key
 * given two values.
 */
export function requestContext(region: string, input: Input): RequestContext {
  const context: RequestContext = { 'aws:RequestedRegion': region };
  const tags = requestTags(input);
  if (tags.size) {
    for (const [key, value] of tags) context[`aws:RequestTag/${key}`] = value;
    context['aws:TagKeys'] = [...tags.keys()];
  }
  return context;
}

function requestTags(input: Input): Map<string, string> {
  const tags = new Map<string, string>();
  const add = (key: InputValue | undefined, value: InputValue | undefined) => {
    if (typeof key !== 'string') return;
    const text = typeof value === 'string' ? value : '';
    // One key, two values (per resource type of a TagSpecification): aws:RequestTag/<key> cannot say both.
    if (tags.has(key) && tags.get(key) !== text) throw new AmbiguousInputError(`the tag "${key}" is given two values`);
    tags.set(key, text);
  };
  // EC2 gives them per resource type created.
  if (Array.isArray(input.TagSpecifications)) {
    for (const spec of input.TagSpecifications) for (const tag of listOf((spec as Input | null)?.Tags)) add(tag.Key, tag.Value);
  }
  for (const member of TAG_MEMBERS) {
    const value = input[member];
    if (Array.isArray(value)) {
      for (const tag of listOf(value)) add(tag.Key ?? tag.key ?? tag.TagKey, tag.Value ?? tag.value ?? tag.TagValue);
    } else if (value && typeof value === 'object') {
      for (const [key, tagValue] of Object.entries(value)) add(key, tagValue);
    }
  }
  return tags;
}

function listOf(value: InputValue | undefined): Input[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object' && !Array.isArray(v)) as Input[]) : [];
}

/**
 * Service condition keys of one action that the input gives a value: `s3:prefix` from the
 * `prefix` query parameter, `s3:x-amz-acl` from that header, `ec2:InstanceType` from the member.
 * A key matches a top-level member by name or by wire name (header, query key), any case.
 */
export function actionContext(conditionKeys: string[], input: Input, shape: StructureShape | undefined): RequestContext {
  const context: RequestContext = {};
  if (!shape) return context;
  for (const [key, member] of keyedMembers(conditionKeys, shape)) {
    const value = contextValue(input[member]);
    if (value !== undefined) context[key] = value;
  }
  return context;
}

/** The service condition keys of an action that the proxy reads from a request of this shape (present or not). */
export function readableKeys(conditionKeys: string[], shape: StructureShape | undefined): readonly string[] {
  if (!shape) return NONE;
  let keys = readable.get(keyedMembers(conditionKeys, shape));
  if (!keys) readable.set(keyedMembers(conditionKeys, shape), (keys = keyedMembers(conditionKeys, shape).map(([key]) => key)));
  return keys;
}

const NONE: readonly string[] = [];
const readable = new WeakMap<Array<[string, string]>, string[]>();
const keyed = new WeakMap<string[], WeakMap<StructureShape, Array<[key: string, member: string]>>>();

/** The condition keys of an action that name a member of the input shape, with that member: worked out once. */
function keyedMembers(conditionKeys: string[], shape: StructureShape): Array<[string, string]> {
  let byShape = keyed.get(conditionKeys);
  if (!byShape) keyed.set(conditionKeys, (byShape = new WeakMap()));
  let pairs = byShape.get(shape);
  if (!pairs) {
    const byName = memberNames(shape);
    pairs = [];
    for (const key of conditionKeys) {
      const [prefix = '', name = ''] = key.split(':');
      if (prefix === 'aws' || name.includes('/') || name.includes('<')) continue;
      const member = byName.get(name.toLowerCase());
      if (member !== undefined) pairs.push([key, member]);
    }
    byShape.set(shape, pairs);
  }
  return pairs;
}

const names = new WeakMap<StructureShape, Map<string, string>>();

/** Member names by lowercased name and wire name (header, query key): the same for every request. */
function memberNames(shape: StructureShape): Map<string, string> {
  let byName = names.get(shape);
  if (!byName) {
    byName = new Map();
    for (const [name, member] of Object.entries(shape.members)) {
      byName.set(name.toLowerCase(), name);
      if (member.name && (member.location === 'header' || member.location === 'query')) byName.set(member.name.toLowerCase(), name);
    }
    names.set(shape, byName);
  }
  return byName;
}

function contextValue(value: InputValue | undefined): ContextValue | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}
