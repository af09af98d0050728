import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Member, OperationModel, Protocol, Shape } from '../model.js';
import type { ParsedService } from './smithy-model.js';

/**
 * The AWS SDK for JavaScript v2 (npm `aws-sdk`) ships every service's API as botocore-style JSON
 * in `apis/`. It serves two purposes here: its class names key the iam-dataset map, and it stands
 * in for a Smithy model the snapshot lacks (EC2's is over the snapshot's 4 MiB file limit).
 */
export interface V2Api {
  metadata: { uid: string; apiVersion: string; endpointPrefix: string; signingName?: string; serviceId: string; protocol: string; protocols?: string[]; targetPrefix?: string };
  operations: Record<string, { http?: { method?: string; requestUri?: string }; input?: V2Shape; endpoint?: { hostPrefix?: string } }>;
  shapes: Record<string, V2Shape>;
}

interface V2Shape {
  shape?: string;
  type?: string;
  members?: Record<string, V2Shape>;
  member?: V2Shape;
  key?: V2Shape;
  value?: V2Shape;
  required?: string[];
  payload?: string;
  location?: string;
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
  xmlAttribute?: boolean;
  streaming?: boolean;
  eventstream?: boolean;
  hostLabel?: boolean;
}

export interface SdkV2Apis {
  /** serviceId (the Smithy sdkId) → v2 class name. */
  classNames: Map<string, string>;
  /** File prefix (`ec2`, `monitoring`) → the newest API of that service. */
  apiByPrefix: Map<string, V2Api>;
  /** serviceId → the X-Amz-Target prefix v2 sends (namespaced for a few services: CloudTrail). */
  targetPrefixes: Map<string, string>;
}

const PROTOCOLS: Record<string, Protocol> = { ec2: 'ec2Query', query: 'awsQuery', json: 'awsJson1_1', 'rest-json': 'restJson1', 'rest-xml': 'restXml', 'smithy-rpc-v2-cbor': 'rpcv2Cbor' };

export function readSdkV2(packageDir: string): SdkV2Apis {
  const apisDir = join(packageDir, 'apis');
  const metadata = JSON.parse(readFileSync(join(apisDir, 'metadata.json'), 'utf8')) as Record<string, { name: string; prefix?: string }>;
  const nameByPrefix = new Map(Object.entries(metadata).map(([key, value]) => [value.prefix ?? key, value.name]));
  const classNames = new Map<string, string>();
  const apiByPrefix = new Map<string, V2Api>();
  const targetPrefixes = new Map<string, string>();
  // Sorted, so a later API version of a service replaces an earlier one.
  for (const file of readdirSync(apisDir).filter((f) => f.endsWith('.min.json')).sort()) {
    const api = JSON.parse(readFileSync(join(apisDir, file), 'utf8')) as V2Api;
    const prefix = file.replace(/-\d{4}-\d{2}-\d{2}\.min\.json$/, '');
    const name = nameByPrefix.get(prefix);
    if (name) classNames.set(api.metadata.serviceId, name);
    apiByPrefix.set(prefix, api);
    if (api.metadata.targetPrefix) targetPrefixes.set(api.metadata.serviceId, api.metadata.targetPrefix);
  }
  return { classNames, apiByPrefix, targetPrefixes };
}

export function parseSdkV2Service(api: V2Api): ParsedService {
  const { metadata } = api;
  const shapes: Record<string, Shape> = {};
  const operations: Record<string, OperationModel> = {};
  const protocol = PROTOCOLS[metadata.protocol];
  if (!protocol) throw new Error(`unknown protocol ${metadata.protocol}`);
  for (const [name, op] of Object.entries(api.operations)) {
    const model: OperationModel = {};
    if (op.http?.requestUri && (protocol === 'restJson1' || protocol === 'restXml')) model.http = [op.http.method ?? 'POST', op.http.requestUri];
    if (op.endpoint?.hostPrefix) model.hostPrefix = op.endpoint.hostPrefix;
    if (op.input) {
      model.input = `${name}Input`;
      collect(api, op.input, model.input, shapes, true);
    }
    operations[name] = model;
  }
  return {
    shapeId: metadata.targetPrefix ?? metadata.serviceId,
    traits: {},
    sdkId: metadata.serviceId,
    signingName: metadata.signingName ?? metadata.endpointPrefix,
    protocols: [protocol],
    shapeName: metadata.targetPrefix ?? metadata.serviceId,
    version: metadata.apiVersion,
    operations,
    shapes,
  };
}

/** Resolves `{shape: "Sev"}` references; the referencing member's own fields win. */
function resolve(api: V2Api, shape: V2Shape): V2Shape {
  return shape.shape ? { ...resolve(api, api.shapes[shape.shape]!), ...shape, shape: undefined } : shape;
}

function collect(api: V2Api, raw: V2Shape, name: string, shapes: Record<string, Shape>, isInput = false): string {
  const shape = resolve(api, raw);
  const type = shape.type ?? 'string';
  const scalar = ({ string: 'string', boolean: 'boolean', blob: 'blob', timestamp: 'timestamp', integer: 'number', long: 'number', float: 'number', double: 'number' } as Record<string, string>)[type];
  if (scalar) return scalar;
  if (shapes[name]) return name;
  if (type === 'structure') {
    const struct: Shape = { type: 'structure', members: {} };
    shapes[name] = struct;
    for (const [memberName, member] of Object.entries(shape.members ?? {})) {
      struct.members[memberName] = memberOf(api, member, `${name}.${memberName}`, shapes, isInput, (shape.required ?? []).includes(memberName), shape.payload === memberName);
    }
  } else if (type === 'list') {
    const list: Shape = { type: 'list', member: { target: 'string' } };
    shapes[name] = list;
    list.member = memberOf(api, shape.member!, `${name}.member`, shapes, false, false, false);
    if (shape.flattened) list.flattened = true;
  } else if (type === 'map') {
    const map: Shape = { type: 'map', key: { target: 'string' }, value: { target: 'string' } };
    shapes[name] = map;
    map.key = memberOf(api, shape.key!, `${name}.key`, shapes, false, false, false);
    map.value = memberOf(api, shape.value!, `${name}.value`, shapes, false, false, false);
    if (shape.flattened) map.flattened = true;
  } else {
    throw new Error(`unsupported v2 shape type ${type}`);
  }
  return name;
}

/** Shared shapes keep their v2 id as name; inline ones are named by their path. */
function memberOf(api: V2Api, raw: V2Shape, path: string, shapes: Record<string, Shape>, topLevel: boolean, required: boolean, payload: boolean): Member {
  const shape = resolve(api, raw);
  const member: Member = { target: collect(api, raw, raw.shape ?? path, shapes) };
  if (topLevel) {
    const location = shape.location;
    if (location === 'uri') Object.assign(member, { location: 'label', name: shape.locationName });
    else if (location === 'querystring') Object.assign(member, { location: 'query', name: shape.locationName });
    else if (location === 'header') Object.assign(member, { location: 'header', name: shape.locationName?.toLowerCase() });
    else if (location === 'headers') Object.assign(member, { location: 'prefixHeaders', name: shape.locationName?.toLowerCase() });
    else if (payload) member.location = 'payload';
    else if (shape.hostLabel) member.location = 'hostLabel';
  }
  // v2 names: locationName is the XML/query name, queryName the EC2 one.
  if (shape.queryName) member.ec2Name = shape.queryName;
  if (shape.locationName && !member.location) member.xmlName = shape.locationName;
  if (shape.flattened) member.flattened = true;
  if (shape.xmlAttribute) member.attribute = true;
  if (required) member.required = true;
  if (shape.streaming || shape.eventstream) member.streaming = true;
  return member;
}
