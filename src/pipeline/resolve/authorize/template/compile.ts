import { remember } from './memo.js';
import { parseTemplate } from './parser.js';
import { TemplateSyntaxError, type TemplateNode } from './syntax.js';

export interface CompiledTemplate {
  readonly source: string;
  readonly nodes: readonly TemplateNode[];
  /** Why the template is malformed; such a template always renders unresolved. */
  readonly problem?: string;
  /** It uses `iftemplatematch`, which needs the resource type's ARN template. */
  readonly needsResourceTypeArn: boolean;
}

/** Parses a template; never throws: a malformed template comes back with `problem` set. */
export function compileTemplate(source: string): CompiledTemplate {
  try {
    const nodes = parseTemplate(source);
    return { source, nodes, needsResourceTypeArn: someNode(nodes, (node) => node.kind === 'iftemplatematch') };
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    return { source, nodes: [], problem: error.message, needsResourceTypeArn: false };
  }
}

const compiledCache = new Map<string, CompiledTemplate>();

/** The compiled form of `source`, from a bounded cache (templates come from the catalog). */
export function compiledTemplateFor(source: string): CompiledTemplate {
  let compiled = compiledCache.get(source);
  if (!compiled) {
    compiled = compileTemplate(source);
    remember(compiledCache, source, compiled);
  }
  return compiled;
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
