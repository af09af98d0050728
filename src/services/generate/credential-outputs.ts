import type { CredentialLocation, OutputStep } from '../model.js';
import type { SmithyAst, SmithyShape } from './smithy-model.js';

/** Member names of the parts of an AWS credential, as the models spell them (AccessKeyId, secretAccessKey, SecretKey…). */
const ACCESS_KEY_ID = /^accesskeyid$/i;
const SECRET = /^secret(access)?key$/i;
const SESSION_TOKEN = /^sessiontoken$/i;
const EXPIRATION = /^expiration$/i;
/** Output nesting deeper than this is not searched (the deepest credentials in the models sit three levels down). */
const MAX_DEPTH = 8;

export interface OutputCredentials {
  locations: CredentialLocation[];
  /**
   * Secret-like members (a secret key or session token) in no structure that also has an access
   * key id: not AWS credentials the proxy can stand in for. Reported, and reviewed by a test.
   */
  unrecognised: string[];
}

/** Where an operation's output holds AWS credentials: found from the model, so a new operation is covered when the data is regenerated. */
export function outputCredentials(ast: SmithyAst, outputId: string | undefined): OutputCredentials {
  const found: OutputCredentials = { locations: [], unrecognised: [] };
  if (outputId && outputId !== 'smithy.api#Unit') visit(ast, outputId, [], new Set(), found, true);
  return found;
}

function visit(ast: SmithyAst, shapeId: string, path: OutputStep[], onPath: Set<string>, found: OutputCredentials, top: boolean): void {
  const shape = ast.shapes[shapeId];
  if (!shape?.members || onPath.has(shapeId) || path.length > MAX_DEPTH) return;
  const names = Object.keys(shape.members);
  const named = (pattern: RegExp) => names.find((name) => pattern.test(name));
  const [keyId, secret, token, expiration] = [named(ACCESS_KEY_ID), named(SECRET), named(SESSION_TOKEN), named(EXPIRATION)];
  if (keyId && secret) {
    const location: CredentialLocation = { path, accessKeyId: step(shape, keyId, false), secretAccessKey: step(shape, secret, false) };
    if (token) location.sessionToken = step(shape, token, false);
    if (expiration) location.expiration = step(shape, expiration, false);
    found.locations.push(location);
    return;
  }
  for (const name of [secret, token]) if (name) found.unrecognised.push([...path.map((s) => s.member), name].join('.'));
  onPath.add(shapeId);
  for (const name of names) {
    const target = shape.members[name]!.target;
    const targetShape = ast.shapes[target];
    if (targetShape?.type === 'list' || targetShape?.type === 'set') {
      const flattened = shape.members[name]!.traits?.['smithy.api#xmlFlattened'] !== undefined || targetShape.traits?.['smithy.api#xmlFlattened'] !== undefined;
      visit(ast, targetShape.member!.target, [...path, { ...step(shape, name, top), list: flattened ? 'flattened' : 'wrapped' }], onPath, found, false);
    } else {
      visit(ast, target, [...path, step(shape, name, top)], onPath, found, false);
    }
  }
  onPath.delete(shapeId);
}

function step(shape: SmithyShape, member: string, top: boolean): OutputStep {
  const traits = shape.members![member]!.traits ?? {};
  const result: OutputStep = { member };
  const jsonName = traits['smithy.api#jsonName'];
  if (typeof jsonName === 'string' && jsonName !== member) result.jsonName = jsonName;
  const xmlName = traits['smithy.api#xmlName'];
  if (typeof xmlName === 'string' && xmlName !== member) result.xmlName = xmlName;
  if (top && traits['smithy.api#httpPayload'] !== undefined) result.payload = true;
  return result;
}
