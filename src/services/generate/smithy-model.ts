import type { Member, OperationModel, Protocol, Shape } from '../model.js';
import { outputCredentials } from './credential-outputs.js';

/** The parts of a Smithy JSON AST (https://smithy.io/2.0/spec/json-ast.html) the generator reads. */
export interface SmithyAst {
  shapes: Record<string, SmithyShape>;
}

export interface SmithyShape {
  type: string;
  traits?: Record<string, unknown>;
  members?: Record<string, SmithyMember>;
  member?: SmithyMember;
  key?: SmithyMember;
  value?: SmithyMember;
  input?: { target: string };
  output?: { target: string };
  operations?: Array<{ target: string }>;
  resources?: Array<{ target: string }>;
  collectionOperations?: Array<{ target: string }>;
  create?: { target: string };
  put?: { target: string };
  read?: { target: string };
  update?: { target: string };
  delete?: { target: string };
  list?: { target: string };
  version?: string;
}

interface SmithyMember {
  target: string;
  traits?: Record<string, unknown>;
}

/** What one Smithy service model says, before the IAM map and endpoints are attached. */
export interface ParsedService {
  shapeId: string;
  traits: Record<string, unknown>;
  sdkId: string;
  signingName: string;
  protocols: Protocol[];
  shapeName: string;
  version: string;
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

const PROTOCOL_TRAITS: Record<string, Protocol> = {
  'aws.protocols#awsJson1_0': 'awsJson1_0',
  'aws.protocols#awsJson1_1': 'awsJson1_1',
  'aws.protocols#awsQuery': 'awsQuery',
  'aws.protocols#ec2Query': 'ec2Query',
  'aws.protocols#restJson1': 'restJson1',
  'aws.protocols#restXml': 'restXml',
  'smithy.protocols#rpcv2Cbor': 'rpcv2Cbor',
};

const SCALAR_BY_TYPE: Record<string, string> = {
  string: 'string', enum: 'string', boolean: 'boolean', blob: 'blob', timestamp: 'timestamp', document: 'document',
  byte: 'number', short: 'number', integer: 'number', intEnum: 'number', long: 'number', float: 'number',
  double: 'number', bigInteger: 'number', bigDecimal: 'number',
};

/** Prelude shapes (`smithy.api#String`, `smithy.api#PrimitiveLong`, …) are scalars by name. */
function preludeScalar(target: string): string | undefined {
  if (!target.startsWith('smithy.api#')) return undefined;
  const name = target.slice('smithy.api#'.length).replace(/^Primitive/, '');
  return SCALAR_BY_TYPE[name.charAt(0).toLowerCase() + name.slice(1)];
}

export function parseSmithyService(ast: SmithyAst): ParsedService {
  const [shapeId, service] = Object.entries(ast.shapes).find(([, shape]) => shape.type === 'service') ?? [];
  if (!shapeId || !service) throw new Error('no service shape');
  const traits = service.traits ?? {};
  const api = (traits['aws.api#service'] ?? {}) as { sdkId?: string };
  const sigv4 = (traits['aws.auth#sigv4'] ?? {}) as { name?: string };
  const protocols = Object.keys(traits).flatMap((name) => (PROTOCOL_TRAITS[name] ? [PROTOCOL_TRAITS[name]] : []));
  // A JSON service that was once a query service still accepts the query protocol (SQS).
  if (traits['aws.protocols#awsQueryCompatible'] !== undefined && !protocols.includes('awsQuery')) protocols.unshift('awsQuery');
  const shapes: Record<string, Shape> = {};
  const namer = localNames(ast);
  const operations: Record<string, OperationModel> = {};
  for (const opId of operationIds(ast, service)) {
    const op = ast.shapes[opId]!;
    operations[localName(opId)] = operationModel(ast, op, shapes, namer);
  }
  return {
    shapeId,
    traits,
    sdkId: api.sdkId ?? localName(shapeId),
    signingName: sigv4.name ?? '',
    protocols,
    shapeName: localName(shapeId),
    version: service.version ?? '',
    operations,
    shapes,
  };
}

/** Operations bound to the service directly or through its resources (recursively). */
function operationIds(ast: SmithyAst, container: SmithyShape, seen = new Set<string>()): string[] {
  const ids: string[] = [];
  const refs = [
    ...(container.operations ?? []), ...(container.collectionOperations ?? []),
    ...[container.create, container.put, container.read, container.update, container.delete, container.list].filter((r): r is { target: string } => !!r),
  ];
  for (const { target } of refs) if (!seen.has(target)) seen.add(target), ids.push(target);
  for (const { target } of container.resources ?? []) {
    const resource = ast.shapes[target];
    if (resource) ids.push(...operationIds(ast, resource, seen));
  }
  return ids;
}

function operationModel(ast: SmithyAst, op: SmithyShape, shapes: Record<string, Shape>, namer: (id: string) => string): OperationModel {
  const traits = op.traits ?? {};
  const model: OperationModel = {};
  const http = traits['smithy.api#http'] as { method: string; uri: string } | undefined;
  if (http) model.http = [http.method, http.uri];
  const endpoint = traits['smithy.api#endpoint'] as { hostPrefix?: string } | undefined;
  if (endpoint?.hostPrefix) model.hostPrefix = endpoint.hostPrefix;
  const auth = traits['smithy.api#auth'];
  if (traits['smithy.api#optionalAuth'] !== undefined || (Array.isArray(auth) && auth.length === 0)) model.unsigned = true;
  const iamAction = traits['aws.iam#iamAction'] as { name?: string } | undefined;
  if (iamAction?.name) model.iamAction = iamAction.name;
  const input = op.input?.target;
  if (input && input !== 'smithy.api#Unit') {
    model.input = namer(input);
    collectShape(ast, input, shapes, namer, true);
  }
  const credentials = outputCredentials(ast, op.output?.target);
  if (credentials.locations.length) model.credentials = credentials.locations;
  if (credentials.unrecognised.length) model.unrecognisedSecrets = credentials.unrecognised;
  return model;
}

/** Adds an aggregate shape and everything it reaches to `shapes`; returns the member target name. */
function collectShape(ast: SmithyAst, id: string, shapes: Record<string, Shape>, namer: (id: string) => string, isInput = false): string {
  const scalar = preludeScalar(id);
  if (scalar) return scalar;
  const shape = ast.shapes[id];
  if (!shape) throw new Error(`unknown shape ${id}`);
  if (SCALAR_BY_TYPE[shape.type]) return SCALAR_BY_TYPE[shape.type]!;
  const name = namer(id);
  if (shapes[name]) return name;
  switch (shape.type) {
    case 'structure':
    case 'union': {
      const struct: Shape = { type: shape.type, members: {} };
      shapes[name] = struct;
      for (const [memberName, member] of Object.entries(shape.members ?? {})) {
        struct.members[memberName] = memberModel(ast, member, shapes, namer, isInput);
      }
      break;
    }
    case 'list':
    case 'set': {
      const list: Shape = { type: 'list', member: { target: 'string' } };
      shapes[name] = list;
      list.member = memberModel(ast, shape.member!, shapes, namer, false);
      if (shape.traits?.['smithy.api#xmlFlattened'] !== undefined) list.flattened = true;
      break;
    }
    case 'map': {
      const map: Shape = { type: 'map', key: { target: 'string' }, value: { target: 'string' } };
      shapes[name] = map;
      map.key = memberModel(ast, shape.key!, shapes, namer, false);
      map.value = memberModel(ast, shape.value!, shapes, namer, false);
      if (shape.traits?.['smithy.api#xmlFlattened'] !== undefined) map.flattened = true;
      break;
    }
    default:
      throw new Error(`unsupported shape type ${shape.type} (${id})`);
  }
  return name;
}

function memberModel(ast: SmithyAst, member: SmithyMember, shapes: Record<string, Shape>, namer: (id: string) => string, topLevel: boolean): Member {
  const traits = member.traits ?? {};
  const model: Member = { target: collectShape(ast, member.target, shapes, namer) };
  if (topLevel) Object.assign(model, httpBinding(traits));
  const jsonName = traits['smithy.api#jsonName'];
  if (typeof jsonName === 'string') model.jsonName = jsonName;
  const xmlName = traits['smithy.api#xmlName'];
  if (typeof xmlName === 'string') model.xmlName = xmlName;
  const ec2Name = traits['aws.protocols#ec2QueryName'];
  if (typeof ec2Name === 'string') model.ec2Name = ec2Name;
  if (traits['smithy.api#xmlFlattened'] !== undefined) model.flattened = true;
  if (traits['smithy.api#xmlAttribute'] !== undefined) model.attribute = true;
  if (traits['smithy.api#required'] !== undefined) model.required = true;
  const target = ast.shapes[member.target];
  if (target?.traits?.['smithy.api#streaming'] !== undefined) model.streaming = true;
  return model;
}

function httpBinding(traits: Record<string, unknown>): Partial<Member> {
  if (traits['smithy.api#httpLabel'] !== undefined) return { location: 'label' };
  if (typeof traits['smithy.api#httpQuery'] === 'string') return { location: 'query', name: traits['smithy.api#httpQuery'] };
  if (traits['smithy.api#httpQueryParams'] !== undefined) return { location: 'queryParams' };
  if (typeof traits['smithy.api#httpHeader'] === 'string') return { location: 'header', name: traits['smithy.api#httpHeader'].toLowerCase() };
  if (typeof traits['smithy.api#httpPrefixHeaders'] === 'string') return { location: 'prefixHeaders', name: traits['smithy.api#httpPrefixHeaders'].toLowerCase() };
  if (traits['smithy.api#httpPayload'] !== undefined) return { location: 'payload' };
  if (traits['smithy.api#hostLabel'] !== undefined) return { location: 'hostLabel' };
  return {};
}

export function localName(shapeId: string): string {
  return shapeId.slice(shapeId.indexOf('#') + 1);
}

/** Local shape names, qualified only where two namespaces in one model use the same one. */
function localNames(ast: SmithyAst): (id: string) => string {
  const counts = new Map<string, number>();
  for (const id of Object.keys(ast.shapes)) counts.set(localName(id), (counts.get(localName(id)) ?? 0) + 1);
  return (id) => ((counts.get(localName(id)) ?? 0) > 1 ? id : localName(id));
}
