import { arnMatchesTemplate } from './arn-match.js';
import { compiledTemplateFor, type CompiledTemplate } from './compile.js';
import { combine, mapValues, MAX_VALUES, NOTHING, unite, UNRESOLVED, type Expansion } from './expansion.js';
import { visitLeaves, type PathStep } from './paths.js';
import { captureRegex, REGEX_BUDGET, type RegexBudget } from './regex.js';
import type { TemplateNode } from './syntax.js';

/**
 * Rendering a compiled template against a request's input. Rendering is pure and bounded
 * (values, regex work), because it runs on every request with agent-controlled input.
 */

export interface TemplateScope {
  /** The operation's input as the SDK sees it (member names of the AWS API model). */
  input: unknown;
  /** Proxy-supplied variables: never read from the input. */
  vars: { Partition?: string; Region?: string; Account?: string };
}

export interface Rendered {
  /** Every value the template expands to, deduplicated, no empty strings; none: "does not apply". */
  values: string[];
  /** Something the template needs is absent or unusable: the caller cannot name this resource. */
  unresolved: boolean;
}

interface RenderContext {
  scope: TemplateScope;
  resourceTypeArn: string | undefined;
  regexBudget: RegexBudget;
}

/**
 * Every value `template` expands to for this input. `resourceTypeArn` (the resource type's ARN
 * template, e.g. `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`) feeds `iftemplatematch`.
 */
export function renderTemplate(
  template: string | CompiledTemplate,
  scope: TemplateScope,
  resourceTypeArn?: string,
): Rendered {
  const compiled = typeof template === 'string' ? compiledTemplateFor(template) : template;
  if (compiled.problem !== undefined) return { values: [], unresolved: true };
  const { values, absent, unresolved } = expandSequence(compiled.nodes, { scope, resourceTypeArn, regexBudget: { left: REGEX_BUDGET } });
  return { values, unresolved: absent || unresolved };
}

/** Concatenation: one value per combination of the nodes' values. */
function expandSequence(nodes: readonly TemplateNode[], context: RenderContext): Expansion {
  const [only] = nodes;
  if (nodes.length === 1 && only) return expandNode(only, context, false);
  if (nodes.length === 0) return NOTHING;
  let values = [''];
  let unresolved = false;
  for (const [index, node] of nodes.entries()) {
    const part = expandNode(node, context, index < nodes.length - 1);
    unresolved ||= part.unresolved;
    if (part.values.length === 0) return { values: [], absent: part.absent, unresolved };
    const joined = combine([values, part.values], MAX_VALUES);
    if (!joined) return UNRESOLVED;
    values = joined;
  }
  return { values, absent: false, unresolved };
}

/** `followed`: more of the template comes after the node (only a regex cares). */
function expandNode(node: TemplateNode, context: RenderContext, followed: boolean): Expansion {
  switch (node.kind) {
    case 'text':
      return { values: [node.text], absent: false, unresolved: false };
    case 'variable': {
      const value = context.scope.vars[node.name];
      return value ? { values: [value], absent: false, unresolved: false } : UNRESOLVED;
    }
    case 'property':
      return expandProperty(node.path, context.scope.input);
    case 'urlencode':
      return mapValues(expandSequence(node.value, context), encodeRfc3986);
    case 'many':
      return unite(node.items.map((item) => expandSequence(item, context)), { skipAbsent: true });
    case 'iftemplatematch':
      return expandTemplateMatch(node.value, context);
    case 'iftruthy':
      return unite(chooseBranches(node, context).map((branch) => expandSequence(branch, context)), { skipAbsent: false });
    case 'regex':
      return captureRegex(node.pattern, expandSequence(node.subject, context), context.regexBudget, followed);
  }
}

/** A property's values: strings and finite numbers; '' and null count as absent. */
function expandProperty(path: readonly PathStep[], input: unknown): Expansion {
  const values = new Set<string>();
  let unusable = false;
  let overflow = false;
  visitLeaves(input, path, (leaf) => {
    if (leaf === undefined || leaf === null || leaf === '') return true;
    if (typeof leaf === 'string') values.add(leaf);
    else if (typeof leaf === 'number' && Number.isFinite(leaf)) values.add(String(leaf));
    else unusable = true;
    overflow = values.size > MAX_VALUES;
    return !overflow;
  });
  if (overflow) return UNRESOLVED;
  // Elements of an array that lack the property are skipped: `TransactItems[].Put.TableName`.
  return { values: [...values], absent: values.size === 0 && !unusable, unresolved: unusable };
}

/** Keeps the values that fit the resource type's ARN template; an absent value just does not apply. */
function expandTemplateMatch(value: readonly TemplateNode[], context: RenderContext): Expansion {
  if (context.resourceTypeArn === undefined) return UNRESOLVED;
  const arnTemplate = context.resourceTypeArn;
  const candidates = expandSequence(value, context);
  const values = candidates.values.filter((candidate) => arnMatchesTemplate(candidate, arnTemplate));
  return { values, absent: false, unresolved: candidates.unresolved };
}

/** The then-branch if any tested value is truthy, the else-branch if any is falsy (or none exist). */
function chooseBranches(node: Extract<TemplateNode, { kind: 'iftruthy' }>, context: RenderContext): TemplateNode[][] {
  let anyTruthy = false;
  let anyFalsy = false;
  const judge = (value: unknown) => {
    if (isTruthy(value)) anyTruthy = true;
    else anyFalsy = true;
    return !(anyTruthy && anyFalsy);
  };
  if (node.test.kind === 'variable') judge(context.scope.vars[node.test.name]);
  else visitLeaves(context.scope.input, node.test.path, judge);
  if (anyTruthy && anyFalsy) return [node.then, node.else];
  return anyTruthy ? [node.then] : [node.else];
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/** Percent-encoding of everything but RFC 3986 unreserved characters (as AWS encodes ARNs in paths). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
