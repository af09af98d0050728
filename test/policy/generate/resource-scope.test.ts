import { describe, expect, it } from 'vitest';
import { loadArnTemplates, parseArn } from '../../../src/policy/generate/arn-templates.js';
import { COLLAPSE_THRESHOLD, resourceOf, scopeResources, type ResourceMode } from '../../../src/policy/generate/resource-scope.js';
import { generated, index, object, on, queue, record, role, summary, table } from './fixtures.js';

const ARNS = {
  object: 'arn:${Partition}:s3:::${BucketName}/${ObjectName}',
  logStream: 'arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}',
};

async function scoped(action: string, type: string, arns: string[], mode: ResourceMode): Promise<string[]> {
  const templates = await loadArnTemplates([{ action, type }]);
  return scopeResources(arns.map((arn) => resourceOf(action, arn, type)), mode, templates).map((r) => r.arn);
}

describe('parseArn', () => {
  it('reads each variable; earlier ones end at the first fitting literal, the last takes the rest', () => {
    expect(parseArn('arn:aws:s3:::my-bucket/a/b/c.txt', ARNS.object)).toEqual({
      names: ['Partition', 'BucketName', 'ObjectName'],
      values: ['aws', 'my-bucket', 'a/b/c.txt'],
      head: 'arn:aws:s3:::my-bucket/',
      tail: '',
    });
    expect(parseArn('arn:aws:logs:us-east-1:1:log-group:/a/b:log-stream:2024/06/01', ARNS.logStream)?.values).toEqual(['aws', 'us-east-1', '1', '/a/b', '2024/06/01']);
    expect(parseArn('arn:aws:s3:::bucket-only', ARNS.object)).toBeUndefined();
  });
});

describe('--resources collapse', () => {
  it(`collapses ${COLLAPSE_THRESHOLD} or more objects under one prefix to prefix/*, and no fewer`, async () => {
    expect(COLLAPSE_THRESHOLD).toBe(3);
    const two = ['b/reports/a.csv', 'b/reports/b.csv'].map((p) => `arn:aws:s3:::${p}`);
    expect(await scoped('s3:GetObject', 'object', two, 'collapse')).toEqual(two);
    expect(await scoped('s3:GetObject', 'object', [...two, 'arn:aws:s3:::b/reports/2024/c.csv'], 'collapse')).toEqual(['arn:aws:s3:::b/reports/*']);
  });

  it('collapses the deepest prefix that qualifies, counts a collapsed prefix as one, and never the whole bucket', async () => {
    const keys = ['logs/2024/01/a', 'logs/2024/01/b', 'logs/2024/01/c', 'logs/2024/02/a', 'top-1', 'top-2', 'top-3', 'other/x'];
    expect(await scoped('s3:GetObject', 'object', keys.map((k) => `arn:aws:s3:::b/${k}`), 'collapse')).toEqual([
      'arn:aws:s3:::b/logs/2024/01/*',
      'arn:aws:s3:::b/logs/2024/02/a',
      'arn:aws:s3:::b/other/x',
      'arn:aws:s3:::b/top-1', // S3 keys collapse at "/" only
      'arn:aws:s3:::b/top-2',
      'arn:aws:s3:::b/top-3',
    ]);
  });

  it('collapses names of one type in one account and Region at -, _, . and :, keeping apart what differs', async () => {
    const tables = ['app-dev-orders', 'app-dev-users', 'app-dev-audit', 'Billing', 'Invoices', 'Payments'];
    expect(await scoped('dynamodb:GetItem', 'table', tables.map((t) => table(t).arn), 'collapse')).toEqual([
      'arn:aws:dynamodb:us-east-1:123456789012:table/Billing',
      'arn:aws:dynamodb:us-east-1:123456789012:table/Invoices',
      'arn:aws:dynamodb:us-east-1:123456789012:table/Payments',
      'arn:aws:dynamodb:us-east-1:123456789012:table/app-dev-*',
    ]);
    const elsewhere = tables.slice(0, 2).map((t) => table(t).arn.replace('us-east-1', 'eu-west-1'));
    expect(await scoped('dynamodb:GetItem', 'table', [table('app-dev-audit').arn, ...elsewhere], 'collapse')).toHaveLength(3);
  });

  it('collapses per action: an action seen on one object keeps it alone', async () => {
    const three = ['r/a', 'r/b', 'r/c'].map((k) => object(`b/${k}`));
    const policy = await generated([record([on('s3:GetObject', ...three), on('s3:DeleteObject', three[0]!)])], { resources: 'collapse' });
    expect(summary(policy)).toStrictEqual({
      S3ObjectInB: [['s3:DeleteObject'], ['arn:aws:s3:::b/r/a']],
      S3ObjectsInB: [['s3:GetObject'], ['arn:aws:s3:::b/r/*']],
    });
  });
});

describe('--resources wildcard', () => {
  it('gives one pattern per type, place and parent', async () => {
    const policy = await generated(
      [
        record([on('s3:GetObject', object('one/a'), object('two/b/c'))]),
        record([on('dynamodb:GetItem', table('Orders'), table('Users')), on('dynamodb:Query', index('Orders', 'byCustomer'))]),
        record([on('sqs:SendMessage', queue('jobs'))]),
        record([on('iam:GetRole', role('agents/runner'))]),
      ],
      { resources: 'wildcard' },
    );
    expect(summary(policy)).toStrictEqual({
      DynamodbTables: [['dynamodb:GetItem'], ['arn:aws:dynamodb:us-east-1:123456789012:table/*']],
      DynamodbIndexesInOrders: [['dynamodb:Query'], ['arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/*']],
      IamRoles: [['iam:GetRole'], ['arn:aws:iam::123456789012:role/*']],
      S3Objects: [['s3:GetObject'], ['arn:aws:s3:::one/*', 'arn:aws:s3:::two/*']],
      SqsQueues: [['sqs:SendMessage'], ['arn:aws:sqs:us-east-1:123456789012:*']],
    });
  });

  it('keeps a resource whose type has no known ARN format as logged', async () => {
    const odd = { arn: 'arn:aws:s3:::b/k', type: 'no-such-type', resolved: true };
    expect(summary(await generated([record([on('s3:GetObject', odd)])], { resources: 'wildcard' }))).toStrictEqual({ S3NoSuchType: [['s3:GetObject'], ['arn:aws:s3:::b/k']] });
  });
});
