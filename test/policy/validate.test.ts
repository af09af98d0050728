import { describe, expect, it } from 'vitest';
import { actionProblem, describeProblems, validatePolicyDocument } from '../../src/policy/validate.js';

describe('validatePolicyDocument', () => {
  it('accepts a valid identity policy, wildcards included', async () => {
    expect(await validatePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 'ec2:Describe?nstances', '*'], Resource: '*' }] })).toEqual([]);
  });

  it('names the exact place of each unknown action', async () => {
    const problems = await validatePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: '*' }, { Effect: 'Deny', NotAction: ['sts:*', 'foo:Bar'], Resource: '*' }] });
    expect(problems).toEqual([
      { path: 'Statement[0].Action', message: '"s3:GetObjekt": s3 has no action "GetObjekt"' },
      { path: 'Statement[1].NotAction[1]', message: '"foo:Bar": AWS has no service prefix "foo"' },
    ]);
    expect(describeProblems(problems)).toBe('Statement[0].Action: "s3:GetObjekt": s3 has no action "GetObjekt"; Statement[1].NotAction[1]: "foo:Bar": AWS has no service prefix "foo"');
  });

  it('reports IAM grammar errors with their path', async () => {
    const problems = await validatePolicyDocument({ Statement: [{ Effect: 'Alow', Action: 's3:GetObject' }] });
    expect(problems.map((p) => p.path)).toEqual(['Statement[0].Effect', 'Statement[0]']);
    expect(await validatePolicyDocument([])).toEqual([{ path: '', message: 'a policy is a JSON object with a "Statement"' }]);
  });

  it.each([
    ['s3:Zz*', '"s3:Zz*" matches no s3 action'],
    ['constructor:x', '"constructor:x" is not a service:Action name'],
    ['s3', '"s3" is not a service:Action name'],
    ['s3:GetObject:extra', '"s3:GetObject:extra" is not a service:Action name'],
    ['s3:constructor', '"s3:constructor": s3 has no action "constructor"'],
  ])('actionProblem(%s)', async (action, problem) => expect(await actionProblem(action)).toBe(problem));

  it('accepts the one AWS action with a hyphen in its name', async () => {
    expect(await actionProblem('vpc-lattice:AssociateViaAWSService-EventsAndStates')).toBeUndefined();
  });
});
