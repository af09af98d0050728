import { describe, expect, it } from 'vitest';
import { actionForOperation, iamPrefixFor } from '../../../src/pipeline/resolve/iam-actions.js';

describe('actionForOperation', () => {
  it.each([
    ['sqs', 'SendMessage', 'sqs:SendMessage'],
    ['lambda', 'Invoke', 'lambda:InvokeFunction'],
    ['monitoring', 'PutMetricData', 'cloudwatch:PutMetricData'],
    ['email', 'SendEmail', 'ses:SendEmail'],
    // Regression: TransactWriteItems was renamed to dynamodb:PutItem, so an allowlist allowing PutItem allowed transactional deletes and updates.
    ['dynamodb', 'TransactWriteItems', 'dynamodb:TransactWriteItems'],
    ['dynamodb', 'PutItem', 'dynamodb:PutItem'],
  ])('%s %s → %s', (signingName, operation, expected) => {
    expect(actionForOperation(signingName, operation)).toBe(expected);
  });
});

describe('iamPrefixFor', () => {
  it.each([
    ['monitoring', 'cloudwatch'],
    ['iot-data', 'iot'],
    ['dynamodb', 'dynamodb'],
  ])('%s → %s', (signingName, expected) => {
    expect(iamPrefixFor(signingName)).toBe(expected);
  });
});
