import { describe, expect, it } from 'vitest';
import { accessLevelOf, expandActions } from '../../src/grants/actions.js';
import { GrantError } from '../../src/grants/types.js';

describe('expandActions', () => {
  it('expands a wildcard to the matching actions as AWS spells them, sorted', async () => {
    const actions = await expandActions(['s3:Get*']);
    expect(actions).toContain('s3:GetObject');
    expect(actions).toContain('s3:GetBucketPolicy');
    expect(actions).not.toContain('s3:PutObject');
    expect(actions.every((a) => a.startsWith('s3:Get'))).toBe(true);
    expect(actions).toEqual([...actions].sort());
  });

  it('canonicalises case and drops duplicates', async () => {
    expect(await expandActions(['S3:getobject', 's3:GetObject', 's3:GETOBJECT'])).toEqual(['s3:GetObject']);
  });

  it('reads ? as exactly one character', async () => {
    expect(await expandActions(['s3:GetObjec?'])).toEqual(['s3:GetObject']);
    expect(await expandActions(['s3:Get?bject'])).toEqual(['s3:GetObject']);
    await expect(expandActions(['s3:GetObject?'])).rejects.toThrow('"s3:GetObject?" matches no s3 action');
  });

  it('merges overlapping patterns from several services', async () => {
    const actions = await expandActions(['sqs:SendMessage', 's3:GetObject*', 's3:GetObject']);
    expect(actions[0]).toBe('s3:GetObject');
    expect(actions.at(-1)).toBe('sqs:SendMessage');
    expect(new Set(actions).size).toBe(actions.length);
  });

  it('expands * alone to every action of every service', async () => {
    const actions = await expandActions(['*']);
    expect(actions.length).toBeGreaterThan(15_000);
    expect(actions).toContain('iam:PassRole');
    expect(actions).toContain('vpc-lattice:AssociateViaAWSService-EventsAndStates');
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions).toEqual([...actions].sort());
  });

  it('returns nothing for no patterns', async () => {
    expect(await expandActions([])).toEqual([]);
  });

  it.each([
    ['s3', '"s3" is not a service:Action name'],
    ['', '"" is not a service:Action name'],
    [' s3:GetObject', '" s3:GetObject" is not a service:Action name'],
    ['s3:GetObject:extra', '"s3:GetObject:extra" is not a service:Action name'],
    ['*:*', '"*:*" is not a service:Action name'],
    ['s*:GetObject', '"s*:GetObject" is not a service:Action name'],
    ['s3:Get.*', '"s3:Get.*" is not a service:Action name'],
    ['constructor:x', '"constructor:x" is not a service:Action name'],
    ['foo:Bar', '"foo:Bar": AWS has no service prefix "foo"'],
    ['s3:GetObjekt', '"s3:GetObjekt": s3 has no action "GetObjekt"'],
    ['s3:constructor', '"s3:constructor": s3 has no action "constructor"'],
    ['s3:Zz*', '"s3:Zz*" matches no s3 action'],
  ])('refuses %j', async (pattern, message) => {
    const refusal = expandActions(['s3:GetObject', pattern]);
    await expect(refusal).rejects.toThrow(GrantError);
    await expect(refusal).rejects.toThrow(message);
  });
});

describe('accessLevelOf', () => {
  it.each([
    ['s3:GetObject', 'Read'],
    ['S3:LISTBUCKET', 'List'],
    ['s3:PutObject', 'Write'],
    ['s3:PutObjectTagging', 'Tagging'],
    ['iam:AttachRolePolicy', 'Permissions management'],
    ['iam:PassRole', 'Write'],
  ])('%s is %s', async (action, level) => expect(await accessLevelOf(action)).toBe(level));

  it.each(['s3:Get*', '*', 's3:GetObjekt', 'foo:Bar', 's3:constructor', 'toString', ''])('%j has none', async (action) => {
    expect(await accessLevelOf(action)).toBeUndefined();
  });
});
