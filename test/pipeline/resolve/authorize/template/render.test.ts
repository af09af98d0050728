import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_VALUES } from '../../../../../src/pipeline/resolve/authorize/template/expansion.js';
import { renderTemplate, type Rendered, type TemplateScope } from '../../../../../src/pipeline/resolve/authorize/template/render.js';

interface TemplateCase {
  name: string;
  template: string;
  input: unknown;
  vars: TemplateScope['vars'];
  resourceTypeArn?: string;
  expect: Rendered;
}

// Read with JSON.parse, not imported: an imported `"__proto__"` key would set the prototype.
const cases = JSON.parse(readFileSync(new URL('template-cases.json', import.meta.url), 'utf8')) as TemplateCase[];
const vars = { Partition: 'aws', Region: 'us-east-1', Account: '123456789012' };

describe('renderTemplate (template-cases.json)', () => {
  it.each(cases)('$name', ({ template, input, vars, resourceTypeArn, expect: expected }) => {
    expect(renderTemplate(template, { input, vars }, resourceTypeArn)).toEqual(expected);
  });

  it('has a case for every construct', () => {
    const templates = cases.map((c) => c.template).join('\n');
    for (const construct of ['%%urlencode%', '%%many%', '%%iftemplatematch%', '%%iftruthy%', '%%regex%', '[]', '[][]', '${Partition}']) {
      expect(templates).toContain(construct);
    }
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
});

describe('renderTemplate bounds', () => {
  const render = (template: string, input: unknown) => renderTemplate(template, { input, vars });

  it('enumerates up to 1,000 values and gives up past them', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `sg-${i}`);
    expect(render('${Ids[]}', { Ids: names(1_000) }).values).toHaveLength(1_000);
    expect(render('${Ids[]}', { Ids: names(1_001) })).toEqual({ values: [], unresolved: true });
    expect(render('${Ids[]}', { Ids: names(100_000) })).toEqual({ values: [], unresolved: true });
  });

  it('counts distinct values: 100,000 copies of one name are one value', () => {
    expect(render('${Ids[]}', { Ids: Array.from({ length: 100_000 }, () => 'sg-1') })).toEqual({ values: ['sg-1'], unresolved: false });
  });

  it('caps combinations and unions too', () => {
    const forty = Array.from({ length: 40 }, (_, i) => `${i}`);
    expect(render('${A[]}:${B[]}', { A: forty, B: forty.slice(0, 25) }).values).toHaveLength(MAX_VALUES);
    expect(render('${A[]}:${B[]}', { A: forty, B: forty })).toEqual({ values: [], unresolved: true });
    expect(render('%%many%${A[]}%${B[]}%%', { A: names('a', 600), B: names('b', 600) })).toEqual({ values: [], unresolved: true });
  });


  it('follows a path 1,000 steps deep', () => {
    const steps = Array.from({ length: 1_000 }, (_, i) => `p${i}`);
    const input = steps.reduceRight<unknown>((inner, key) => ({ [key]: inner }), 'bottom');
    expect(render(`\${${steps.join('.')}}`, input)).toEqual({ values: ['bottom'], unresolved: false });
    expect(render(`\${${steps.join('.')}.more}`, input)).toEqual({ values: [], unresolved: true });
  });

  it('spends a bounded amount of regex work on a hostile subject (the ECS task-definition regex backtracks cubically)', () => {
    const ecs = '%%regex%${taskDefinition}%/(?:.*\\/)?([^:]+)(?:\\:[^:]+)?$/g%%';
    expect(render(ecs, { taskDefinition: `${'/-'.repeat(400)}:` })).toEqual({ values: [], unresolved: true });
    expect(render(ecs, { taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:12' })).toEqual({ values: ['web'], unresolved: false });
  });

  it('still reads a hundred ordinary ARNs through a regex (ECS.DescribeTasks takes up to 100)', () => {
    const tasks = Array.from({ length: 100 }, (_, i) => `arn:aws:ecs:us-east-1:123456789012:task/production-cluster/${i.toString(16).padStart(32, '0')}`);
    const rendered = render('%%regex%${tasks[]}%/^(?:.+\\/)?(.+)$/g%%', { tasks });
    expect(rendered.unresolved).toBe(false);
    expect(rendered.values).toHaveLength(100);
  });

  it('reads the input, never the prototype chain or accessors of arrays', () => {
    const input = Object.create({ Inherited: 'no' }) as Record<string, unknown>;
    input.Own = 'yes';
    expect(render('${Inherited}', input)).toEqual({ values: [], unresolved: true });
    expect(render('${Own}', input)).toEqual({ values: ['yes'], unresolved: false });
    expect(render('${Own}', Object.assign(Object.create(null) as object, { Own: 'null-prototype' }))).toEqual({ values: ['null-prototype'], unresolved: false });
  });

  it('renders non-JSON input values as unusable, not as text', () => {
    for (const value of [new Date(0), new Uint8Array([65]), Number.NaN, Number.POSITIVE_INFINITY, 10n, Symbol('s'), () => 'f']) {
      expect(render('${V}', { V: value })).toEqual({ values: [], unresolved: true });
    }
  });

  function names(prefix: string, n: number): string[] {
    return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  }
});
