import { describe, expect, it } from 'vitest';
import { resolveLambda } from '../../../../src/pipeline/resolve/rest/lambda.js';
import type { CallDescription } from '../../../../src/pipeline/resolve/types.js';
import { call } from '../../../support/call.js';

const lambda = (method: string, rawPath: string, extra: Partial<CallDescription> = {}) =>
  resolveLambda(call({ service: 'lambda', method, rawPath, ...extra }));

describe('resolveLambda', () => {
  it('Invoke → lambda:InvokeFunction on the function ARN built from region and account', () => {
    expect(lambda('POST', '/2015-03-31/functions/my-fn/invocations')).toStrictEqual({
      operation: 'Invoke',
      actions: [{ action: 'lambda:InvokeFunction', resources: ['arn:aws:lambda:us-east-1:123456789012:function:my-fn'], known: true }],
    });
  });

  it('Invoke of a qualified name drops the qualifier', () => {
    expect(lambda('POST', '/2015-03-31/functions/my-fn%3Aprod/invocations').actions[0]!.resources).toStrictEqual([
      'arn:aws:lambda:us-east-1:123456789012:function:my-fn',
    ]);
  });

  it('Invoke by full ARN uses that ARN (its account), without the qualifier', () => {
    const path = '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Afn%3A7/invocations';
    expect(lambda('POST', path).actions[0]!.resources).toStrictEqual(['arn:aws:lambda:eu-west-1:111122223333:function:fn']);
  });

  it('Invoke without a known account id names no resource', () => {
    expect(lambda('POST', '/2015-03-31/functions/my-fn/invocations', { accountId: undefined }).actions).toStrictEqual([
      { action: 'lambda:InvokeFunction', resources: [], known: true },
    ]);
  });

  it('InvokeWithResponseStream and InvokeAsync also need lambda:InvokeFunction', () => {
    expect(lambda('POST', '/2021-11-15/functions/f/response-streaming-invocations')).toMatchObject({ operation: 'InvokeWithResponseStream', actions: [{ action: 'lambda:InvokeFunction' }] });
    expect(lambda('POST', '/2014-11-13/functions/f/invoke-async/')).toMatchObject({ operation: 'InvokeAsync', actions: [{ action: 'lambda:InvokeFunction' }] });
  });

  it('ListFunctions, with or without a trailing slash', () => {
    const expected = { operation: 'ListFunctions', actions: [{ action: 'lambda:ListFunctions', resources: [], known: true }] };
    expect(lambda('GET', '/2015-03-31/functions')).toStrictEqual(expected);
    expect(lambda('GET', '/2015-03-31/functions/')).toStrictEqual(expected);
  });

  it('GetFunction vs DeleteFunction by method; GetFunctionConfiguration by path', () => {
    expect(lambda('GET', '/2015-03-31/functions/f').operation).toBe('GetFunction');
    expect(lambda('DELETE', '/2015-03-31/functions/f').operation).toBe('DeleteFunction');
    expect(lambda('GET', '/2015-03-31/functions/f/configuration').actions[0]!.action).toBe('lambda:GetFunctionConfiguration');
  });

  it('uses the partition and region of the call', () => {
    expect(lambda('GET', '/2015-03-31/functions/f', { partition: 'aws-cn', region: 'cn-north-1' }).actions[0]!.resources).toStrictEqual([
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:f',
    ]);
  });

  it.each([
    ['GET', '/functions'],
    ['PATCH', '/2015-03-31/functions/f'],
    ['GET', '/2015-03-31/functions/f/unknown-thing'],
    ['GET', '/2015-03-31/functions/f/invocations/extra'],
  ])('%s %s is not a known route', (method, path) => {
    expect(lambda(method, path)).toStrictEqual({ operation: undefined, actions: [] });
  });
});
