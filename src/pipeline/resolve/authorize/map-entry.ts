import type { MapEntry } from '../../../services/model.js';
import type { ResourceRef } from '../types.js';
import { arnMatchesTemplate } from './template/arn-match.js';
import { compiledTemplateFor, type CompiledTemplate } from './template/compile.js';
import { remember } from './template/memo.js';
import { conditionHolds } from './template/conditions.js';
import { combine, MAX_VALUES } from './template/expansion.js';
import { renderTemplate, type Rendered, type TemplateScope } from './template/render.js';
import { isProxyVariable, type TemplateNode } from './template/syntax.js';

/** One resource type of an action, from the AWS Service Authorization Reference. */
export interface ResourceTypeInfo {
  name: string;
  /** E.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
  arn: string;
  required: boolean;
}

export interface EntryResult {
  action: string;
  resources: ResourceRef[];
}

/**
 * The action one iam-dataset map entry asks for and the resources it names, for this input;
 * undefined when the entry does not apply (its `conditions` fail, or its `arn_override` renders
 * to nothing). An action without resource types gets `resources: []` (IAM checks it against `*`).
 */
export function evaluateMapEntry(entry: MapEntry, scope: TemplateScope, resourceTypes: ResourceTypeInfo[]): EntryResult | undefined {
  if (entry.conditions && !conditionHolds(entry.conditions, scope.input)) return undefined;
  if (entry.arn_override) {
    const resources = overrideResources(entry.arn_override.template, scope, resourceTypes);
    return resources.length > 0 ? { action: entry.action, resources } : undefined;
  }
  const variables = variableValues(entry, scope);
  const resources = resourceTypes.flatMap((type) => {
    const arnTemplate = ownValue(entry.resourcearn_mappings, type.name);
    return arnTemplate === undefined ? filledResources(type, variables) : mappedArnResources(arnTemplate, type, scope, variables);
  });
  return { action: entry.action, resources };
}

/** Each rendered value is a resource, typed by the resource type whose ARN template it fits. */
function overrideResources(template: string, scope: TemplateScope, types: ResourceTypeInfo[]): ResourceRef[] {
  const compiled = compiledTemplateFor(template);
  // `iftemplatematch` is checked against each type in turn; a value then takes the type it fits.
  // Without resource types (an action AWS does not define), `iftemplatematch` cannot be checked: unresolved.
  const renders: Array<{ type: ResourceTypeInfo | undefined; rendered: Rendered }> =
    compiled.needsResourceTypeArn && types.length > 0
      ? types.map((type) => ({ type, rendered: renderTemplate(compiled, scope, type.arn) }))
      : [{ type: undefined, rendered: renderTemplate(compiled, scope) }];
  const resources: ResourceRef[] = [];
  for (const { type, rendered } of renders) {
    for (const arn of rendered.values) resources.push(resolvedRef(arn, type ?? types.find((t) => arnMatchesTemplate(arn, t.arn))));
  }
  if (renders.some(({ rendered }) => rendered.unresolved)) resources.push(unresolvedOverride(template, scope, types));
  return resources;
}

/** With one resource type, its ARN pattern; otherwise the override template itself. */
function unresolvedOverride(template: string, scope: TemplateScope, types: ResourceTypeInfo[]): ResourceRef {
  const [only] = types;
  if (types.length === 1 && only) return unresolvedRef(withProxyVariables(only.arn, scope.vars), only);
  return { arn: withProxyVariables(template, scope.vars), resolved: false };
}

/**
 * A `resourcearn_mappings` template names whole ARNs of this type, in preference to filling the
 * type's ARN template. Rendering to nothing means the request is not about this type (an
 * `iftemplatematch` that does not fit): left out even if required.
 */
function mappedArnResources(template: string, type: ResourceTypeInfo, scope: TemplateScope, variables: VariableValues): ResourceRef[] {
  const rendered = renderTemplate(template, scope, type.arn);
  // Nothing it could name (`${RoleArn}` absent): resource_mappings may still name the type (iamlive does the same).
  if (rendered.unresolved && rendered.values.length === 0) return filledResources(type, variables);
  const resources = rendered.values.map((arn) => resolvedRef(arn, type));
  if (rendered.unresolved) resources.push(unresolvedRef(withProxyVariables(type.arn, scope.vars), type));
  return resources;
}

/**
 * Fills the type's ARN template, one ARN per combination of its variables' values. A type that
 * cannot be filled becomes one unresolved resource if required (the action needs it, the map
 * cannot name it) and is left out if optional (it applies only when the request names it).
 */
function filledResources(type: ResourceTypeInfo, variables: VariableValues): ResourceRef[] {
  const slots = arnSlots(type.arn);
  const named = slots.map((slot): VariableRendered => (typeof slot === 'string' ? { values: [slot], unresolved: false, arns: [] } : variables(slot.variable, type.arn)));
  const { rendered, direct } = withoutArnValues(named, type);
  if (direct.length && rendered.some((r) => r.values.length === 0)) return direct;
  const choices = rendered.map((r) => r.values);
  const partial = () => unresolvedRef(partialArn(slots, rendered), type);
  // A variable without values (no mapping, absent, a mapping that does not apply, a missing proxy variable).
  if (choices.some((values) => values.length === 0)) return type.required ? [partial()] : [];
  const arns = combine(choices, MAX_VALUES);
  // Past 1,000 combinations: one resource that says it cannot be named, not a truncated list.
  if (!arns) return [partial()];
  const resources = [...direct, ...arns.map((arn) => resolvedRef(arn, type))];
  // Some values were usable, some not: name the usable ones and admit the rest.
  if (rendered.some((r) => r.unresolved)) resources.push(partial());
  return resources;
}

/** A variable's values, and the full ARNs among the input values its mapping reads. */
type VariableRendered = Rendered & { arns: string[] };
type VariableValues = (variable: string, resourceTypeArn: string) => VariableRendered;

const CANNOT_NAME: VariableRendered = { values: [], unresolved: true, arns: [] };

/**
 * Many APIs take a name or an ARN in one member (a cluster, a task definition, an event bus, a
 * project). The map turns either into a name and fills in the caller's account, which for another
 * account's ARN names the wrong resource. An input ARN of this very resource type is the resource
 * itself; the values the map derived from it (the ARN pasted into a name slot, or its tail cut out
 * by a regex) are dropped; an input ARN of another type leaves the type unresolved.
 */
function withoutArnValues(named: VariableRendered[], type: ResourceTypeInfo): { rendered: Rendered[]; direct: ResourceRef[] } {
  const inputArns = [...new Set(named.flatMap((n) => n.arns))];
  if (inputArns.length === 0) return { rendered: named, direct: [] };
  const fitting = inputArns.filter((arn) => arnMatchesTemplate(arn, type.arn));
  const foreign = inputArns.length > fitting.length;
  const rendered = named.map((n) => {
    if (n.arns.length === 0) return n;
    const derived = (value: string) => value.includes('arn:') || n.arns.some((arn) => holdsSegment(arn, value));
    return { values: n.values.filter((v) => !derived(v)), unresolved: n.unresolved || foreign };
  });
  return { rendered, direct: fitting.map((arn) => resolvedRef(arn, type)) };
}

/**
 * An ARN variable's values: `Partition`, `Region`, `Account` from the proxy; any other from its
 * `resource_mappings` template (none: the map cannot name it, so unresolved). Rendered once per
 * entry unless the template needs the resource type (`iftemplatematch`).
 */
function variableValues(entry: MapEntry, scope: TemplateScope): VariableValues {
  const memo = new Map<string, VariableRendered>();
  const once = (variable: string, render: () => VariableRendered): VariableRendered => {
    let rendered = memo.get(variable);
    if (!rendered) {
      rendered = render();
      memo.set(variable, rendered);
    }
    return rendered;
  };
  return (variable, resourceTypeArn) => {
    if (isProxyVariable(variable)) return once(variable, () => withoutArns(proxyValue(variable, scope)));
    const template = ownValue(entry.resource_mappings, variable)?.template;
    // No mapping at all: the map does not say where this value comes from, so it cannot be named.
    if (template === undefined) return CANNOT_NAME;
    const compiled = compiledTemplateFor(template);
    // The input is read again only where a value could have come from an ARN: pasted whole, or cut by a regex.
    const withArns = (rendered: Rendered): VariableRendered => ({
      values: rendered.values,
      unresolved: rendered.unresolved,
      arns: rendered.values.some((v) => v.includes('arn:')) || hasRegex(compiled.nodes) ? inputArns(compiled, scope) : [],
    });
    if (compiled.needsResourceTypeArn) return withArns(renderTemplate(template, scope, resourceTypeArn));
    return once(variable, () => withArns(renderTemplate(template, scope)));
  };
}

/** `value` is one or more whole `:`/`/`-separated parts of the ARN (a regex cut it out of it). */
function holdsSegment(arn: string, value: string): boolean {
  for (let at = arn.indexOf(value); at !== -1; at = arn.indexOf(value, at + 1)) {
    const [before, after] = [arn[at - 1], arn[at + value.length]];
    if ((before === ':' || before === '/') && (after === undefined || after === ':' || after === '/')) return true;
  }
  return false;
}

/** The full ARNs among the input values a mapping template reads (its `${…}` properties). */
function inputArns(compiled: CompiledTemplate, scope: TemplateScope): string[] {
  const arns: string[] = [];
  for (const node of propertyNodes(compiled.nodes)) {
    for (const value of renderTemplate({ source: '', nodes: [node], needsResourceTypeArn: false }, scope).values) if (value.startsWith('arn:')) arns.push(value);
  }
  return arns;
}

function hasRegex(nodes: readonly TemplateNode[]): boolean {
  return nodes.some((node) => node.kind === 'regex' || ('value' in node && hasRegex(node.value)) || (node.kind === 'many' && node.items.some(hasRegex)));
}

function propertyNodes(nodes: readonly TemplateNode[]): TemplateNode[] {
  return nodes.flatMap((node): TemplateNode[] => {
    switch (node.kind) {
      case 'property':
        return [node];
      case 'iftruthy':
        return [...propertyNodes([node.test]), ...propertyNodes(node.then), ...propertyNodes(node.else)];
      case 'urlencode':
      case 'iftemplatematch':
        return propertyNodes(node.value);
      case 'regex':
        return propertyNodes(node.subject);
      case 'many':
        return node.items.flatMap(propertyNodes);
      default:
        return [];
    }
  });
}

type ArnSlot = string | { variable: string };

const slotCache = new Map<string, ArnSlot[]>();

/** `arn:${Partition}:s3:::${BucketName}` → `['arn:', {Partition}, ':s3:::', {BucketName}]`. */
function arnSlots(arnTemplate: string): ArnSlot[] {
  let slots = slotCache.get(arnTemplate);
  if (!slots) {
    slots = arnTemplate
      .split(/\$\{([^}]*)\}/)
      .map((piece, index): ArnSlot => (index % 2 === 0 ? piece : { variable: piece }))
      .filter((slot) => slot !== '');
    remember(slotCache, arnTemplate, slots);
  }
  return slots;
}

/** The ARN template with each variable that has exactly one value (and nothing unresolved) filled in, the rest left as `${Name}`. */
function partialArn(slots: ArnSlot[], rendered: Rendered[]): string {
  return slots
    .map((slot, index) => {
      if (typeof slot === 'string') return slot;
      const { values: [value, ...others] = [], unresolved = true } = rendered[index] ?? {};
      return value !== undefined && others.length === 0 && !unresolved ? value : `\${${slot.variable}}`;
    })
    .join('');
}

/** An ARN template with `Partition`, `Region`, `Account` filled in where the proxy knows them; other variables as `other`, or left as `${Name}`. */
export function withProxyVariables(template: string, vars: TemplateScope['vars'], other?: string): string {
  return template.replace(/\$\{(\w+)\}/g, (whole, name: string) => (isProxyVariable(name) ? (vars[name] ?? whole) : (other ?? whole)));
}

/** Built member by member: V8 copies `{ ...rendered, arns }` on a slow path (about 1 µs). */
function withoutArns(rendered: Rendered): VariableRendered {
  return { values: rendered.values, unresolved: rendered.unresolved, arns: [] };
}

function proxyValue(variable: keyof TemplateScope['vars'], scope: TemplateScope): Rendered {
  const value = scope.vars[variable];
  return value ? { values: [value], unresolved: false } : { values: [], unresolved: true };
}

function resolvedRef(arn: string, type: ResourceTypeInfo | undefined): ResourceRef {
  return type ? { arn, type: type.name, resolved: true } : { arn, resolved: true };
}

function unresolvedRef(arn: string, type: ResourceTypeInfo): ResourceRef {
  return { arn, type: type.name, resolved: false };
}

/** Map data is JSON: a key like `constructor` must not reach `Object.prototype`. */
function ownValue<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
