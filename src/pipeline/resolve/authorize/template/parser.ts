import { buildCall } from './calls.js';
import { parsePath } from './paths.js';
import { isFunctionName, isProxyVariable, TemplateSyntaxError, type FunctionName, type TemplateNode } from './syntax.js';

type PercentToken = { kind: 'open'; name: FunctionName } | { kind: 'separator' } | { kind: 'close' };

/** The node tree of `source`; throws TemplateSyntaxError if it is malformed. */
export function parseTemplate(source: string): TemplateNode[] {
  return new TemplateParser(source).parse();
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

function appendText(nodes: TemplateNode[], text: string): void {
  const last = nodes.at(-1);
  if (last?.kind === 'text') last.text += text;
  else if (text) nodes.push({ kind: 'text', text });
}
