import type { XmlNode } from '../../../aws/wire/xml.js';
import type { ListShape, MapShape, Member, ServiceModel, Shape, ShapeRef, StructureShape } from '../../../services/model.js';

/**
 * Reads a request document into the operation's input as the service model names it (member
 * names, not wire names), the form the IAM mapping templates are written against. Whatever a
 * service could read two ways (a value given twice, a list with gaps) is an error, never a guess.
 */
export class AmbiguousInputError extends Error {}

/** Input objects; maps and documents are prototype-free, so agent-chosen keys stay plain keys. */
export type InputValue = string | number | boolean | null | InputValue[] | { [name: string]: InputValue };

const MAX_DEPTH = 64;

/** A shape by name, or one given as it is (a REST body's members, read as one structure). */
function shapeOf(model: ServiceModel, ref: ShapeRef | Shape): Shape | undefined {
  if (typeof ref !== 'string') return ref;
  return Object.hasOwn(model.shapes, ref) ? model.shapes[ref] : undefined;
}

function record(): { [name: string]: InputValue } {
  return Object.create(null) as { [name: string]: InputValue };
}

// ── JSON-like documents: awsJson and CBOR bodies (member names), restJson1 bodies (jsonName) ──

export function readDocument(model: ServiceModel, ref: ShapeRef | Shape, value: unknown, useJsonName: boolean, depth = 0): InputValue | undefined {
  if (depth > MAX_DEPTH) throw new AmbiguousInputError('the document nests deeper than the proxy reads');
  const shape = shapeOf(model, ref);
  if (!shape) return scalarFromDocument(ref as ShapeRef, value);
  switch (shape.type) {
    case 'structure':
    case 'union': {
      if (!isPlainObject(value)) return undefined;
      const out = record();
      const wires = wireNames(shape, useJsonName);
      refuseCaseTwins(value, wires);
      for (const { name, wire, target } of wires.members) {
        if (!Object.hasOwn(value, wire)) continue;
        const read = readDocument(model, target, value[wire], useJsonName, depth + 1);
        if (read !== undefined) out[name] = read;
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((item) => readDocument(model, shape.member.target, item, useJsonName, depth + 1) ?? null) : undefined;
    case 'map': {
      if (!isPlainObject(value)) return undefined;
      const out = record();
      for (const [key, item] of Object.entries(value)) out[key] = readDocument(model, shape.value.target, item, useJsonName, depth + 1) ?? null;
      return out;
    }
  }
}

/** A structure's members with the names they have in a document, worked out once per shape. */
interface WireNames {
  members: Array<{ name: string; wire: string; target: ShapeRef }>;
  /** Lowercased wire name → wire name. */
  byLowerCase: Map<string, string>;
}

const wireNameCache = [new WeakMap<StructureShape, WireNames>(), new WeakMap<StructureShape, WireNames>()];

function wireNames(shape: StructureShape, useJsonName: boolean): WireNames {
  const cache = wireNameCache[useJsonName ? 1 : 0]!;
  let names = cache.get(shape);
  if (!names) {
    const members = Object.entries(shape.members).map(([name, member]) => ({ name, wire: useJsonName ? (member.jsonName ?? name) : name, target: member.target }));
    names = { members, byLowerCase: new Map(members.map(({ wire }) => [wire.toLowerCase(), wire])) };
    cache.set(shape, names);
  }
  return names;
}

/**
 * A name that is a member's in another case (`tablename` beside `TableName`): a reader that folds
 * case would take it for the member. Map keys and documents are not checked (`Id` and `id` may both
 * be attributes of one item).
 */
function refuseCaseTwins(value: Record<string, unknown>, wires: WireNames): void {
  for (const key of Object.keys(value)) {
    const wire = wires.byLowerCase.get(key.toLowerCase());
    if (wire !== undefined && wire !== key) throw new AmbiguousInputError(`"${key}" is the member ${wire} in another case`);
  }
}

function scalarFromDocument(ref: ShapeRef, value: unknown): InputValue | undefined {
  if (ref === 'document') return value as InputValue;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // CBOR timestamps arrive as Date or as tag 1 (epoch seconds), blobs as bytes.
  if (value instanceof Date) return value.toISOString();
  if (isEpochTag(value)) return new Date(value.value * 1000).toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return undefined;
}

function isEpochTag(value: unknown): value is { tag: 1; value: number } {
  const tagged = value as { tag?: unknown; value?: unknown } | null;
  return typeof tagged === 'object' && tagged !== null && tagged.tag === 1 && typeof tagged.value === 'number' && Number.isFinite(tagged.value * 1000) && Math.abs(tagged.value) < 8.64e12;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

// ── XML documents: restXml bodies ──

export function readXml(model: ServiceModel, ref: ShapeRef | Shape, node: XmlNode | XmlNode[] | undefined, depth = 0): InputValue | undefined {
  if (node === undefined) return undefined;
  if (Array.isArray(node)) throw new AmbiguousInputError('an XML element that holds one value appears more than once');
  if (depth > MAX_DEPTH) throw new AmbiguousInputError('the XML document nests deeper than the proxy reads');
  const shape = shapeOf(model, ref);
  if (!shape) return xmlText(node);
  if (typeof node === 'string') return shape.type === 'structure' || shape.type === 'union' ? record() : undefined;
  switch (shape.type) {
    case 'structure':
    case 'union':
      return readXmlStructure(model, shape, node, depth);
    case 'list':
      return readXmlList(model, shape, node[shape.member.xmlName ?? 'member'], depth);
    case 'map':
      return readXmlMap(model, shape, node.entry, depth);
  }
}

function readXmlStructure(model: ServiceModel, shape: StructureShape, node: { [name: string]: XmlNode | XmlNode[] }, depth: number): InputValue {
  const out = record();
  for (const [name, member] of Object.entries(shape.members)) {
    const wire = member.xmlName ?? name;
    if (member.attribute) {
      const attribute = node[`@_${wire}`];
      if (typeof attribute === 'string') out[name] = attribute;
      continue;
    }
    if (!Object.hasOwn(node, wire)) continue;
    const child = node[wire];
    const target = shapeOf(model, member.target);
    let read: InputValue | undefined;
    if (target?.type === 'list' && (member.flattened || target.flattened)) read = readXmlList(model, target, child, depth);
    else if (target?.type === 'map' && (member.flattened || target.flattened)) read = readXmlMap(model, target, child, depth);
    else read = readXml(model, member.target, child, depth + 1);
    if (read !== undefined) out[name] = read;
  }
  return out;
}

function readXmlList(model: ServiceModel, shape: ListShape, items: XmlNode | XmlNode[] | undefined, depth: number): InputValue[] {
  if (items === undefined) return [];
  return (Array.isArray(items) ? items : [items]).map((item) => readXml(model, shape.member.target, item, depth + 1) ?? null);
}

function readXmlMap(model: ServiceModel, shape: MapShape, entries: XmlNode | XmlNode[] | undefined, depth: number): InputValue {
  const out = record();
  for (const entry of entries === undefined ? [] : Array.isArray(entries) ? entries : [entries]) {
    if (typeof entry === 'string') continue;
    const key = xmlText(single(entry[shape.key.xmlName ?? 'key']));
    if (key === undefined) continue;
    if (Object.hasOwn(out, key)) throw new AmbiguousInputError(`the map key "${key}" appears twice`);
    out[key] = readXml(model, shape.value.target, entry[shape.value.xmlName ?? 'value'], depth + 1) ?? null;
  }
  return out;
}

function single(node: XmlNode | XmlNode[] | undefined): XmlNode | undefined {
  if (Array.isArray(node)) throw new AmbiguousInputError('an XML element that holds one value appears more than once');
  return node;
}

function xmlText(node: XmlNode | undefined): string | undefined {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const text = node['#text'];
    return typeof text === 'string' ? text : '';
  }
  return undefined;
}

// ── Query parameters: awsQuery and ec2Query ──

export type QueryStyle = 'awsQuery' | 'ec2Query';

/**
 * Flat `Name.member.1.Key=…` parameters into the input structure. Keys are read top-down from the
 * model; parameters the model does not name are left alone (AWS ignores or rejects them).
 */
export function readQueryParameters(model: ServiceModel, inputShape: string, params: Map<string, string>, style: QueryStyle): InputValue {
  // Every prefix, and what follows each one (with the first parameter that shows it): list items
  // are then found without a scan of all parameters per list, which would be quadratic.
  const prefixes = new Set<string>();
  const children = new Map<string, Map<string, string>>();
  for (const key of params.keys()) {
    for (let dot = key.indexOf('.'); dot !== -1; ) {
      const next = key.indexOf('.', dot + 1);
      const prefix = key.slice(0, dot);
      prefixes.add(prefix);
      let segments = children.get(prefix);
      if (!segments) children.set(prefix, (segments = new Map()));
      const segment = key.slice(dot + 1, next === -1 ? undefined : next);
      if (!segments.has(segment)) segments.set(segment, key);
      dot = next;
    }
  }
  const reader = new QueryReader(model, params, prefixes, children, style);
  return reader.structure(inputShape, '', 0) ?? record();
}

/** Lowercased parameter names and prefixes → as sent: a member named in another case is found. */
function foldedNames(params: Map<string, string>, prefixes: Set<string>): Map<string, string> {
  const folded = new Map<string, string>();
  for (const name of [...params.keys(), ...prefixes]) folded.set(name.toLowerCase(), name);
  return folded;
}

class QueryReader {
  private readonly folded: Map<string, string>;

  constructor(
    private readonly model: ServiceModel,
    private readonly params: Map<string, string>,
    private readonly prefixes: Set<string>,
    private readonly children: Map<string, Map<string, string>>,
    private readonly style: QueryStyle,
  ) {
    this.folded = foldedNames(params, prefixes);
  }

  private present(key: string): boolean {
    return this.params.has(key) || this.prefixes.has(key);
  }

  private memberKey(name: string, member: Member): string {
    if (this.style === 'ec2Query') return member.ec2Name ?? capitalise(member.xmlName ?? name);
    return member.xmlName ?? name;
  }

  value(member: Member, key: string, depth: number): InputValue | undefined {
    if (depth > MAX_DEPTH) throw new AmbiguousInputError('the parameters nest deeper than the proxy reads');
    const shape = shapeOf(this.model, member.target);
    if (!shape) return this.params.get(key);
    switch (shape.type) {
      case 'structure':
      case 'union':
        return this.structure(member.target, `${key}.`, depth);
      case 'list': {
        // `Names=x`: a list needs numbered items; a service might read the bare value as one.
        if (this.params.has(key)) throw new AmbiguousInputError(`the list "${key}" is given as one value, not as ${key}.1, ${key}.2, …`);
        const flat = this.style === 'ec2Query' || member.flattened || shape.flattened;
        const itemPrefix = flat ? key : `${key}.${shape.member.xmlName ?? 'member'}`;
        return this.indexed(itemPrefix).map((itemKey) => this.value(shape.member, itemKey, depth + 1) ?? null);
      }
      case 'map': {
        const flat = member.flattened || shape.flattened;
        const out = record();
        for (const entryKey of this.indexed(flat ? key : `${key}.entry`)) {
          const name = this.params.get(`${entryKey}.${shape.key.xmlName ?? 'key'}`);
          if (name === undefined) continue;
          if (Object.hasOwn(out, name)) throw new AmbiguousInputError(`the map key "${name}" appears twice`);
          out[name] = this.value(shape.value, `${entryKey}.${shape.value.xmlName ?? 'value'}`, depth + 1) ?? null;
        }
        return out;
      }
    }
  }

  structure(ref: ShapeRef, prefix: string, depth: number): InputValue | undefined {
    const shape = shapeOf(this.model, ref);
    if (!shape || (shape.type !== 'structure' && shape.type !== 'union')) return undefined;
    if (prefix && !this.prefixes.has(prefix.slice(0, -1))) return undefined;
    const out = record();
    for (const [name, member] of Object.entries(shape.members)) {
      const key = prefix + this.memberKey(name, member);
      if (!this.present(key)) {
        // A reader that folds case would take `instanceId.1` for `InstanceId.1`.
        const twin = this.folded.get(key.toLowerCase());
        if (twin !== undefined) throw new AmbiguousInputError(`"${twin}" is the parameter ${key} in another case`);
        continue;
      }
      const read = this.value(member, key, depth + 1);
      if (read !== undefined) out[name] = read;
    }
    return out;
  }

  /** `prefix.1`, `prefix.2`, …: the items of a list, which must be numbered from 1 without gaps. */
  private indexed(prefix: string): string[] {
    const indices: number[] = [];
    for (const [segment, key] of this.children.get(prefix) ?? []) {
      if (!/^[1-9]\d{0,5}$/.test(segment)) throw new AmbiguousInputError(`"${key}" is not numbered as a list item (1, 2, …)`);
      indices.push(Number(segment));
    }
    if (indices.length && Math.max(...indices) !== indices.length) throw new AmbiguousInputError(`the items of "${prefix}" are not numbered 1 to ${indices.length}`);
    return indices.sort((a, b) => a - b).map((i) => `${prefix}.${i}`);
  }
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
