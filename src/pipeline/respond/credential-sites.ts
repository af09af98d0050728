import type { CredentialLocation, OutputStep, Protocol } from '../../services/model.js';

/** A parsed response body: JSON and CBOR values as decoded, XML as fast-xml-parser objects. */
type Node = unknown;

/** The fields of one credentials structure found in a response. */
export interface CredentialSite {
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
  /** As the body carries it: an ISO date, epoch seconds or milliseconds, a CBOR tag-1 timestamp. */
  expiration: unknown;
  /** Replaces the fields in the parsed document (JSON and CBOR are written back from it). */
  set(values: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): void;
}

/**
 * Every credentials structure the model places in this response, wherever it occurs (a list
 * step fans out). `document` is the parsed body; for the query protocol its root is the
 * `<Operation>Response` element, whose `<Operation>Result` holds the output.
 */
export function findCredentialSites(document: Node, protocol: Protocol, operation: string, locations: CredentialLocation[]): CredentialSite[] {
  const xml = protocol === 'awsQuery' || protocol === 'ec2Query' || protocol === 'restXml';
  let output = xml ? onlyChild(document) : document;
  if (protocol === 'awsQuery') output = field(output, `${operation}Result`);
  const sites: CredentialSite[] = [];
  for (const location of locations) {
    for (const container of walk([output], location.path, protocol)) sites.push(site(container, location, protocol));
  }
  return sites;
}

function walk(nodes: Node[], path: OutputStep[], protocol: Protocol): Node[] {
  let current = nodes;
  for (const step of path) {
    const next: Node[] = [];
    for (const node of current) {
      const value = step.payload ? node : field(node, wireName(step, protocol));
      if (value === undefined || value === null) continue;
      if (step.list) next.push(...listItems(value, step.list, protocol));
      else next.push(value);
    }
    current = next;
  }
  return current.filter((node) => typeof node === 'object' && node !== null);
}

function site(container: Node, location: CredentialLocation, protocol: Protocol): CredentialSite {
  const read = (step: OutputStep | undefined) => (step ? scalar(field(container, wireName(step, protocol))) : undefined);
  const write = (step: OutputStep | undefined, value: string | undefined) => {
    if (step && value !== undefined) (container as Record<string, unknown>)[wireName(step, protocol)] = value;
  };
  return {
    accessKeyId: read(location.accessKeyId),
    secretAccessKey: read(location.secretAccessKey),
    sessionToken: read(location.sessionToken),
    expiration: location.expiration ? (scalar(field(container, wireName(location.expiration, protocol))) ?? field(container, wireName(location.expiration, protocol))) : undefined,
    set(values) {
      write(location.accessKeyId, values.accessKeyId);
      write(location.secretAccessKey, values.secretAccessKey);
      write(location.sessionToken, values.sessionToken);
    },
  };
}

/** The member's name on the wire: restJson1 honours jsonName, the XML protocols xmlName; the rest use the member name. */
function wireName(step: OutputStep, protocol: Protocol): string {
  if (protocol === 'restJson1') return step.jsonName ?? step.member;
  if (protocol === 'restXml' || protocol === 'awsQuery' || protocol === 'ec2Query') return step.xmlName ?? step.member;
  return step.member;
}

function field(node: Node, name: string): Node {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, name) ? (node as Record<string, unknown>)[name] : undefined;
}

/** A text value: XML elements with attributes keep their text in `#text`. */
function scalar(node: Node): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null && typeof (node as Record<string, unknown>)['#text'] === 'string') return (node as Record<string, string>)['#text'];
  return undefined;
}

function listItems(value: Node, kind: 'wrapped' | 'flattened', protocol: Protocol): Node[] {
  const xml = protocol === 'awsQuery' || protocol === 'ec2Query' || protocol === 'restXml';
  if (!xml) return Array.isArray(value) ? value : [];
  // XML: a flattened list repeats the member's element; a wrapped one holds one item element per entry.
  const items = kind === 'flattened' ? value : onlyChild(value);
  return Array.isArray(items) ? items : items === undefined ? [] : [items];
}

function onlyChild(node: Node): Node {
  if (typeof node !== 'object' || node === null) return undefined;
  const names = Object.keys(node).filter((name) => name !== '?xml' && !name.startsWith('@_') && name !== '#text');
  return names.length === 1 ? (node as Record<string, unknown>)[names[0]!] : undefined;
}
