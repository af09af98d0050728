import { describe, expect, it } from 'vitest';
import { SUPPLIED_GLOBAL_KEYS } from '../../../src/policy/context-keys.js';
import { conditionKeyWarnings, policyContextKeys } from '../../../src/policy/store/condition-keys.js';
import type { PolicyDocument } from '../../../src/policy/types.js';

const withConditions = (...conditions: Array<Record<string, Record<string, string | string[]>>>): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: conditions.map((Condition) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition })),
});

const CANNOT = 'cannot be supplied by iam-agent-proxy: Deny statements that use it always apply, Allow statements that use it never do';

describe('policyContextKeys', () => {
  it('finds keys in conditions, and variables in condition values and in Resource and NotResource, each once', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*', Condition: { StringEquals: { 's3:prefix': '${aws:PrincipalTag/team, \'none\'}' } } },
        { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::b/${aws:userid}/${*}', Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'ai', 'AWS:USERNAME': 'x' } } },
      ],
    };
    expect(policyContextKeys(policy)).toStrictEqual(['aws:username', 's3:prefix', 'aws:PrincipalTag/team', 'aws:userid', 'aws:ResourceTag/team']);
  });
});

describe('conditionKeyWarnings', () => {
  it('says nothing of the global keys the proxy supplies, nor of service keys', async () => {
    const keys = [...SUPPLIED_GLOBAL_KEYS, 'aws:RequestTag/team', 'AWS:REQUESTEDREGION', 's3:prefix', 'ec2:ResourceTag/team'];
    expect(await conditionKeyWarnings(withConditions({ StringLike: Object.fromEntries(keys.map((key) => [key, 'x'])) }), 'p.json')).toStrictEqual([]);
  });

  it.each(['aws:ResourceTag/team', 'aws:PrincipalTag/team', 'aws:SourceVpc', 'aws:MultiFactorAuthPresent', 'aws:SourceVpce'])('warns that %s cannot be supplied', async (key) => {
    expect(await conditionKeyWarnings(withConditions({ StringEquals: { [key]: 'x' } }), '/etc/iap/policies.json#agents.claude')).toStrictEqual([
      `/etc/iap/policies.json#agents.claude: condition key ${key} ${CANNOT}`,
    ]);
  });

  it('warns about a key AWS does not define, of any service', async () => {
    expect(await conditionKeyWarnings(withConditions({ StringEquals: { 's3:prefixx': 'a', 'aws:RequestedRegionn': 'us-east-1' } }), 'p.json')).toStrictEqual([
      'p.json: condition key s3:prefixx is not one AWS defines (check its spelling): evaluated only when the request carries it',
      'p.json: condition key aws:RequestedRegionn is not one AWS defines (check its spelling): evaluated only when the request carries it',
    ]);
  });

  it('warns about a variable the proxy cannot supply, one line per key', async () => {
    const policy: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::${aws:PrincipalTag/home}/*', 'arn:aws:s3:::x/${aws:PrincipalTag/home}'] }] };
    expect(await conditionKeyWarnings(policy, 'p.json')).toStrictEqual([`p.json: condition key aws:PrincipalTag/home ${CANNOT}`]);
  });
});
