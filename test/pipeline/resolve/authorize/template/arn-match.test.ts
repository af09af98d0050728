import { describe, expect, it } from 'vitest';
import { arnMatchesTemplate } from '../../../../../src/pipeline/resolve/authorize/template/arn-match.js';

describe('arnMatchesTemplate', () => {
  it.each([
    ['arn:aws:s3:::bucket/key/with/slashes', 'arn:${Partition}:s3:::${BucketName}/${ObjectName}', true],
    ['arn:aws:s3:::bucket', 'arn:${Partition}:s3:::${BucketName}/${ObjectName}', false],
    ['arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', true],
    ['arn:aws:sqs:us-east-1:123456789012:q', 'arn:${Partition}:sns:${Region}:${Account}:${TopicName}', false],
    ['*', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', false],
    ['xarn:aws:sqs:us-east-1:1:q', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', false],
    ['arn:aws:sqs:us-east-1:1:q\nmore', 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}', true],
  ])('%s fits %s: %s', (arn, template, fits) => {
    expect(arnMatchesTemplate(arn, template)).toBe(fits);
  });
});
