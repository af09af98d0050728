import { describe, expect, it } from 'vitest';
import { parseXml } from '../../../src/aws/wire/xml.js';

const read = (text: string) => {
  const result = parseXml(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};

describe('parseXml: documents', () => {
  it('reads elements, text kept as sent (no trimming, no number parsing)', () => {
    expect(read('<Delete><Quiet>true</Quiet><Object><Key>  007 </Key></Object></Delete>')).toStrictEqual({
      Delete: { Quiet: 'true', Object: { Key: '  007 ' } },
    });
  });

  it('reads repeated elements as an array, in order', () => {
    expect(read('<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>')).toStrictEqual({
      Delete: { Object: [{ Key: 'a' }, { Key: 'b' }] },
    });
  });

  it('reads repeats separated by a comment as one array', () => {
    expect(read('<a><b>1</b><!-- x --><b>2</b></a>')).toStrictEqual({ a: { b: ['1', '2'] } });
  });

  it('reads attributes as @_name, with text as #text', () => {
    expect(read('<Grant Id="1" Type="x">t</Grant>')).toStrictEqual({ Grant: { '@_Id': '1', '@_Type': 'x', '#text': 't' } });
  });

  it('drops namespace prefixes from element and attribute names', () => {
    expect(read('<s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:TagSet/></s3:Tagging>')).toStrictEqual({ Tagging: { TagSet: '' } });
  });

  it('reads a prefixed and an unprefixed element of one name as a repeat', () => {
    expect(read('<a xmlns:x="u"><x:Key>1</x:Key><Key>2</Key></a>')).toStrictEqual({ a: { Key: ['1', '2'] } });
  });

  it('reads empty and self-closing elements as the empty string', () => {
    expect(read('<a><b/><c></c></a>')).toStrictEqual({ a: { b: '', c: '' } });
  });

  it('keeps the XML declaration as ?xml beside the root', () => {
    expect(read('<?xml version="1.0" encoding="UTF-8"?><a>x</a>')).toStrictEqual({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, a: 'x' });
  });

  it('keeps CDATA as text, entities in it undecoded', () => {
    expect(read('<a><![CDATA[<b>&amp;</b>]]></a>')).toStrictEqual({ a: '<b>&amp;</b>' });
  });

  it('decodes the five predefined entities, in text and attributes, once', () => {
    expect(read('<a b="&lt;&quot;">&lt;&gt;&amp;&quot;&apos;|&amp;lt;</a>')).toStrictEqual({ a: { '@_b': '<"', '#text': '<>&"\'|&lt;' } });
  });
});

describe('parseXml: DOCTYPE is refused', () => {
  const refused = { ok: false, error: 'XML with a DOCTYPE is not accepted' };

  it.each([
    '<!DOCTYPE x [<!ENTITY e "secret">]><a>&e;</a>',
    '<!doctype a><a/>',
    '<!DocType a><a/>',
    '<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a/>',
    '<a>x</a><!DOCTYPE b>',
    '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><a>&b;</a>',
  ])('%j', (text) => {
    expect(parseXml(text)).toStrictEqual(refused);
  });

  it('even where it is only text in a comment or CDATA', () => {
    expect(parseXml('<a><!-- <!DOCTYPE --></a>')).toStrictEqual(refused);
    expect(parseXml('<a><![CDATA[<!DOCTYPE x>]]></a>')).toStrictEqual(refused);
  });

  it('but not an escaped one in text', () => {
    expect(read('<a>&lt;!DOCTYPE</a>')).toStrictEqual({ a: '<!DOCTYPE' });
  });
});

describe('parseXml: documents that are not well-formed are refused', () => {
  it.each([
    ['', 'Start tag expected.'],
    ['   ', 'Start tag expected.'],
    ['text', "char 't' is not expected."],
    ['<a>', "Unclosed tag 'a'."],
    ['<a><b></a>', "Expected closing tag 'b' (opened in line 1, col 4) instead of closing tag 'a'."],
    ['<a></a><b></b>', 'Multiple possible root nodes found.'],
    ['<a x="1" x="2"/>', "Attribute 'x' is repeated."],
  ])('%j', (text, message) => {
    expect(parseXml(text)).toStrictEqual({ ok: false, error: `not well-formed XML (${message})` });
  });

  it('an unquoted attribute', () => {
    expect(parseXml('<a x=1/>')).toMatchObject({ ok: false, error: expect.stringMatching(/^not well-formed XML \(/) });
  });
});

describe('parseXml: what AWS reads otherwise', () => {
  // Was a bug: numeric character references were left undecoded, so <Key>&#65;</Key> was the key
  // "&#65;" to the proxy and "A" to S3.
  it('decodes decimal and hexadecimal character references', () => {
    expect(read('<Key>&#65;&#x42;&#47;</Key>')).toStrictEqual({ Key: 'AB/' });
  });

  it('refuses entity references XML does not define (HTML names mean nothing to AWS)', () => {
    expect(parseXml('<Key>a&nbsp;b</Key>')).toMatchObject({ ok: false });
    expect(parseXml('<Key>a&copy</Key>')).toMatchObject({ ok: false });
  });

  // Was a bug: an element named __proto__, constructor or prototype made fast-xml-parser throw, and
  // one named toString was renamed __toString. Names a JavaScript object treats specially are refused.
  it('refuses elements and attributes named like prototype members, and never throws', () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      expect(parseXml(`<a><${name}>1</${name}></a>`)).toMatchObject({ ok: false });
      expect(parseXml(`<a ${name}="1"/>`)).toMatchObject({ ok: false });
      expect(parseXml(`<x:${name} xmlns:x="u">1</x:${name}>`)).toMatchObject({ ok: false });
    }
  });
});

describe('parseXml: content outside the root element', () => {
  it('a comment after the root is allowed', () => {
    expect(read('<a/><!-- c -->')).toStrictEqual({ a: '' });
  });

  it('a second root is refused when it has content', () => {
    expect(parseXml('<a>1</a><a>2</a>')).toStrictEqual({ ok: false, error: 'not well-formed XML (Multiple possible root nodes found.)' });
  });

  // Was a bug (low: AWS refuses these too): fast-xml-parser's validator lets two empty roots and
  // text after the root through; the first becomes an array, the second is dropped.
  it('two empty root elements are not well-formed', () => {
    expect(parseXml('<a/><a/>').ok).toBe(false);
  });

  it('text after the root element is not well-formed', () => {
    expect(parseXml('<a/>text').ok).toBe(false);
  });
});
