import type { MapCondition } from '../../../services/model.js';

/**
 * The template language of the iam-dataset SDK → IAM map (github.com/iann0036/iam-dataset,
 * aws/MAP-README.md): `${A.B[]}`, `%%urlencode%…%%`, `%%many%…%…%%`, `%%iftemplatematch%…%%`,
 * `%%iftruthy%test%then%else%%`, `%%regex%subject%/(re)/g%%`. Functions nest and may sit inside
 * text. Templates are compiled once; rendering is pure and bounded (values, regex work), because
 * it runs on every request with agent-controlled input.
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

const PROXY_VARIABLES = ['Partition', 'Region', 'Account'] as const;
type ProxyVariable = (typeof PROXY_VARIABLES)[number];

const FUNCTION_NAMES = ['urlencode', 'many', 'iftemplatematch', 'iftruthy', 'regex'] as const;
type FunctionName = (typeof FUNCTION_NAMES)[number];

/** One `.Name` step of a property path; `each` counts the `[]` after it. */
export interface PathStep {
  key: string;
  each: number;
}

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: ProxyVariable }
  | { kind: 'property'; path: PathStep[] }
  | { kind: 'urlencode'; value: TemplateNode[] }
  | { kind: 'many'; items: TemplateNode[][] }
  | { kind: 'iftemplatematch'; value: TemplateNode[] }
  | { kind: 'iftruthy'; test: TestNode; then: TemplateNode[]; else: TemplateNode[] }
  | { kind: 'regex'; subject: TemplateNode[]; pattern: RegExp };

type TestNode = Extract<TemplateNode, { kind: 'variable' | 'property' }>;

export interface CompiledTemplate {
  readonly source: string;
  readonly nodes: readonly TemplateNode[];
  /** Why the template is malformed; such a template always renders unresolved. */
  readonly problem?: string;
  /** It uses `iftemplatematch`, which needs the resource type's ARN template. */
  readonly needsResourceTypeArn: boolean;
}

/** Past this many values a template (or an ARN's combinations) is unresolved, not enumerated. */
export const MAX_VALUES = 1_000;

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

class TemplateSyntaxError extends Error {}

type PercentToken = { kind: 'open'; name: FunctionName } | { kind: 'separator' } | { kind: 'close' };

/** Parses a template; never throws: a malformed template comes back with `problem` set. */
export function compileTemplate(source: string): CompiledTemplate {
  try {
    const nodes = new TemplateParser(source).parse();
    return { source, nodes, needsResourceTypeArn: someNode(nodes, (node) => node.kind === 'iftemplatematch') };
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    return { source, nodes: [], problem: error.message, needsResourceTypeArn: false };
  }
}

/**
 * A recursive-descent parser. The only subtle part is a run of `%`: `%%name` opens a function,
 * `%` separates arguments, `%%` closes. Runs are split as the data writes them: `%*%%%` is an
 * empty last argument then a close, `/g%%%%%regex` closes one function, separates, opens the next.
 */
class TemplateParser {
  private pos = 0;
  private readonly pending: PercentToken[] = [];

  constructor(private readonly source: string) {}

  parse(): TemplateNode[] {
    const nodes = this.parseSequence(false);
    if (this.takeToken()) throw new TemplateSyntaxError(`stray % at ${this.pos}`);
    return nodes;
  }

  /** Text, variables and nested calls up to the next separator, close or the end. */
  private parseSequence(raw: boolean): TemplateNode[] {
    const nodes: TemplateNode[] = [];
    for (;;) {
      const token = this.peekToken();
      if (token) {
        if (token.kind !== 'open') return nodes;
        this.pending.shift();
        nodes.push(this.parseCall(token.name));
      } else if (this.pos >= this.source.length) {
        return nodes;
      } else if (!raw && this.source.startsWith('${', this.pos)) {
        nodes.push(this.parseVariable());
      } else {
        const text = this.readText(raw);
        // `${GroupIds}[]` (five entries) means `${GroupIds[]}`; as text it would make bogus names.
        if (!raw && text.includes('[]')) throw new TemplateSyntaxError(`[] outside \${…} at ${this.pos - text.length}`);
        appendText(nodes, text);
      }
    }
  }

  private parseCall(name: FunctionName): TemplateNode {
    const args: TemplateNode[][] = [];
    for (;;) {
      const token = this.takeToken();
      if (!token) throw new TemplateSyntaxError(`%%${name} is not followed by % or is never closed`);
      if (token.kind === 'close') return buildCall(name, args);
      // Only a regex's second argument is raw: regexes contain `$`.
      args.push(this.parseSequence(name === 'regex' && args.length === 1));
    }
  }

  private parseVariable(): TemplateNode {
    const end = this.source.indexOf('}', this.pos);
    if (end < 0) throw new TemplateSyntaxError(`unclosed \${ at ${this.pos}`);
    const name = this.source.slice(this.pos + 2, end);
    this.pos = end + 1;
    if (isProxyVariable(name)) return { kind: 'variable', name };
    return { kind: 'property', path: parsePath(name) };
  }

  private readText(raw: boolean): string {
    const start = this.pos;
    while (this.pos < this.source.length) {
      const char = this.source[this.pos];
      if (char === '%') break;
      if (!raw && char === '$') {
        if (this.source[this.pos + 1] === '{') break;
        throw new TemplateSyntaxError(`stray $ at ${this.pos}`);
      }
      this.pos++;
    }
    return this.source.slice(start, this.pos);
  }

  private peekToken(): PercentToken | undefined {
    if (this.pending.length === 0 && this.source[this.pos] === '%') this.lexPercentRun();
    return this.pending[0];
  }

  private takeToken(): PercentToken | undefined {
    this.peekToken();
    return this.pending.shift();
  }

  /** Splits a run of `%` into tokens (see the class comment). */
  private lexPercentRun(): void {
    let end = this.pos;
    while (this.source[end] === '%') end++;
    const run = end - this.pos;
    const name = /^[a-z]+/.exec(this.source.slice(end, end + 20))?.[0];
    const opens = run >= 2 && isFunctionName(name);
    const rest = opens ? run - 2 : run;
    const closes: PercentToken[] = Array.from({ length: Math.floor(rest / 2) }, () => ({ kind: 'close' }));
    const separator: PercentToken[] = rest % 2 === 1 ? [{ kind: 'separator' }] : [];
    if (opens) {
      this.pending.push(...closes, ...separator, { kind: 'open', name });
      this.pos = end + name.length;
    } else {
      this.pending.push(...separator, ...closes);
      this.pos = end;
    }
  }
}

export function isProxyVariable(name: string): name is ProxyVariable {
  return (PROXY_VARIABLES as readonly string[]).includes(name);
}

function isFunctionName(name: string | undefined): name is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(name ?? '');
}

function appendText(nodes: TemplateNode[], text: string): void {
  const last = nodes.at(-1);
  if (last?.kind === 'text') last.text += text;
  else if (text) nodes.push({ kind: 'text', text });
}

/** `A.B[].C[][]` → steps; names may hold any character but `.`, `[`, `]`. */
function parsePath(source: string): PathStep[] {
  return source.split('.').map((segment) => {
    const match = /^([^.[\]]+)((?:\[\])*)$/.exec(segment);
    if (!match?.[1]) throw new TemplateSyntaxError(`bad property path \${${source}}`);
    return { key: match[1], each: (match[2] ?? '').length / 2 };
  });
}

function buildCall(name: FunctionName, args: TemplateNode[][]): TemplateNode {
  const [first = [], second = [], third = []] = args;
  const arity = (min: number, max: number) => {
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
      throw new TemplateSyntaxError(`%%${name} takes ${expected} arguments, not ${args.length}`);
    }
  };
  const nonEmpty = (arg: TemplateNode[]) => {
    if (arg.length === 0) throw new TemplateSyntaxError(`%%${name} has an empty argument`);
    return arg;
  };
  switch (name) {
    case 'urlencode':
      arity(1, 1);
      return { kind: 'urlencode', value: nonEmpty(first) };
    case 'iftemplatematch':
      arity(1, 1);
      return { kind: 'iftemplatematch', value: nonEmpty(first) };
    case 'many':
      arity(1, Infinity);
      return { kind: 'many', items: args.map(nonEmpty) };
    case 'iftruthy':
      // `%%iftruthy%${X}%%` (no branches) is a typo in the data; the then-branch is required.
      arity(2, 3);
      return { kind: 'iftruthy', test: testNode(first), then: second, else: third };
    case 'regex':
      arity(2, 2);
      return { kind: 'regex', subject: nonEmpty(first), pattern: compileRegex(second) };
  }
}

function testNode(arg: TemplateNode[]): TestNode {
  const [node] = arg;
  if (arg.length !== 1 || !node || (node.kind !== 'property' && node.kind !== 'variable')) {
    throw new TemplateSyntaxError('%%iftruthy tests one ${…}');
  }
  return node;
}

/** `/re/g` or, leniently (three entries omit the leading slash), `re/g`; `g` is implied. */
function compileRegex(arg: TemplateNode[]): RegExp {
  const [node] = arg;
  if (arg.length !== 1 || node?.kind !== 'text') throw new TemplateSyntaxError('%%regex needs a /pattern/');
  const match = /^\/?(.*?)(?:\/([gimsu]*))?$/s.exec(node.text);
  const body = match?.[1];
  if (!body) throw new TemplateSyntaxError(`empty regex ${node.text}`);
  try {
    return new RegExp(body, (match[2] ?? '').replace('g', ''));
  } catch {
    throw new TemplateSyntaxError(`invalid regex ${node.text}`);
  }
}

function someNode(nodes: readonly TemplateNode[], test: (node: TemplateNode) => boolean): boolean {
  return nodes.some((node) => test(node) || childSequences(node).some((child) => someNode(child, test)));
}

function childSequences(node: TemplateNode): TemplateNode[][] {
  switch (node.kind) {
    case 'urlencode':
    case 'iftemplatematch':
      return [node.value];
    case 'many':
      return node.items;
    case 'iftruthy':
      return [node.then, node.else];
    case 'regex':
      return [node.subject];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const CACHE_LIMIT = 4_096; // the whole map has ~2,300 distinct templates
const compiledCache = new Map<string, CompiledTemplate>();

/** Adds to a bounded memo, forgetting the oldest entry when full. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= CACHE_LIMIT) {
    for (const oldest of cache.keys()) {
      cache.delete(oldest);
      break;
    }
  }
  cache.set(key, value);
}

/** The compiled form of `source`, from a bounded cache (templates come from the catalog). */
export function compiledTemplateFor(source: string): CompiledTemplate {
  let compiled = compiledCache.get(source);
  if (!compiled) {
    compiled = compileTemplate(source);
    remember(compiledCache, source, compiled);
  }
  return compiled;
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

interface RenderContext {
  scope: TemplateScope;
  resourceTypeArn: string | undefined;
  regexBudget: { left: number };
}

/**
 * Values plus why some may be missing. `absent`: an input property the template needs is not
 * there (with no values); `unresolved`: anything else went wrong. No values and no flag: the
 * template does not apply. A value is '' only where an optional regex prefix captured nothing.
 */
interface Expansion {
  values: string[];
  absent: boolean;
  unresolved: boolean;
}

const NOTHING: Expansion = { values: [], absent: false, unresolved: false };
const UNRESOLVED: Expansion = { values: [], absent: false, unresolved: true };

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

/** Every concatenation of one string from each list, deduplicated; undefined past `limit`. */
export function combine(lists: readonly (readonly string[])[], limit: number): string[] | undefined {
  let results: string[] = [''];
  for (const list of lists) {
    const [only] = list;
    // The common case, one value: appending it keeps distinct prefixes distinct.
    if (list.length === 1 && only !== undefined) {
      results = results.map((prefix) => prefix + only);
      continue;
    }
    const next = new Set<string>();
    for (const prefix of results) {
      for (const value of list) next.add(prefix + value);
      if (next.size > limit) return undefined;
    }
    results = [...next];
  }
  return results;
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
      return expandRegex(node, context, followed);
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

/**
 * The union of several expansions. `many` skips absent items: each item is one of several places
 * a value may be given, so one that is not there is simply not one of them.
 */
function unite(parts: readonly Expansion[], { skipAbsent }: { skipAbsent: boolean }): Expansion {
  const [only] = parts;
  if (parts.length === 1 && only) return skipAbsent && only.absent ? NOTHING : only;
  const values = new Set<string>();
  let absent = false;
  let unresolved = false;
  for (const part of parts) {
    absent ||= part.absent && !skipAbsent;
    unresolved ||= part.unresolved;
    for (const value of part.values) values.add(value);
    if (values.size > MAX_VALUES) return UNRESOLVED;
  }
  return { values: [...values], absent: absent && values.size === 0, unresolved };
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

// ---------------------------------------------------------------------------------------------
// Regex, bounded
// ---------------------------------------------------------------------------------------------

/**
 * Some map regexes backtrack cubically on hostile input (`(?:.*\/)?([^:]+)(?:\:[^:]+)?$` takes
 * ~10 ms on 256 crafted characters, seconds on 2,048). Each render may spend Σ length³ ≤ 16 × 256³
 * on regex subjects (one 645-character subject, or ~100 ordinary ARNs); past it, unresolved.
 */
const REGEX_BUDGET = 16 * 256 ** 3;

/**
 * The first capture group of the first match, per subject value. A regex that ends its template
 * yields the name itself: a value it cannot capture is unusable, an absent subject is absent. One
 * followed by more of the template yields an optional prefix (the IAM path in
 * `%%regex%${Path}%/^\/(.+)$/g%%${RoleName}`): there, capturing nothing or an absent subject gives ''.
 */
function expandRegex(node: Extract<TemplateNode, { kind: 'regex' }>, context: RenderContext, prefix: boolean): Expansion {
  const subject = expandSequence(node.subject, context);
  if (subject.values.length === 0) return prefix ? { values: [''], absent: false, unresolved: subject.unresolved } : subject;
  const values = new Set<string>();
  let uncaptured = false;
  for (const value of subject.values) {
    context.regexBudget.left -= value.length ** 3;
    if (context.regexBudget.left < 0) return UNRESOLVED;
    const captured = node.pattern.exec(value)?.[1];
    if (captured || prefix) values.add(captured ?? '');
    else uncaptured = true;
  }
  return { values: [...values], absent: false, unresolved: subject.unresolved || uncaptured };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function mapValues(expansion: Expansion, transform: (value: string) => string): Expansion {
  return { ...expansion, values: [...new Set(expansion.values.map(transform))] };
}

/** Percent-encoding of everything but RFC 3986 unreserved characters (as AWS encodes ARNs in paths). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Calls `visit` with every value `path` reaches, `undefined` where a step is missing (an empty
 * array reaches nothing). Only own properties of plain objects are followed: `constructor` or
 * `__proto__` in a path never reach the prototype. `visit` returns false to stop.
 */
function visitLeaves(root: unknown, path: readonly PathStep[], visit: (leaf: unknown) => boolean): void {
  walk(root, path, 0, visit);
}

function walk(value: unknown, path: readonly PathStep[], index: number, visit: (leaf: unknown) => boolean): boolean {
  const step = path[index];
  if (!step) return visit(value);
  const child = isRecord(value) && Object.hasOwn(value, step.key) ? value[step.key] : undefined;
  return spread(child, step.each, (element) => walk(element, path, index + 1, visit));
}

/** Applies `[]` `depth` times: each element of each array; a non-array where one is expected is missing. */
function spread(value: unknown, depth: number, next: (element: unknown) => boolean): boolean {
  if (depth === 0) return next(value);
  if (!Array.isArray(value)) return next(undefined);
  for (const element of value) if (!spread(element, depth - 1, next)) return false;
  return true;
}

const arnMatchers = new Map<string, RegExp>();

/**
 * Whether `arn` fits an ARN template: `${Partition}`, `${Region}`, `${Account}` match one ARN field
 * (possibly empty), any other `${…}` at least one character; the rest literally, whole string.
 */
export function arnMatchesTemplate(arn: string, arnTemplate: string): boolean {
  let matcher = arnMatchers.get(arnTemplate);
  if (!matcher) {
    const pattern = arnTemplate
      .split(/(\$\{[^}]*\})/)
      .map((piece, index) => (index % 2 === 0 ? escapeRegex(piece) : arnVariablePattern(piece)))
      .join('');
    matcher = new RegExp(`^${pattern}$`, 's');
    remember(arnMatchers, arnTemplate, matcher);
  }
  return matcher.test(arn);
}

function arnVariablePattern(placeholder: string): string {
  return isProxyVariable(placeholder.slice(2, -1)) ? '[^:]*' : '.+';
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

const conditionPaths = new Map<string, PathStep[] | undefined>();

/**
 * Whether an entry's `conditions` hold. Every op holds if it holds for at least one value the lhs
 * reaches, a missing one counting as absent (so `Delete.Objects[].VersionId` can be both Exists
 * and NotExists: some objects carry a version, some do not); an empty array counts as one absent
 * value. Ops this code does not know, a malformed lhs or a missing rhs: the entry applies (an
 * extra action is safer than a missed one).
 */
export function conditionHolds(condition: MapCondition, input: unknown): boolean {
  const path = conditionPath(condition.lhs);
  const test = path && leafTest(condition);
  if (!path || !test) return true;
  let holds = false;
  let reachedAny = false;
  visitLeaves(input, path, (leaf) => {
    reachedAny = true;
    holds = test(leaf);
    return !holds;
  });
  return reachedAny ? holds : test(undefined);
}

function leafTest(condition: MapCondition): ((leaf: unknown) => boolean) | undefined {
  const { op, rhs } = condition;
  if (op === 'Exists') return (leaf) => leaf !== undefined && leaf !== null;
  if (op === 'NotExists') return (leaf) => leaf === undefined || leaf === null;
  if (rhs === undefined) return undefined;
  if (op === 'Equals') return (leaf) => scalarText(leaf) === rhs;
  if (op === 'NotEquals') return (leaf) => scalarText(leaf) !== rhs;
  if (op === 'IContains') {
    // Whitespace runs compare as one space: `DELETE\tFROM` must not slip past `DELETE `.
    const needle = normaliseForContains(rhs);
    return (leaf) => typeof leaf === 'string' && normaliseForContains(leaf).includes(needle);
  }
  return undefined;
}

function normaliseForContains(text: string): string {
  return text.replace(/\s+/g, ' ').toLowerCase();
}

function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function conditionPath(lhs: string): PathStep[] | undefined {
  if (!conditionPaths.has(lhs)) {
    let path: PathStep[] | undefined;
    try {
      path = parsePath(lhs);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
    }
    remember(conditionPaths, lhs, path);
  }
  return conditionPaths.get(lhs);
}
