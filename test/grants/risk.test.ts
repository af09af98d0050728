import { describe, expect, it } from 'vitest';
import { riskScore, type RiskInput } from '../../src/grants/risk.js';
import type { AccessLevel } from '../../src/grants/types.js';

const HOUR = 3600;

/** A request for s3:GetObject on one object for 5 minutes of a 12 h ceiling, with the changes given. */
function input(changes: Partial<RiskInput> = {}): RiskInput {
  return {
    actions: ['s3:GetObject'],
    expanded: [{ action: 's3:GetObject', accessLevel: 'Read' }],
    resources: ['arn:aws:s3:::reports/2024.csv'],
    durationSeconds: 300,
    maxDurationSeconds: 12 * HOUR,
    ...changes,
  };
}

function only(action: string, accessLevel: AccessLevel | undefined): Partial<RiskInput> {
  return { actions: [action], expanded: [{ action, accessLevel }] };
}

function factor(changes: Partial<RiskInput>, name: string) {
  return riskScore(input(changes)).factors.find((f) => f.factor === name);
}

describe('riskScore', () => {
  it('scores a short read of one object 2, naming the one factor', () => {
    expect(riskScore(input())).toEqual({ score: 2, factors: [{ factor: 'access-level', points: 1, detail: 'Read access: s3:GetObject' }] });
  });

  it('scores a short listing 1, with no factors', () => {
    expect(riskScore(input(only('s3:ListBucket', 'List')))).toEqual({ score: 1, factors: [] });
  });

  it('ranks Permissions management > Write > Tagging > Read > List', () => {
    const scores = [
      only('s3:PutBucketPolicy', 'Permissions management'),
      only('s3:PutObject', 'Write'),
      only('s3:PutObjectTagging', 'Tagging'),
      only('s3:GetObject', 'Read'),
      only('s3:ListBucket', 'List'),
    ].map((changes) => riskScore(input(changes)).score);
    expect(scores).toEqual([5, 4, 3, 2, 1]);
  });

  it('counts the most powerful level and names its actions', () => {
    const expanded = [
      { action: 's3:GetObject', accessLevel: 'Read' as const },
      { action: 's3:DeleteObject', accessLevel: 'Write' as const },
      { action: 's3:PutObject', accessLevel: 'Write' as const },
    ];
    expect(factor({ actions: ['s3:GetObject', 's3:DeleteObject', 's3:PutObject'], expanded }, 'access-level')).toEqual({ factor: 'access-level', points: 3, detail: 'Write access: s3:DeleteObject, s3:PutObject' });
  });

  it('names three actions and counts the rest', () => {
    const expanded = ['a', 'b', 'c', 'd', 'e'].map((x) => ({ action: `s3:Put${x}`, accessLevel: 'Write' as const }));
    expect(factor({ expanded }, 'access-level')?.detail).toBe('Write access: s3:Puta, s3:Putb, s3:Putc and 2 more');
  });

  it('counts an action of unknown level as a write, and says it is unknown', () => {
    expect(factor(only('s3:Brandnew', undefined), 'access-level')).toEqual({ factor: 'access-level', points: 3, detail: 'Unknown access level: s3:Brandnew' });
  });

  it.each([
    [['*'], 3, 'Wildcard action: *'],
    [['s3:*', 's3:Get*'], 2, 'Wildcard action: s3:*'],
    [['s3:Get*', 'sqs:SendMessage'], 1, 'Wildcard action: s3:Get*'],
    [['s3:GetObjec?'], 1, 'Wildcard action: s3:GetObjec?'],
  ])('scores the widest action pattern of %j', (actions, points, detail) => {
    expect(factor({ actions }, 'wildcard-action')).toEqual({ factor: 'wildcard-action', points, detail });
  });

  it.each([
    [['arn:aws:s3:::b/k', '*'], 3, 'Wildcard resource: *'],
    [['arn:aws:s3:::*'], 2, 'Wildcard resource: arn:aws:s3:::*'],
    [['arn:aws:iam::*:role/deployer'], 2, 'Wildcard resource: arn:aws:iam::*:role/deployer'],
    [['arn:aws:s3:::reports/*', 'arn:aws:s3:::logs/2024-0?'], 1, 'Wildcard resource: arn:aws:s3:::reports/*, arn:aws:s3:::logs/2024-0?'],
  ])('scores the widest resource of %j', (resources, points, detail) => {
    expect(factor({ resources }, 'wildcard-resource')).toEqual({ factor: 'wildcard-resource', points, detail });
  });

  it('adds nothing for exact actions and resources', () => {
    const { factors } = riskScore(input({ actions: ['s3:GetObject', 's3:GetObjectAcl'], resources: ['arn:aws:s3:::a/b', 'arn:aws:s3:::a/c'] }));
    expect(factors.map((f) => f.factor)).toEqual(['access-level']);
  });

  it.each(['iam', 'kms', 'organizations', 'sts', 'secretsmanager'])('counts %s as sensitive', (service) => {
    expect(factor(only(`${service}:Whatever`, 'Read'), 'sensitive-service')).toEqual({ factor: 'sensitive-service', points: 2, detail: `Sensitive services: ${service}` });
  });

  it('names every sensitive service reached, once, and no other', () => {
    const expanded = ['sts:GetSessionToken', 's3:GetObject', 'iam:GetUser', 'iam:ListUsers'].map((action) => ({ action, accessLevel: 'Read' as const }));
    expect(factor({ expanded }, 'sensitive-service')?.detail).toBe('Sensitive services: iam, sts');
    expect(factor({}, 'sensitive-service')).toBeUndefined();
  });

  it('counts iam:PassRole on top of iam being sensitive', () => {
    const risk = riskScore(input(only('iam:PassRole', 'Write')));
    expect(risk.factors.map((f) => [f.factor, f.points])).toEqual([
      ['access-level', 3],
      ['sensitive-service', 2],
      ['pass-role', 2],
    ]);
    expect(risk.score).toBe(8);
  });

  it.each([
    [300, undefined],
    [3 * HOUR - 1, undefined],
    [3 * HOUR, 1],
    [9 * HOUR, 2],
    [12 * HOUR, 2],
  ])('scores %i s of a 12 h ceiling %s', (durationSeconds, points) => {
    expect(factor({ durationSeconds }, 'duration')?.points).toBe(points);
  });

  it('shows the duration and the ceiling', () => {
    expect(factor({ durationSeconds: 9 * HOUR + 1800 }, 'duration')?.detail).toBe('Duration 9h30m of the 12h ceiling');
  });

  it('counts any duration as long against a ceiling of zero', () => {
    expect(factor({ durationSeconds: 60, maxDurationSeconds: 0 }, 'duration')?.points).toBe(2);
  });

  it('stops at 10 however many factors there are, and lists them all', () => {
    const risk = riskScore({
      actions: ['*'],
      expanded: [
        { action: 'iam:AttachRolePolicy', accessLevel: 'Permissions management' },
        { action: 'iam:PassRole', accessLevel: 'Write' },
      ],
      resources: ['*'],
      durationSeconds: 12 * HOUR,
      maxDurationSeconds: 12 * HOUR,
    });
    expect(risk.score).toBe(10);
    expect(risk.factors.map((f) => f.factor)).toEqual(['access-level', 'wildcard-action', 'wildcard-resource', 'sensitive-service', 'pass-role', 'duration']);
  });

  it('scores nothing asked as 1', () => {
    expect(riskScore(input({ actions: [], expanded: [], resources: [] }))).toEqual({ score: 1, factors: [] });
  });

  it('copes with tens of thousands of actions and resources', () => {
    const expanded = Array.from({ length: 200_000 }, (_, i) => ({ action: `s3:Action${i}`, accessLevel: 'Read' as const }));
    const resources = Array.from({ length: 200_000 }, (_, i) => `arn:aws:s3:::b/${i}*`);
    const risk = riskScore(input({ actions: ['s3:*'], expanded, resources }));
    expect(risk.factors.find((f) => f.factor === 'access-level')?.detail).toBe('Read access: s3:Action0, s3:Action1, s3:Action2 and 199997 more');
    expect(risk.score).toBe(1 + 1 + 2 + 1);
  });
});
