import { TemplateSyntaxError, type FunctionName, type TemplateNode, type TestNode } from './syntax.js';

/** A function call's node from its parsed arguments: arity, empty arguments, the test, the regex. */
export function buildCall(name: FunctionName, args: TemplateNode[][]): TemplateNode {
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
