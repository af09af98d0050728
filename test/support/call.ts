import type { CallDescription } from '../../src/pipeline/resolve/types.js';

/** A CallDescription with the defaults of a us-east-1 call in the aws partition. */
export function call(fields: Partial<CallDescription> & Pick<CallDescription, 'service' | 'method' | 'rawPath'>): CallDescription {
  return {
    rawQuery: '',
    headers: {},
    body: undefined,
    region: 'us-east-1',
    hostBucket: undefined,
    partition: 'aws',
    accountId: '123456789012',
    ...fields,
  };
}
