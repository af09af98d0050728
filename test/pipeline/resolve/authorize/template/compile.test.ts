import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compiledTemplateFor, compileTemplate } from '../../../../../src/pipeline/resolve/authorize/template/compile.js';
import { renderTemplate } from '../../../../../src/pipeline/resolve/authorize/template/render.js';
import type { MapEntry, ServiceModel } from '../../../../../src/services/model.js';

const vars = { Partition: 'aws', Region: 'us-east-1', Account: '123456789012' };

describe('compileTemplate', () => {
  it('splits runs of % the way the data writes them', () => {
    expect(compileTemplate('%%iftruthy%${X}%*%%%').nodes).toEqual([
      { kind: 'iftruthy', test: { kind: 'property', path: [{ key: 'X', each: 0 }] }, then: [{ kind: 'text', text: '*' }], else: [] },
    ]);
    const nested = compileTemplate('%%many%%%regex%${A}%/(a)/g%%%%%regex%${B[]}%/(b)/g%%%%');
    expect(nested.problem).toBeUndefined();
    expect(nested.nodes).toMatchObject([
      {
        kind: 'many',
        items: [[{ kind: 'regex', subject: [{ kind: 'property', path: [{ key: 'A', each: 0 }] }] }], [{ kind: 'regex', subject: [{ kind: 'property', path: [{ key: 'B', each: 1 }] }] }]],
      },
    ]);
  });

  it('keeps text around functions and merges adjacent text', () => {
    expect(compileTemplate('arn:x:%%urlencode%${A}%%:y').nodes).toEqual([
      { kind: 'text', text: 'arn:x:' },
      { kind: 'urlencode', value: [{ kind: 'property', path: [{ key: 'A', each: 0 }] }] },
      { kind: 'text', text: ':y' },
    ]);
  });

  it('treats a regex argument as raw text and accepts flags', () => {
    const compiled = compileTemplate('%%regex%${A}%/^\\$\\{(x)\\}$/i%%');
    const [node] = compiled.nodes;
    expect(node?.kind === 'regex' && node.pattern.source).toBe('^\\$\\{(x)\\}$');
    expect(node?.kind === 'regex' && node.pattern.flags).toBe('i');
    expect(renderTemplate(compiled, { input: { A: '${X}' }, vars })).toEqual({ values: ['X'], unresolved: false });
  });

  it('explains what is malformed', () => {
    expect(compileTemplate('%%regex%${A}%/(/g%%').problem).toBe('invalid regex /(/g');
    expect(compileTemplate('%%iftruthy%${A}%%').problem).toBe('%%iftruthy takes 2 or 3 arguments, not 1');
    expect(compileTemplate('%%many%%%').problem).toBe('%%many has an empty argument');
    expect(compileTemplate('%%iftruthy%x${A}%y%%').problem).toBe('%%iftruthy tests one ${…}');
    expect(compileTemplate('a%b').problem).toBe('stray % at 2');
    expect(compileTemplate('${A}$').problem).toBe('stray $ at 4');
  });

  it('says when a template needs the resource type', () => {
    expect(compileTemplate('%%many%${A}%%%iftemplatematch%${B}%%%%').needsResourceTypeArn).toBe(true);
    expect(compileTemplate('%%many%${A}%${B}%%').needsResourceTypeArn).toBe(false);
  });

  it('compiles a template once and serves it from the cache', () => {
    const template = '${CacheProbe}';
    expect(compiledTemplateFor(template)).toBe(compiledTemplateFor(template));
  });
});

describe('every template the map holds', () => {
  const sharedMap = '/work/shared/data/iam-dataset-map.json';
  const catalogDir = new URL('../../../../../src/services/data/services/', import.meta.url);

  // Malformed upstream (see template-cases.json "malformed: …"); they render unresolved.
  const KNOWN_MALFORMED = [
    '%many:${currentDeploymentGroupName}:${newDeploymentGroupName}%',
    '%%many%${IdentityProviderDetails.InvocationRole}%${LoggingRole}$$',
    '%%regex%%/.*/g%%',
    '%%iftruthy%${resourceArn}%%',
    '%%iftruthy%${ResourceARN}%%',
    '%%iftruthy%${ResourceArn}%%',
    '%%iftemplatematch${ResourceARN}%%',
    '%%regex%${resourceArn}%%',
    'arn:${Partition}:access-analyzer:${Region}:123456789012:$arn{${analyzerArn}}',
    'arn:${Partition}:ivs:${Region}:123456789012:$arn{${stageArn}}',
    'arn:${Partition}:ivs:${Region}:123456789012:$arn{${arn}}',
    'arn:${Partition}:ivs:${Region}:123456789012:$arn{${resourceArn}}',
    '${GroupIds}[]',
    '${eulaIds}[]',
    '${streamConfiguration.streamingImageIds}[]',
    '${ec2SubnetIds}[]',
    '${MemberArns}[]',
  ];

  it.skipIf(!existsSync(sharedMap))('compiles all of iam-dataset-map.json; only the known typos are malformed', () => {
    const map = JSON.parse(readFileSync(sharedMap, 'utf8')) as { sdk_method_iam_mappings: Record<string, MapEntry[]> };
    const templates = templatesOf(Object.values(map.sdk_method_iam_mappings).flat());
    expect(templates.size).toBe(2_332);
    expect(malformed(templates).sort()).toEqual([...KNOWN_MALFORMED].sort());
    renderAll(templates);
  });

  it.skipIf(!existsSync(catalogDir))('compiles all of the generated catalog; nothing beyond the known typos is malformed', () => {
    const entries = readdirSync(catalogDir)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => Object.values((JSON.parse(readFileSync(new URL(file, catalogDir), 'utf8')) as ServiceModel).iam).flat());
    const templates = templatesOf(entries);
    expect(templates.size).toBeGreaterThan(1_000);
    for (const problem of malformed(templates)) expect(KNOWN_MALFORMED).toContain(problem);
    renderAll(templates);
  });

  function templatesOf(entries: MapEntry[]): Set<string> {
    const templates = new Set<string>();
    for (const entry of entries) {
      for (const mapping of Object.values(entry.resource_mappings ?? {})) templates.add(mapping.template);
      for (const template of Object.values(entry.resourcearn_mappings ?? {})) templates.add(template);
      if (entry.arn_override) templates.add(entry.arn_override.template);
    }
    return templates;
  }

  function malformed(templates: Set<string>): string[] {
    return [...templates].filter((template) => compileTemplate(template).problem !== undefined);
  }

  /** Against no input and against an input that has every member: well-formed results, no throw. */
  function renderAll(templates: Set<string>): void {
    for (const template of templates) {
      for (const input of [{}, everything]) {
        const { values, unresolved } = renderTemplate(template, { input, vars }, 'arn:${Partition}:svc:${Region}:${Account}:thing/${Id}');
        expect(new Set(values).size).toBe(values.length);
        expect(values).not.toContain('');
        expect(typeof unresolved).toBe('boolean');
      }
    }
  }
});

/**
 * An input with every member: one named like a list (`…s`) holds another such input and a
 * string; any other holds `<name>-value`.
 */
const everything: object = new Proxy(
  {},
  {
    getOwnPropertyDescriptor: (_target, key) => ({ value: memberValue(String(key)), enumerable: true, configurable: true }),
    get: (_target, key) => memberValue(String(key)),
  },
);

function memberValue(key: string): unknown {
  return key.endsWith('s') ? [everything, `${key}-1`] : `${key}-value`;
}
