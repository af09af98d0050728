import { cbor } from '@smithy/core/cbor';
import type { CredentialLocation, OutputStep, Protocol } from '../../src/services/model.js';

/** Credentials as an AWS response would carry them. */
export interface RealCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

const XML_PROTOCOLS = new Set<Protocol>(['awsQuery', 'ec2Query', 'restXml']);

/**
 * A response body of `operation` in `protocol` with `real` at every location, written the way
 * AWS writes it (query responses wrapped in `<Op>Response><Op>Result`, wrapped XML lists as
 * `<member>`), independently of the proxy's reader.
 */
export function credentialBody(protocol: Protocol, operation: string, locations: CredentialLocation[], real: RealCredentials): Buffer {
  const root: Record<string, unknown> = {};
  for (const location of locations) {
    let node = root;
    for (const step of location.path) {
      if (step.payload) continue;
      const child: Record<string, unknown> = {};
      node[name(step, protocol)] = step.list ? (XML_PROTOCOLS.has(protocol) && step.list === 'wrapped' ? { member: child } : [child]) : child;
      node = child;
    }
    node[name(location.accessKeyId, protocol)] = real.accessKeyId;
    node[name(location.secretAccessKey, protocol)] = real.secretAccessKey;
    if (location.sessionToken) node[name(location.sessionToken, protocol)] = real.sessionToken;
    if (location.expiration) node[name(location.expiration, protocol)] = XML_PROTOCOLS.has(protocol) ? real.expiration : Date.parse(real.expiration) / 1000;
  }
  if (protocol === 'rpcv2Cbor') return Buffer.from(cbor.serialize(root));
  if (!XML_PROTOCOLS.has(protocol)) return Buffer.from(JSON.stringify(root));
  const inner = toXml(root);
  const document =
    protocol === 'awsQuery'
      ? `<${operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${operation}Result>${inner}</${operation}Result><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></${operation}Response>`
      : `<${operation}Result xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${operation}Result>`;
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${document}\n`);
}

function name(step: OutputStep, protocol: Protocol): string {
  if (protocol === 'restJson1') return step.jsonName ?? step.member;
  if (XML_PROTOCOLS.has(protocol)) return step.xmlName ?? step.member;
  return step.member;
}

function toXml(node: unknown): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(toXml).join('');
  return Object.entries(node as Record<string, unknown>)
    .map(([key, value]) => `<${key}>${toXml(value)}</${key}>`)
    .join('');
}
