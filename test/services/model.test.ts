import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/services/catalog.js';
import { SCALAR_TYPES, type Member, type Protocol, type ServiceModel, type Shape } from '../../src/services/model.js';

/**
 * The generated catalog keeps the promises model.ts makes about it: the resolver reads it without
 * checking, so a generator change that broke one would misread requests silently.
 */
const PROTOCOLS: Protocol[] = ['awsJson1_0', 'awsJson1_1', 'awsQuery', 'ec2Query', 'restJson1', 'restXml', 'rpcv2Cbor'];
const catalog = defaultCatalog();
const models: ServiceModel[] = Object.keys(catalog.index.services).map((id) => catalog.service(id));

function members(shape: Shape): Array<[string, Member]> {
  switch (shape.type) {
    case 'structure':
    case 'union':
      return Object.entries(shape.members);
    case 'list':
      return [['member', shape.member]];
    case 'map':
      return [
        ['key', shape.key],
        ['value', shape.value],
      ];
  }
}
const everyMember = (model: ServiceModel) => Object.entries(model.shapes).flatMap(([name, shape]) => members(shape).map(([member, m]) => [`${model.id}.${name}.${member}`, m] as const));

describe('the generated catalog', () => {
  it('has hundreds of services, each model under its own id with the index\'s signing name and protocols', () => {
    expect(models.length).toBeGreaterThan(300);
    const mismatched = models.filter((m) => {
      const summary = catalog.index.services[m.id]!;
      return m.signingName !== summary.signingName || m.sdkId !== summary.sdkId || JSON.stringify(m.protocols) !== JSON.stringify(summary.protocols);
    });
    expect(mismatched.map((m) => m.id)).toStrictEqual([]);
  });

  it('names only protocols model.ts knows, at least one per service', () => {
    expect(models.filter((m) => m.protocols.length === 0 || !m.protocols.every((p) => PROTOCOLS.includes(p))).map((m) => m.id)).toStrictEqual([]);
  });

  it('every member targets a scalar type or a shape of its model', () => {
    const dangling = models.flatMap((m) => everyMember(m).filter(([, member]) => !(SCALAR_TYPES as readonly string[]).includes(member.target) && !Object.hasOwn(m.shapes, member.target)).map(([where]) => where));
    expect(dangling).toStrictEqual([]);
  });

  it('every operation input is a structure of its model', () => {
    const bad = models.flatMap((m) => Object.entries(m.operations).filter(([, op]) => op.input !== undefined && m.shapes[op.input]?.type !== 'structure').map(([name]) => `${m.id}.${name}`));
    expect(bad).toStrictEqual([]);
  });

  it('every operation of a REST service has an HTTP binding: an uppercase method and a path', () => {
    const rest = models.filter((m) => m.protocols.some((p) => p === 'restJson1' || p === 'restXml'));
    const bad = rest.flatMap((m) => Object.entries(m.operations).filter(([, op]) => !op.http || !/^[A-Z]+$/.test(op.http[0]) || !op.http[1].startsWith('/')).map(([name]) => `${m.id}.${name}`));
    expect(bad).toStrictEqual([]);
  });

  it('query, header and prefix-header members carry their wire name; header names are lowercase', () => {
    const bad = models.flatMap((m) =>
      everyMember(m)
        .filter(([, x]) => (x.location === 'query' || x.location === 'header' || x.location === 'prefixHeaders') && (!x.name || (x.location !== 'query' && x.name !== x.name.toLowerCase())))
        .map(([where]) => where),
    );
    expect(bad).toStrictEqual([]);
  });

  it('every RPC service has a target prefix, and every map entry is for an operation of the model', () => {
    expect(models.filter((m) => m.targetPrefixes.length === 0).map((m) => m.id)).toStrictEqual([]);
    expect(models.flatMap((m) => Object.keys(m.iam).filter((op) => !Object.hasOwn(m.operations, op)).map((op) => `${m.id}.${op}`))).toStrictEqual([]);
  });

  it('every endpoint is for a service of the index', () => {
    expect(catalog.index.endpoints.filter((e) => !Object.hasOwn(catalog.index.services, e.service))).toStrictEqual([]);
  });
});
