import { describe, expect, it } from 'vitest';
import { conditionHolds } from '../../../../../src/pipeline/resolve/authorize/template/conditions.js';
import type { MapCondition } from '../../../../../src/services/model.js';

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

describe('conditionHolds bounds', () => {
  it('stops a condition at the first element that decides it, even among 100,000', () => {
    const objects = Array.from({ length: 100_000 }, (_, i) => (i === 3 ? { Key: 'k', VersionId: 'v' } : { Key: 'k' }));
    expect(conditionHolds({ lhs: 'Delete.Objects[].VersionId', op: 'Exists' }, { Delete: { Objects: objects } })).toBe(true);
  });
});
