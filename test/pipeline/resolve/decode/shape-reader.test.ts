import { describe, expect, it } from 'vitest';
import { parseCbor } from '../../../../src/aws/wire/cbor.js';
import { parseXml, type XmlNode } from '../../../../src/aws/wire/xml.js';
import { AmbiguousInputError, readDocument, readQueryParameters, readXml, type InputValue } from '../../../../src/pipeline/resolve/decode/shape-reader.js';
import { defaultCatalog } from '../../../../src/services/catalog.js';
import type { ServiceModel, Shape } from '../../../../src/services/model.js';

const model = (shapes: Record<string, Shape>): ServiceModel => ({
  id: 'test',
  sdkId: 'Test',
  sdkName: 'Test',
  iamPrefix: 'test',
  signingName: 'test',
  protocols: [],
  shapeName: 'Test',
  targetPrefixes: [],
  version: '2020-01-01',
  operations: {},
  shapes,
  iam: {},
});
/** Plain JSON of a read value, so that null-prototype objects compare with literals. */
const plain = (value: InputValue | undefined) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
const refusedWith = (read: () => unknown, message: string) => {
  expect(read).toThrow(AmbiguousInputError);
  expect(read).toThrow(message);
};

const M = model({
  Input: {
    type: 'structure',
    members: {
      Name: { target: 'string' },
      Renamed: { target: 'string', jsonName: 'renamed_on_wire', xmlName: 'RenamedXml' },
      Count: { target: 'number' },
      Flag: { target: 'boolean' },
      When: { target: 'timestamp' },
      Data: { target: 'blob' },
      Doc: { target: 'document' },
      Nested: { target: 'Input' },
      Names: { target: 'NameList' },
      Items: { target: 'ItemList' },
      Tags: { target: 'TagMap' },
      Choice: { target: 'Choice' },
      Id: { target: 'string', xmlName: 'id', attribute: true },
      Flat: { target: 'NameList', xmlName: 'FlatName', flattened: true },
      FlatMap: { target: 'TagMap', xmlName: 'Attr', flattened: true },
    },
  },
  NameList: { type: 'list', member: { target: 'string' } },
  ItemList: { type: 'list', member: { target: 'Item', xmlName: 'Item' } },
  Item: { type: 'structure', members: { Key: { target: 'string' }, Value: { target: 'string' } } },
  TagMap: { type: 'map', key: { target: 'string' }, value: { target: 'string' } },
  Choice: { type: 'union', members: { A: { target: 'string' }, B: { target: 'number' } } },
});

describe('readDocument: awsJson / CBOR (member names) and restJson1 (jsonName) documents', () => {
  it('reads members by name, drops names the model does not have', () => {
    expect(plain(readDocument(M, 'Input', { Name: 'n', Count: 3, Flag: false, Unknown: 'x', Nested: { Name: 'inner' } }, false))).toStrictEqual({
      Name: 'n',
      Count: 3,
      Flag: false,
      Nested: { Name: 'inner' },
    });
  });

  it('restJson1 reads a member under its jsonName; awsJson under its member name', () => {
    const doc = { renamed_on_wire: 'json', Renamed: 'member' };
    expect(plain(readDocument(M, 'Input', doc, true))).toStrictEqual({ Renamed: 'json' });
    expect(plain(readDocument(M, 'Input', doc, false))).toStrictEqual({ Renamed: 'member' });
  });

  it('reads only own names: nothing from a prototype', () => {
    const inherited = Object.create({ Name: 'from-prototype' }) as Record<string, unknown>;
    expect(plain(readDocument(M, 'Input', inherited, false))).toStrictEqual({});
  });

  it('lists: items in order, an item of the wrong type as null', () => {
    expect(plain(readDocument(M, 'Input', { Names: ['a', {}, 'b'], Items: [{ Key: 'k' }, 'x'] }, false))).toStrictEqual({ Names: ['a', null, 'b'], Items: [{ Key: 'k' }, null] });
  });

  it('a value of the wrong kind is left out: a list that is no array, a structure that is no object', () => {
    expect(plain(readDocument(M, 'Input', { Names: 'a', Nested: 'x', Tags: [1], Name: { S: 'x' } }, false))).toStrictEqual({});
  });

  it('maps: every key, prototype names as plain keys of a prototype-free object', () => {
    const read = readDocument(M, 'Input', JSON.parse('{"Tags":{"__proto__":"p","constructor":"c","a":null}}'), false) as Record<string, Record<string, InputValue>>;
    const tags = read.Tags!;
    expect(Object.getPrototypeOf(tags)).toBeNull();
    expect(Object.entries(tags)).toStrictEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['a', null],
    ]);
  });

  it('every structure read is prototype-free', () => {
    const read = readDocument(M, 'Input', { Nested: {} }, false) as Record<string, InputValue>;
    expect(Object.getPrototypeOf(read)).toBeNull();
    expect(Object.getPrototypeOf(read.Nested)).toBeNull();
  });

  it('a name that is a member\'s in another case is refused (a case-folding reader would take it for the member)', () => {
    refusedWith(() => readDocument(M, 'Input', { Name: 'a', name: 'b' }, false), '"name" is the member Name in another case');
    refusedWith(() => readDocument(M, 'Input', { NAME: 'b' }, false), '"NAME" is the member Name in another case');
    refusedWith(() => readDocument(M, 'Input', { Nested: { nested: {} } }, false), '"nested" is the member Nested in another case');
    refusedWith(() => readDocument(M, 'Input', { Renamed_On_Wire: 'x' }, true), '"Renamed_On_Wire" is the member renamed_on_wire in another case');
  });

  it('case twins in map keys and documents are data, not members', () => {
    expect(plain(readDocument(M, 'Input', { Tags: { Id: '1', id: '2' }, Doc: { A: 1, a: 2 } }, false))).toStrictEqual({ Tags: { Id: '1', id: '2' }, Doc: { A: 1, a: 2 } });
  });

  it('unions read like structures', () => {
    expect(plain(readDocument(M, 'Input', { Choice: { A: 'x', C: 1 } }, false))).toStrictEqual({ Choice: { A: 'x' } });
  });

  it('scalars: strings, numbers and booleans as given; CBOR dates as ISO text and bytes as base64; documents as given', () => {
    const read = readDocument(M, 'Input', { When: new Date(Date.UTC(2020, 0, 2)), Data: new Uint8Array([1, 2, 3]), Doc: { any: [1, { x: null }] } }, false);
    expect(plain(read)).toStrictEqual({ When: '2020-01-02T00:00:00.000Z', Data: 'AQID', Doc: { any: [1, { x: null }] } });
  });

  // Was a bug (shape-reader.ts, low): the comment says CBOR timestamps arrive as Date, but the SDK codec
  // returns an epoch-seconds timestamp (tag 1) as a { tag, value } object, which reads as no value.
  it('reads a CBOR epoch timestamp (tag 1) as ISO text', () => {
    const body = parseCbor(Buffer.from('a1 64 5768656e c1 1a 5e0d3280'.replace(/ /g, ''), 'hex'));
    expect(body.ok).toBe(true);
    expect(plain(readDocument(M, 'Input', body.ok ? body.value : undefined, false))).toStrictEqual({ When: '2020-01-02T00:00:00.000Z' });
  });

  it('a shape given inline (a REST body\'s members) reads like a named one', () => {
    expect(plain(readDocument(M, { type: 'structure', members: { Name: { target: 'string' } } }, { Name: 'n', Count: 1 }, false))).toStrictEqual({ Name: 'n' });
  });

  it('a document that is not an object reads as nothing', () => {
    expect(readDocument(M, 'Input', [], false)).toBeUndefined();
    expect(readDocument(M, 'Input', null, false)).toBeUndefined();
    expect(readDocument(M, 'Input', 'x', false)).toBeUndefined();
  });

  it('nesting up to 64 levels is read; deeper is refused', () => {
    const nest = (levels: number): Record<string, unknown> => (levels === 0 ? { Name: 'deep' } : { Nested: nest(levels - 1) });
    expect(() => readDocument(M, 'Input', nest(63), false)).not.toThrow();
    refusedWith(() => readDocument(M, 'Input', nest(65), false), 'the document nests deeper than the proxy reads');
  });
});

describe('readXml: restXml bodies', () => {
  const root = (xml: string): XmlNode => {
    const parsed = parseXml(xml);
    if (!parsed.ok) throw new Error(parsed.error);
    return Object.values(parsed.value)[0]!;
  };
  const readRoot = (xml: string, shape = 'Input') => plain(readXml(M, shape, root(xml)));

  it('elements by xmlName (else member name), text kept as sent', () => {
    expect(readRoot('<Input><Name> n </Name><RenamedXml>r</RenamedXml><Renamed>ignored</Renamed><Count>3</Count></Input>')).toStrictEqual({ Name: ' n ', Renamed: 'r', Count: '3' });
  });

  it('attributes by their xmlName', () => {
    expect(readRoot('<Input id="7"><Name>n</Name></Input>')).toStrictEqual({ Name: 'n', Id: '7' });
  });

  it('a non-flattened list: items in <member> or the member\'s xmlName', () => {
    expect(readRoot('<Input><Names><member>a</member><member>b</member></Names><Items><Item><Key>k</Key></Item></Items></Input>')).toStrictEqual({
      Names: ['a', 'b'],
      Items: [{ Key: 'k' }],
    });
  });

  it('a flattened list: the member element repeated in place', () => {
    expect(readRoot('<Input><FlatName>a</FlatName><FlatName>b</FlatName></Input>')).toStrictEqual({ Flat: ['a', 'b'] });
    expect(readRoot('<Input><FlatName>a</FlatName></Input>')).toStrictEqual({ Flat: ['a'] });
  });

  it('an empty non-flattened list element', () => {
    expect(readRoot('<Input><Names></Names></Input>')).toStrictEqual({});
    expect(readRoot('<Input><Names><other>x</other></Names></Input>')).toStrictEqual({ Names: [] });
  });

  it('a non-flattened map: <entry><key/><value/></entry>; a flattened one repeats its entries in place', () => {
    expect(readRoot('<Input><Tags><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></Tags></Input>')).toStrictEqual({ Tags: { a: '1', b: '2' } });
    expect(readRoot('<Input><Attr><key>a</key><value>1</value></Attr><Attr><key>b</key><value>2</value></Attr></Input>')).toStrictEqual({ FlatMap: { a: '1', b: '2' } });
  });

  it('a map entry without a key is skipped; without a value its value is null', () => {
    expect(readRoot('<Input><Tags><entry><value>1</value></entry><entry><key>k</key></entry></Tags></Input>')).toStrictEqual({ Tags: { k: null } });
  });

  it('map keys named like prototype members stay plain keys', () => {
    const read = readXml(M, 'Input', root('<Input><Tags><entry><key>__proto__</key><value>x</value></entry><entry><key>toString</key><value>y</value></entry></Tags></Input>')) as Record<string, Record<string, InputValue>>;
    expect(Object.entries(read.Tags!)).toStrictEqual([
      ['__proto__', 'x'],
      ['toString', 'y'],
    ]);
  });

  it('a map key given twice is refused', () => {
    refusedWith(() => readRoot('<Input><Tags><entry><key>a</key><value>1</value></entry><entry><key>a</key><value>2</value></entry></Tags></Input>'), 'the map key "a" appears twice');
  });

  it('an element that holds one value given twice is refused: a scalar, a structure, a list wrapper, a map key', () => {
    const twice = 'an XML element that holds one value appears more than once';
    refusedWith(() => readRoot('<Input><Name>a</Name><Name>b</Name></Input>'), twice);
    refusedWith(() => readRoot('<Input><Nested><Name>a</Name></Nested><Nested/></Input>'), twice);
    refusedWith(() => readRoot('<Input><Names><member>a</member></Names><Names><member>b</member></Names></Input>'), twice);
    refusedWith(() => readRoot('<Input><Items><Item><Key>a</Key><Key>b</Key></Item></Items></Input>'), twice);
    refusedWith(() => readRoot('<Input><Tags><entry><key>a</key><key>b</key><value>1</value></entry></Tags></Input>'), twice);
  });

  it('a structure given as text reads as empty; a scalar given as an element reads its text', () => {
    expect(readRoot('<Input><Nested>text</Nested><Name attr="1">n</Name></Input>')).toStrictEqual({ Nested: {}, Name: 'n' });
    expect(readRoot('<Input><Name><b>x</b></Name></Input>')).toStrictEqual({ Name: '' });
  });

  it('nesting up to 64 levels is read; deeper is refused', () => {
    const xml = (levels: number) => `<Input>${'<Nested>'.repeat(levels)}<Name>x</Name>${'</Nested>'.repeat(levels)}</Input>`;
    expect(() => readRoot(xml(63))).not.toThrow();
    refusedWith(() => readRoot(xml(66)), 'the XML document nests deeper than the proxy reads');
  });

  it('reads the S3 DeleteObjects body of the real model', () => {
    const s3 = defaultCatalog().service('s3');
    expect(plain(readXml(s3, 'Delete', root('<Delete><Quiet>true</Quiet><Object><Key>a</Key><VersionId>v</VersionId></Object><Object><Key>b</Key></Object></Delete>')))).toStrictEqual({
      Objects: [{ Key: 'a', VersionId: 'v' }, { Key: 'b' }],
      Quiet: 'true',
    });
  });

  // BUG (shape-reader.ts with xml.ts): the XML parser drops namespace prefixes (xsi:type → @_type) but
  // the reader looks the attribute up by its full xmlName (@_xsi:type), so S3's Grantee Type is never read.
  it.fails('reads a namespaced attribute (S3 Grantee xsi:type)', () => {
    const s3 = defaultCatalog().service('s3');
    const grantee = root('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee>');
    expect(plain(readXml(s3, 'Grantee', grantee))).toStrictEqual({ ID: 'abc', Type: 'CanonicalUser' });
  });
});

describe('readQueryParameters: awsQuery', () => {
  const Q = model({
    Input: {
      type: 'structure',
      members: {
        Name: { target: 'string' },
        Renamed: { target: 'string', xmlName: 'Wire' },
        Names: { target: 'NameList' },
        Custom: { target: 'CustomList' },
        Flat: { target: 'NameList', xmlName: 'Flat', flattened: true },
        Tags: { target: 'TagList' },
        Attrs: { target: 'AttrMap' },
        FlatAttrs: { target: 'AttrMap', xmlName: 'Attribute', flattened: true },
        Nested: { target: 'Input' },
        Deep: { target: 'Input' },
      },
    },
    NameList: { type: 'list', member: { target: 'string' } },
    CustomList: { type: 'list', member: { target: 'string', xmlName: 'Item' } },
    TagList: { type: 'list', member: { target: 'Tag' } },
    Tag: { type: 'structure', members: { Key: { target: 'string' }, Value: { target: 'string' } } },
    AttrMap: { type: 'map', key: { target: 'string', xmlName: 'Name' }, value: { target: 'string', xmlName: 'Value' } },
  });
  const read = (params: Record<string, string>, style: 'awsQuery' | 'ec2Query' = 'awsQuery') => plain(readQueryParameters(Q, 'Input', new Map(Object.entries(params)), style));

  it('scalars by xmlName, else member name; names the model lacks are left alone', () => {
    expect(read({ Name: 'n', Wire: 'w', Renamed: 'ignored', Other: 'x' })).toStrictEqual({ Name: 'n', Renamed: 'w' });
  });

  it('lists: Name.member.N, or Name.<member xmlName>.N, in numeric order', () => {
    expect(read({ 'Names.member.2': 'b', 'Names.member.1': 'a', 'Names.member.10': 'j', ...Object.fromEntries([3, 4, 5, 6, 7, 8, 9].map((i) => [`Names.member.${i}`, `${i}`])) })).toStrictEqual({
      Names: ['a', 'b', '3', '4', '5', '6', '7', '8', '9', 'j'],
    });
    expect(read({ 'Custom.Item.1': 'x' })).toStrictEqual({ Custom: ['x'] });
  });

  it('flattened lists: Name.N', () => {
    expect(read({ 'Flat.1': 'a', 'Flat.2': 'b' })).toStrictEqual({ Flat: ['a', 'b'] });
  });

  it('lists of structures', () => {
    expect(read({ 'Tags.member.1.Key': 'k1', 'Tags.member.1.Value': 'v1', 'Tags.member.2.Key': 'k2' })).toStrictEqual({ Tags: [{ Key: 'k1', Value: 'v1' }, { Key: 'k2' }] });
  });

  it('maps: Name.entry.N.<key>/<value>; flattened: Name.N.<key>/<value>', () => {
    expect(read({ 'Attrs.entry.1.Name': 'a', 'Attrs.entry.1.Value': '1', 'Attrs.entry.2.Name': 'b' })).toStrictEqual({ Attrs: { a: '1', b: null } });
    expect(read({ 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '5' })).toStrictEqual({ FlatAttrs: { DelaySeconds: '5' } });
  });

  it('a map entry without a key is skipped', () => {
    expect(read({ 'Attrs.entry.1.Value': '1' })).toStrictEqual({ Attrs: {} });
  });

  it('map keys named like prototype members stay plain keys', () => {
    const value = readQueryParameters(Q, 'Input', new Map([['Attribute.1.Name', '__proto__'], ['Attribute.1.Value', 'x']]), 'awsQuery') as Record<string, Record<string, InputValue>>;
    expect(Object.entries(value.FlatAttrs!)).toStrictEqual([['__proto__', 'x']]);
  });

  it('a map key given twice is refused', () => {
    refusedWith(() => read({ 'Attribute.1.Name': 'a', 'Attribute.1.Value': '1', 'Attribute.2.Name': 'a', 'Attribute.2.Value': '2' }), 'the map key "a" appears twice');
  });

  it('nested structures: A.B.C', () => {
    expect(read({ 'Nested.Name': 'n', 'Nested.Nested.Names.member.1': 'x' })).toStrictEqual({ Nested: { Name: 'n', Nested: { Names: ['x'] } } });
  });

  it.each([
    ['a gap', { 'Names.member.1': 'a', 'Names.member.3': 'c' }, 'the items of "Names.member" are not numbered 1 to 2'],
    ['numbering from 2', { 'Names.member.2': 'b' }, 'the items of "Names.member" are not numbered 1 to 1'],
    ['item 0', { 'Names.member.0': 'a' }, '"Names.member.0" is not numbered as a list item (1, 2, …)'],
    ['a leading zero', { 'Names.member.1': 'a', 'Names.member.01': 'b' }, '"Names.member.01" is not numbered as a list item (1, 2, …)'],
    ['a name for a number', { 'Names.member.first': 'a' }, '"Names.member.first" is not numbered as a list item (1, 2, …)'],
    ['a sign', { 'Names.member.+1': 'a' }, '"Names.member.+1" is not numbered as a list item (1, 2, …)'],
    ['seven digits', { 'Names.member.1000000': 'a' }, '"Names.member.1000000" is not numbered as a list item (1, 2, …)'],
    ['nothing after the dot', { 'Names.member.': 'a' }, '"Names.member." is not numbered as a list item (1, 2, …)'],
    ['a gap in a map', { 'Attribute.1.Name': 'a', 'Attribute.3.Name': 'c' }, 'the items of "Attribute" are not numbered 1 to 2'],
    ['a gap in a nested list', { 'Tags.member.1.Key': 'a', 'Nested.Names.member.2': 'b' }, 'the items of "Nested.Names.member" are not numbered 1 to 1'],
  ])('refuses list items with %s', (_, params, message) => {
    refusedWith(() => read(params), message);
  });

  it('parameters nested deeper than the reader reads are refused', () => {
    const key = `${'Deep.'.repeat(70)}Name`;
    refusedWith(() => read({ [key]: 'x' }), 'the parameters nest deeper than the proxy reads');
  });

  it('a structure named only by a prefix that is also a value reads what is under it', () => {
    expect(read({ Nested: 'scalar', 'Nested.Name': 'n' })).toStrictEqual({ Nested: { Name: 'n' } });
  });

  it('ec2Query: every list is Name.N, names capitalised, ec2Name first', () => {
    const E = model({
      Input: {
        type: 'structure',
        members: {
          InstanceIds: { target: 'Ids', xmlName: 'InstanceId' },
          dryRun: { target: 'string' },
          Filters: { target: 'Filters', xmlName: 'Filter' },
          Odd: { target: 'string', xmlName: 'xmlOdd', ec2Name: 'EC2Odd' },
        },
      },
      Ids: { type: 'list', member: { target: 'string' } },
      Filters: { type: 'list', member: { target: 'Filter' } },
      Filter: { type: 'structure', members: { Name: { target: 'string' }, Values: { target: 'Ids', xmlName: 'Value' } } },
    });
    const ec2 = (params: Record<string, string>) => plain(readQueryParameters(E, 'Input', new Map(Object.entries(params)), 'ec2Query'));
    expect(ec2({ 'InstanceId.1': 'i-1', 'InstanceId.2': 'i-2', DryRun: 'true', 'Filter.1.Name': 'tag:env', 'Filter.1.Value.1': 'a', EC2Odd: 'o', XmlOdd: 'ignored' })).toStrictEqual({
      InstanceIds: ['i-1', 'i-2'],
      dryRun: 'true',
      Filters: [{ Name: 'tag:env', Values: ['a'] }],
      Odd: 'o',
    });
    refusedWith(() => ec2({ 'InstanceId.member.1': 'i-1' }), '"InstanceId.member.1" is not numbered as a list item (1, 2, …)');
  });

  // Was questionable: a list parameter given without an index (`Names=x`) read as an empty list; a
  // service that took it as one item would have acted on it unseen.
  it('a list given without an index is refused', () => {
    expect(() => read({ Names: 'x' })).toThrow(AmbiguousInputError);
  });

  // Was questionable: a parameter named like a member in another case was ignored; a service folding
  // case would read it.
  it('a member name in another case is refused', () => {
    expect(() => read({ 'names.member.1': 'x' })).toThrow(AmbiguousInputError);
    expect(() => read({ name: 'n' })).toThrow(AmbiguousInputError);
  });
});
