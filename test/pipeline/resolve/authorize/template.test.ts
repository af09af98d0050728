import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  arnMatchesTemplate,
  compiledTemplateFor,
  compileTemplate,
  conditionHolds,
  MAX_VALUES,
  renderTemplate,
  type Rendered,
  type TemplateScope,
} from '../../../../src/pipeline/resolve/authorize/template.js';
import type { MapCondition, MapEntry, ServiceModel } from '../../../../src/services/model.js';

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

  it('stops a condition at the first element that decides it, even among 100,000', () => {
    const objects = Array.from({ length: 100_000 }, (_, i) => (i === 3 ? { Key: 'k', VersionId: 'v' } : { Key: 'k' }));
    expect(conditionHolds({ lhs: 'Delete.Objects[].VersionId', op: 'Exists' }, { Delete: { Objects: objects } })).toBe(true);
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

describe('arnMatchesTemplate', () => {
  it.each([
    ['arn:aws:s3:::bucket/key/with/slashes', 'arn:${Partition}:s3:::${BucketName}/${ObjectName}', true],
    ['arn:aws:s3:::bucket', 'arn:${Partition}:s3:::${BucketName}/${ObjectName}', false],
    ['arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', true],
    ['arn:aws:sqs:us-east-1:123456789012:q', 'arn:${Partition}:sns:${Region}:${Account}:${TopicName}', false],
    ['*', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', false],
    ['xarn:aws:sqs:us-east-1:1:q', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', false],
    ['arn:aws:sqs:us-east-1:1:q\nmore', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', true],
  ])('%s fits %s: %s', (arn, template, fits) => {
    expect(arnMatchesTemplate(arn, template)).toBe(fits);
  });
});

describe('conditionHolds', () => {
  const deleteObjects = (objects: unknown[]) => ({ Bucket: 'b', Delete: { Objects: objects } });
  it.each<[string, MapCondition, unknown, boolean]>([
    ['Exists: present', { lhs: 'VersionId', op: 'Exists' }, { VersionId: 'v1' }, true],
    ['Exists: absent', { lhs: 'VersionId', op: 'Exists' }, {}, false],
    ['Exists: null is absent', { lhs: 'VersionId', op: 'Exists' }, { VersionId: null }, false],
    ['Exists: an empty string is present', { lhs: 'VersionId', op: 'Exists' }, { VersionId: '' }, true],
    ['NotExists: absent', { lhs: 'VersionId', op: 'NotExists' }, {}, true],
    ['Exists over a list: any element has it (TransactItems[].Put)', { lhs: 'TransactItems[].Put', op: 'Exists' }, { TransactItems: [{ Delete: {} }, { Put: {} }] }, true],
    ['Exists over a list: none has it', { lhs: 'TransactItems[].Update', op: 'Exists' }, { TransactItems: [{ Delete: {} }, { Put: {} }] }, false],
    ['Exists over an empty list', { lhs: 'TransactItems[].Put', op: 'Exists' }, { TransactItems: [] }, false],
    ['DeleteObjects, no versions: DeleteObject applies', { lhs: 'Delete.Objects[].VersionId', op: 'NotExists' }, deleteObjects([{ Key: 'a' }]), true],
    ['DeleteObjects, no versions: DeleteObjectVersion does not', { lhs: 'Delete.Objects[].VersionId', op: 'Exists' }, deleteObjects([{ Key: 'a' }]), false],
    ['DeleteObjects, mixed: DeleteObject applies', { lhs: 'Delete.Objects[].VersionId', op: 'NotExists' }, deleteObjects([{ Key: 'a' }, { Key: 'b', VersionId: 'v' }]), true],
    ['DeleteObjects, mixed: DeleteObjectVersion applies too', { lhs: 'Delete.Objects[].VersionId', op: 'Exists' }, deleteObjects([{ Key: 'a' }, { Key: 'b', VersionId: 'v' }]), true],
    ['DeleteObjects, all versioned: DeleteObject does not', { lhs: 'Delete.Objects[].VersionId', op: 'NotExists' }, deleteObjects([{ Key: 'b', VersionId: 'v' }]), false],
    ['NotEquals: absent (S3.CopyObject GetObjectTagging)', { lhs: 'TaggingDirective', op: 'NotEquals', rhs: 'REPLACE' }, {}, true],
    ['NotEquals: COPY', { lhs: 'TaggingDirective', op: 'NotEquals', rhs: 'REPLACE' }, { TaggingDirective: 'COPY' }, true],
    ['NotEquals: REPLACE', { lhs: 'TaggingDirective', op: 'NotEquals', rhs: 'REPLACE' }, { TaggingDirective: 'REPLACE' }, false],
    ['Equals: same', { lhs: 'TaggingDirective', op: 'Equals', rhs: 'REPLACE' }, { TaggingDirective: 'REPLACE' }, true],
    ['Equals: case matters', { lhs: 'TaggingDirective', op: 'Equals', rhs: 'REPLACE' }, { TaggingDirective: 'replace' }, false],
    ['Equals: a number compares as its decimal text', { lhs: 'Count', op: 'Equals', rhs: '3' }, { Count: 3 }, true],
    ['Equals: absent', { lhs: 'TaggingDirective', op: 'Equals', rhs: 'REPLACE' }, {}, false],
    ['IContains: PartiQL select (DynamoDB.ExecuteStatement)', { lhs: 'Statement', op: 'IContains', rhs: 'SELECT ' }, { Statement: 'select * from "t"' }, true],
    ['IContains: another statement', { lhs: 'Statement', op: 'IContains', rhs: 'DELETE ' }, { Statement: 'SELECT * FROM "t"' }, false],
    ['IContains: a tab is whitespace too', { lhs: 'Statement', op: 'IContains', rhs: 'DELETE ' }, { Statement: 'DELETE\tFROM "t"' }, true],
    ['IContains: a newline is whitespace too', { lhs: 'Statement', op: 'IContains', rhs: 'DELETE ' }, { Statement: 'delete\n\nfrom "t"' }, true],
    ['IContains over a batch (BatchExecuteStatement)', { lhs: 'Statements[].Statement', op: 'IContains', rhs: 'UPDATE ' }, { Statements: [{ Statement: 'SELECT 1' }, { Statement: 'update t set' }] }, true],
    ['IContains on a non-string', { lhs: 'Statement', op: 'IContains', rhs: 'SELECT ' }, { Statement: { SELECT: 1 } }, false],
    ['a missing rhs: the entry applies', { lhs: 'TaggingDirective', op: 'Equals' }, { TaggingDirective: 'COPY' }, true],
    ['an op this code does not know: the entry applies', { lhs: 'QueryString', op: 'INotContains', rhs: ' FROM ' } as unknown as MapCondition, { QueryString: 'SELECT 1 FROM t' }, true],
    ['a malformed lhs: the entry applies', { lhs: 'A..B', op: 'Exists' }, {}, true],
    ['constructor is not a property', { lhs: 'constructor', op: 'Exists' }, {}, false],
    ['__proto__ is not a property of {}', { lhs: '__proto__', op: 'Exists' }, {}, false],
  ])('%s', (_name, condition, input, holds) => {
    expect(conditionHolds(condition, input)).toBe(holds);
  });
});

describe('every template the map holds', () => {
  const sharedMap = '/work/shared/data/iam-dataset-map.json';
  const catalogDir = new URL('../../../../src/services/data/services/', import.meta.url);

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
