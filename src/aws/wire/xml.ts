import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parsed, unreadable, type Parsed } from './parsed.js';

/** One XML element: its text, attributes (`@_name`) and child elements, repeated ones as arrays. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

/**
 * An XML request body. Documents with a DTD are refused: AWS refuses them too, and entity
 * definitions are how XML parsers are made to disagree (or to expand without bound).
 */
export function parseXml(text: string): Parsed<Record<string, XmlNode>> {
  if (/<!DOCTYPE/i.test(text)) return unreadable('XML with a DOCTYPE is not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) return unreadable(`not well-formed XML (${valid.err.msg})`);
  return parsed(parser.parse(text) as Record<string, XmlNode>);
}
