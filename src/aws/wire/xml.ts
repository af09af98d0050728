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
  // Character references (`&#65;`) are decoded, as any XML reader does; named references other
  // than XML's five are refused before parsing (an HTML name means nothing to AWS's parsers).
  htmlEntities: true,
});

/** XML's own entities and character references: anything else after `&` is refused. */
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)/;
/** Names a JavaScript object treats specially: an element or attribute so named could not be read as sent. */
const SPECIAL_NAMES = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * An XML request body. Documents with a DTD are refused: AWS refuses them too, and entity
 * definitions are how XML parsers are made to disagree (or to expand without bound).
 */
export function parseXml(text: string): Parsed<Record<string, XmlNode>> {
  if (/<!DOCTYPE/i.test(text)) return unreadable('XML with a DOCTYPE is not accepted');
  if (ENTITY.test(text)) return unreadable('an entity reference XML does not define');
  const special = [...text.matchAll(/[<\s/]([A-Za-z_][\w.:-]*)/g)].map((m) => m[1]!.replace(/^.*:/, '')).find((name) => SPECIAL_NAMES.has(name));
  if (special) return unreadable(`an element or attribute named "${special}"`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) return unreadable(`not well-formed XML (${valid.err.msg})`);
  // The validator lets text after an empty root element through (and the parser drops it).
  if (!/>(\s|<!--[\s\S]*?-->)*$/.test(text)) return unreadable('text after the root element');
  const document = parser.parse(text) as Record<string, XmlNode>;
  // One root element, and no text beside it (the validator lets a second root through).
  const roots = Object.keys(document).filter((name) => name !== '?xml');
  if (roots.length !== 1 || roots[0] === '#text' || Array.isArray(document[roots[0]!])) return unreadable('an XML body must have exactly one root element');
  return parsed(document);
}
