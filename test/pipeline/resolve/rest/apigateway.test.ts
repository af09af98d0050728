import { describe, expect, it } from 'vitest';
import { resolveApiGateway } from '../../../../src/pipeline/resolve/rest/apigateway.js';
import { call } from '../../../support/call.js';

describe('resolveApiGateway', () => {
  it('GET /restapis → apigateway:GET on arn:aws:apigateway:us-east-1::/restapis', () => {
    expect(resolveApiGateway(call({ service: 'apigateway', method: 'GET', rawPath: '/restapis' }))).toStrictEqual({
      operation: 'GET /restapis',
      actions: [{ action: 'apigateway:GET', resources: ['arn:aws:apigateway:us-east-1::/restapis'], known: true }],
    });
  });

  it('uses the HTTP verb as the action and drops trailing slashes from the resource path', () => {
    const resolved = resolveApiGateway(call({ service: 'apigateway', method: 'DELETE', rawPath: '/restapis/abc123/stages/prod/', region: 'eu-west-1' }));
    expect(resolved).toStrictEqual({
      operation: 'DELETE /restapis/abc123/stages/prod',
      actions: [{ action: 'apigateway:DELETE', resources: ['arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/prod'], known: true }],
    });
  });

  it('the root path stays /', () => {
    expect(resolveApiGateway(call({ service: 'apigateway', method: 'GET', rawPath: '/' })).actions[0]!.resources).toStrictEqual(['arn:aws:apigateway:us-east-1::/']);
  });
});
