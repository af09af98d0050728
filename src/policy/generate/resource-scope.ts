import { parseArn, templateKey, wildcardArn, type ArnParts, type ArnTemplates } from './arn-templates.js';

/**
 * exact: the ARNs as logged. collapse: three or more resources of one type, in one place and
 * parent, that share a prefix ending at a delimiter become `prefix*` (S3 keys at `/` only, so
 * `bucket/reports/*`; other names also at `-`, `_`, `.`, `:`, so `table/app-dev-*`); never the
 * bare `*` of a whole bucket or account. wildcard: every resource of the type in that place and
 * parent (`bucket/*`, `table/*`).
 */
export type ResourceMode = 'exact' | 'collapse' | 'wildcard';
export const RESOURCE_MODES: readonly ResourceMode[] = ['exact', 'collapse', 'wildcard'];

/** How many resources under one prefix make `--resources collapse` write the prefix instead. */
export const COLLAPSE_THRESHOLD = 3;

/** A resource as a policy names it: an ARN or ARN pattern, with the type it came from (for its format). */
export interface PolicyResource {
  arn: string;
  /** `<action's service>:<type>` key into ArnTemplates. */
  templateKey?: string;
}

export function resourceOf(action: string, arn: string, type: string | undefined): PolicyResource {
  return type === undefined ? { arn } : { arn, templateKey: templateKey(action, type) };
}

/** The resources one action needs, widened as the mode says, without any another one covers; sorted. */
export function scopeResources(resources: PolicyResource[], mode: ResourceMode, templates: ArnTemplates): PolicyResource[] {
  const scoped = mode === 'wildcard' ? resources.map((r) => widened(r, templates)) : mode === 'collapse' ? collapsed(resources, templates) : resources;
  return withoutCovered(scoped);
}

export function partsOf(resource: PolicyResource, templates: ArnTemplates): ArnParts | undefined {
  const template = resource.templateKey === undefined ? undefined : templates.get(resource.templateKey);
  return template === undefined ? undefined : parseArn(resource.arn, template);
}

function widened(resource: PolicyResource, templates: ArnTemplates): PolicyResource {
  const parts = partsOf(resource, templates);
  return parts ? { ...resource, arn: wildcardArn(parts) } : resource;
}

function collapsed(resources: PolicyResource[], templates: ArnTemplates): PolicyResource[] {
  const out: PolicyResource[] = [];
  const groups = new Map<string, { resource: PolicyResource; parts: ArnParts; values: Set<string> }>();
  for (const resource of resources) {
    const parts = partsOf(resource, templates);
    if (!parts) {
      out.push(resource);
      continue;
    }
    const key = `${resource.templateKey}\n${parts.head}\n${parts.tail}`;
    const group = groups.get(key) ?? { resource, parts, values: new Set<string>() };
    group.values.add(parts.values.at(-1)!);
    groups.set(key, group);
  }
  for (const { resource, parts, values } of groups.values()) {
    const delimiters = parts.names.at(-1) === 'ObjectName' ? /\// : /[/\-_.:]/;
    for (const value of collapseValues([...values], '', delimiters)) out.push({ ...resource, arn: `${parts.head}${value}${parts.tail}` });
  }
  return out;
}

/**
 * The values under `prefix`, each sub-prefix (up to the next delimiter) collapsed first; the
 * prefix itself becomes `prefix*` when it then holds COLLAPSE_THRESHOLD entries or more.
 */
function collapseValues(values: string[], prefix: string, delimiters: RegExp): string[] {
  const leaves: string[] = [];
  const children = new Map<string, string[]>();
  for (const value of values) {
    const rest = value.slice(prefix.length);
    const cut = rest.search(delimiters);
    if (cut < 0 || cut === rest.length - 1) {
      leaves.push(value);
      continue;
    }
    const child = prefix + rest.slice(0, cut + 1);
    const under = children.get(child);
    if (under) under.push(value);
    else children.set(child, [value]);
  }
  const entries = [...leaves, ...[...children].flatMap(([child, under]) => collapseValues(under, child, delimiters))];
  return prefix !== '' && entries.length >= COLLAPSE_THRESHOLD ? [`${prefix}*`] : entries;
}

/** Leaves out resources a `prefix*` pattern of the list covers, and duplicates; sorted. */
function withoutCovered(resources: PolicyResource[]): PolicyResource[] {
  const byArn = new Map(resources.map((r) => [r.arn, r]));
  const prefixes = [...byArn.keys()].filter((arn) => arn.endsWith('*') && !/[*?]/.test(arn.slice(0, -1))).map((arn) => arn.slice(0, -1));
  return [...byArn.values()]
    .filter(({ arn }) => !prefixes.some((prefix) => arn !== `${prefix}*` && arn.startsWith(prefix)))
    .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
}
