import { describe, expect, it } from 'vitest';
import { defaultCatalog, ServiceCatalog } from '../../src/services/catalog.js';
import type { CatalogIndex, ServiceModel } from '../../src/services/model.js';

const FIXTURE = new URL('./catalog-fixture/', import.meta.url);

describe('ServiceCatalog.fromDirectory', () => {
  it('reads the index, and a service\'s model from services/<id>.json', () => {
    const catalog = ServiceCatalog.fromDirectory(FIXTURE);
    expect(Object.keys(catalog.index.services)).toStrictEqual(['demo']);
    const demo = catalog.service('demo');
    expect([demo.id, demo.shapeName, Object.keys(demo.operations)]).toStrictEqual(['demo', 'Demo_20200101', ['GetThing']]);
  });

  it('the index as written: partitions and endpoint templates', () => {
    const fixture: CatalogIndex = ServiceCatalog.fromDirectory(FIXTURE).index;
    expect(fixture.partitions.map((p) => p.id)).toStrictEqual(['aws', 'aws-us-gov']);
    expect(fixture.endpoints).toStrictEqual([{ service: 'demo', host: 'demo.{Region}.{dnsSuffix}', signingName: 'demo', signingRegion: '{Region}' }]);
  });

  it('a directory without an index cannot be read', () => {
    expect(() => ServiceCatalog.fromDirectory(new URL('./no-such-dir/', FIXTURE))).toThrow(/ENOENT/);
  });
});

describe('ServiceCatalog', () => {
  const index = ServiceCatalog.fromDirectory(FIXTURE).index;
  const counting = () => {
    const reads: string[] = [];
    const catalog = new ServiceCatalog(index, (id) => {
      reads.push(id);
      return { id } as ServiceModel;
    });
    return { catalog, reads };
  };

  it('reads a model on its first use only', () => {
    const { catalog, reads } = counting();
    const first = catalog.service('demo');
    expect(catalog.service('demo')).toBe(first);
    expect(reads).toStrictEqual(['demo']);
  });

  it.each(['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '', '../index'])('refuses %j, an id the index does not list, without reading', (id) => {
    const { catalog, reads } = counting();
    expect(() => catalog.service(id)).toThrow(`no service "${id}" in the catalog`);
    expect(reads).toStrictEqual([]);
  });

  it('hostSuffixes: each partition\'s DNS suffixes, once', () => {
    expect(counting().catalog.hostSuffixes()).toStrictEqual(['amazonaws.com', 'api.aws']);
  });
});

describe('defaultCatalog', () => {
  it('is one shared catalog', () => {
    expect(defaultCatalog()).toBe(defaultCatalog());
  });

  it('covers the commercial, China and GovCloud partitions and their suffixes', () => {
    const catalog = defaultCatalog();
    expect(catalog.index.version).toBe(1);
    expect(catalog.index.partitions.map((p) => p.id)).toStrictEqual(['aws', 'aws-cn', 'aws-us-gov']);
    expect(catalog.hostSuffixes()).toStrictEqual(['amazonaws.com', 'api.aws', 'amazonaws.com.cn', 'api.amazonwebservices.com.cn']);
  });

  it('knows the services the proxy is tested against, in their protocols', () => {
    const protocols = (id: string) => defaultCatalog().service(id).protocols;
    expect(protocols('s3')).toStrictEqual(['restXml']);
    expect(protocols('dynamodb')).toStrictEqual(['awsJson1_0']);
    expect(protocols('sqs')).toStrictEqual(['awsQuery', 'awsJson1_0']);
    expect(protocols('cloudwatch')).toStrictEqual(['awsQuery', 'awsJson1_0', 'rpcv2Cbor']);
    expect(protocols('ec2')).toStrictEqual(['ec2Query']);
    expect(defaultCatalog().service('s3-control').iamPrefix).toBe('s3');
  });
});
