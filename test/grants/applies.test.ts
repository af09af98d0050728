import { describe, expect, it } from 'vitest';
import { grantApplies } from '../../src/grants/applies.js';

describe('grantApplies', () => {
  it.each([
    ['s3:GetObject', 'arn:aws:s3:::reports/2024.csv'],
    ['s3:GetObject', 'arn:aws:s3:::reports/*'],
    ['s3:GetObject', 'arn:aws:s3:::*'],
    ['s3:GetObject', 'arn:aws:s3:::rep*'],
    ['s3:GetObject', '*'],
    ['s3:GetObject', 'arn:*'],
    ['s3:GetObject', 'arn:aws:s3:*'],
    ['s3:ListBucket', 'arn:aws:s3:::reports'],
    ['s3:ListBucket', 'arn:aws:s3:::*'],
    ['s3:ListAllMyBuckets', '*'],
    ['iam:PassRole', 'arn:aws:iam::*:role/deployer'],
    ['S3:getobject', 'arn:aws:s3:::reports/2024.csv'],
    ['s3:Brandnew', 'arn:aws:s3:::reports'],
    ['vpc-lattice:AssociateViaAWSService-EventsAndStates', 'arn:aws:s3:::reports'],
  ])('%s applies to %s', async (action, resource) => expect(await grantApplies(action, resource)).toBe(true));

  it.each([
    ['s3:ListBucket', 'arn:aws:s3:::reports/*'],
    ['s3:GetObject', 'arn:aws:s3:::reports'],
    ['s3:GetObject', 'arn:aws:s3:::rep?'],
    ['s3:ListAllMyBuckets', 'arn:aws:s3:::*'],
    ['ec2:RunInstances', 'arn:aws:s3:::reports/2024.csv'],
    ['iam:PassRole', 'arn:aws:iam::123456789012:user/someone'],
    ['s3:GetObject', 'reports/2024.csv'],
    ['s3:GetObject', ''],
  ])('%s does not apply to %s', async (action, resource) => expect(await grantApplies(action, resource)).toBe(false));
});
