import { describe, expect, it } from 'vitest';
import { autoApproval, type ApprovalCandidate } from '../../src/grants/auto-approve.js';
import type { AccessRequest, AutoApproveRule } from '../../src/grants/types.js';

function candidate(request: Partial<AccessRequest> = {}, changes: Partial<ApprovalCandidate> = {}): ApprovalCandidate {
  return {
    agent: 'claude',
    request: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::reports/2024.csv'], durationSeconds: 900, reason: 'read the report', ...request },
    accessLevels: ['Read'],
    risk: { score: 2, factors: [] },
    ...changes,
  };
}

const READ_ONLY: AutoApproveRule = { name: 'read-only', accessLevels: ['Read', 'List'], services: ['s3', 'sqs'], agents: ['claude'], maxDurationSeconds: 3600, maxRisk: 4 };

describe('autoApproval', () => {
  it('approves by the first rule whose every field holds', () => {
    const second: AutoApproveRule = { name: 'anything-short', maxDurationSeconds: 3600 };
    expect(autoApproval([READ_ONLY, second], candidate())).toEqual({ rule: READ_ONLY });
    expect(autoApproval([second, READ_ONLY], candidate())).toEqual({ rule: second });
  });

  it('explains, one line per rule, every condition a rule does not meet', () => {
    const request = { actions: ['s3:PutObject', 'iam:PassRole', 'S3:getobject'], resources: ['arn:aws:s3:::reports/*', 'arn:aws:s3:::logs/*'], durationSeconds: 7200 };
    const answer = autoApproval([READ_ONLY, { name: 'codex-only', agents: ['codex'] }], candidate(request, { agent: 'claude', accessLevels: ['Write', 'Write', 'Read'], risk: { score: 8, factors: [] } }));
    expect(answer).toEqual({
      rule: undefined,
      reasons: [
        'read-only: Write access (only Read, List); service iam (only s3, sqs); 2h is longer than 1h; wildcard resource arn:aws:s3:::reports/*; risk 8 is above 4',
        'codex-only: not for agent claude; wildcard resource arn:aws:s3:::reports/*',
      ],
    });
  });

  it('approves nothing, with no reasons, without rules', () => {
    expect(autoApproval([], candidate())).toEqual({ rule: undefined, reasons: [] });
  });

  it('never counts an unknown access level as one of a rule', () => {
    const everyLevel: AutoApproveRule = { name: 'levels', accessLevels: ['Permissions management', 'Write', 'Tagging', 'Read', 'List'] };
    expect(autoApproval([everyLevel], candidate({}, { accessLevels: ['Read', undefined] }))).toEqual({ rule: undefined, reasons: ['levels: unknown access (only Permissions management, Write, Tagging, Read, List)'] });
  });

  it('refuses a wildcard resource, * or ?, unless the rule allows them', () => {
    const plain: AutoApproveRule = { name: 'plain' };
    const wild: AutoApproveRule = { name: 'wild', allowWildcardResources: true };
    for (const resource of ['*', 'arn:aws:s3:::reports/202?.csv']) {
      expect(autoApproval([plain], candidate({ resources: [resource] }))).toEqual({ rule: undefined, reasons: [`plain: wildcard resource ${resource}`] });
      expect(autoApproval([plain, wild], candidate({ resources: [resource] })).rule).toBe(wild);
    }
  });

  it('puts * alone, which names no service, outside every service list', () => {
    expect(autoApproval([{ name: 's3', services: ['s3'] }], candidate({ actions: ['*'] }))).toEqual({ rule: undefined, reasons: ['s3: service * (only s3)'] });
  });

  it('reads service prefixes in any case', () => {
    expect(autoApproval([{ name: 's3', services: ['s3'] }], candidate({ actions: ['S3:GetObject', 's3:List*'] })).rule?.name).toBe('s3');
  });

  it('takes a duration or risk exactly at the bound', () => {
    const rule: AutoApproveRule = { name: 'bounded', maxDurationSeconds: 3600, maxRisk: 4 };
    expect(autoApproval([rule], candidate({ durationSeconds: 3600 }, { risk: { score: 4, factors: [] } })).rule).toBe(rule);
    expect(autoApproval([rule], candidate({ durationSeconds: 3601 })).rule).toBeUndefined();
    expect(autoApproval([rule], candidate({}, { risk: { score: 5, factors: [] } })).rule).toBeUndefined();
  });

  it('matches an agent exactly', () => {
    expect(autoApproval([{ name: 'x', agents: ['claude'] }], candidate({}, { agent: 'Claude' })).rule).toBeUndefined();
  });
});
