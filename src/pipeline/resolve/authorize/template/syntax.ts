import type { PathStep } from './paths.js';

/**
 * The template language of the iam-dataset SDK → IAM map (github.com/iann0036/iam-dataset,
 * aws/MAP-README.md): `${A.B[]}`, `%%urlencode%…%%`, `%%many%…%…%%`, `%%iftemplatematch%…%%`,
 * `%%iftruthy%test%then%else%%`, `%%regex%subject%/(re)/g%%`. Functions nest and may sit inside
 * text. Templates are compiled once; rendering is pure and bounded (values, regex work), because
 * it runs on every request with agent-controlled input.
 *
 * This module holds the language's vocabulary: the node tree a template compiles to, the names
 * it knows, and the error a malformed template raises while compiling.
 */

const PROXY_VARIABLES = ['Partition', 'Region', 'Account'] as const;
type ProxyVariable = (typeof PROXY_VARIABLES)[number];

const FUNCTION_NAMES = ['urlencode', 'many', 'iftemplatematch', 'iftruthy', 'regex'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: ProxyVariable }
  | { kind: 'property'; path: PathStep[] }
  | { kind: 'urlencode'; value: TemplateNode[] }
  | { kind: 'many'; items: TemplateNode[][] }
  | { kind: 'iftemplatematch'; value: TemplateNode[] }
  | { kind: 'iftruthy'; test: TestNode; then: TemplateNode[]; else: TemplateNode[] }
  | { kind: 'regex'; subject: TemplateNode[]; pattern: RegExp };

export type TestNode = Extract<TemplateNode, { kind: 'variable' | 'property' }>;

export class TemplateSyntaxError extends Error {}

export function isProxyVariable(name: string): name is ProxyVariable {
  return (PROXY_VARIABLES as readonly string[]).includes(name);
}

export function isFunctionName(name: string | undefined): name is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(name ?? '');
}
