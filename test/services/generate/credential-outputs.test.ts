import { describe, expect, it } from 'vitest';
import { outputCredentials } from '../../../src/services/generate/credential-outputs.js';
import type { SmithyAst } from '../../../src/services/generate/smithy-model.js';

const str = { target: 'smithy.api#String' };
const creds = (names: string[]) => ({ type: 'structure', members: Object.fromEntries(names.map((n) => [n, str])) });

describe('outputCredentials', () => {
  it('finds a credentials structure nested in the output, with its expiry and token', () => {
    const ast: SmithyAst = {
      shapes: {
        'x#Out': { type: 'structure', members: { Result: { target: 'x#Result' } } },
        'x#Result': { type: 'structure', members: { Creds: { target: 'x#Creds', traits: { 'smithy.api#jsonName': 'creds' } } } },
        'x#Creds': creds(['AccessKeyId', 'SecretKey', 'SessionToken', 'Expiration']),
      },
    };
    expect(outputCredentials(ast, 'x#Out')).toEqual({
      locations: [
        {
          path: [{ member: 'Result' }, { member: 'Creds', jsonName: 'creds' }],
          accessKeyId: { member: 'AccessKeyId' },
          secretAccessKey: { member: 'SecretKey' },
          sessionToken: { member: 'SessionToken' },
          expiration: { member: 'Expiration' },
        },
      ],
      unrecognised: [],
    });
  });

  it('steps into lists (flattened or not) and marks the payload member', () => {
    const ast: SmithyAst = {
      shapes: {
        'x#Out': { type: 'structure', members: { Body: { target: 'x#Body', traits: { 'smithy.api#httpPayload': {} } } } },
        'x#Body': { type: 'structure', members: { Keys: { target: 'x#KeyList' }, Flat: { target: 'x#KeyList', traits: { 'smithy.api#xmlFlattened': {} } } } },
        'x#KeyList': { type: 'list', member: { target: 'x#Key' } },
        'x#Key': creds(['accessKeyId', 'secretAccessKey']),
      },
    };
    const { locations } = outputCredentials(ast, 'x#Out');
    expect(locations.map((l) => l.path)).toEqual([
      [{ member: 'Body', payload: true }, { member: 'Keys', list: 'wrapped' }],
      [{ member: 'Body', payload: true }, { member: 'Flat', list: 'flattened' }],
    ]);
  });

  it('reports secret-like members outside a credentials structure, and survives recursive shapes', () => {
    const ast: SmithyAst = {
      shapes: {
        'x#Out': { type: 'structure', members: { Session: { target: 'x#Session' } } },
        'x#Session': { type: 'structure', members: { SessionToken: str, Parent: { target: 'x#Session' } } },
      },
    };
    expect(outputCredentials(ast, 'x#Out')).toEqual({ locations: [], unrecognised: ['Session.SessionToken'] });
  });

  it('finds nothing in an output without credentials, or no output', () => {
    const ast: SmithyAst = { shapes: { 'x#Out': creds(['AccessKeyId', 'Status']) } };
    expect(outputCredentials(ast, 'x#Out')).toEqual({ locations: [], unrecognised: [] });
    expect(outputCredentials(ast, 'smithy.api#Unit')).toEqual({ locations: [], unrecognised: [] });
    expect(outputCredentials(ast, undefined)).toEqual({ locations: [], unrecognised: [] });
  });
});
