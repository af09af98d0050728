import { describe, expect, it } from 'vitest';
import { parseRawQuery } from '../../../../src/aws/query.js';
import {
  candidateRoutes,
  compileRoute,
  decodeSegment,
  mostSpecific,
  pathView,
  routesOf,
  subresourceKeys,
  type Route,
  type RouteMatch,
} from '../../../../src/pipeline/resolve/decode/rest-router.js';
import { defaultCatalog } from '../../../../src/services/catalog.js';
import type { ServiceModel, StructureShape } from '../../../../src/services/model.js';

const s3Routes = routesOf(defaultCatalog().service('s3'));
const lambdaRoutes = routesOf(defaultCatalog().service('lambda'));
const NONE = new Set<string>();

/** The operations a request fits, and the one the router settles on. */
function route(routes: Route[], method: string, target: string, headers: string[] = [], preset: ReadonlySet<string> = NONE, hostPrefix?: string) {
  const [path = '', query = ''] = target.split('?', 2);
  const matches = candidateRoutes(routes, { method, path: pathView(path), query: parseRawQuery(query), hasHeader: (h) => headers.includes(h) }, preset, hostPrefix);
  const chosen = mostSpecific(matches);
  return { fits: matches.map((m) => m.route.operation).sort(), chosen: chosen?.route.operation, labels: chosen ? { ...chosen.labels } : undefined };
}

describe('compileRoute', () => {
  it('segments: literals, labels, greedy labels', () => {
    expect(compileRoute('Op', 'GET', '/2015-03-31/functions/{FunctionName}/code/{Path+}', undefined, undefined).segments).toStrictEqual([
      { literal: '2015-03-31' },
      { literal: 'functions' },
      { label: 'FunctionName', greedy: false },
      { literal: 'code' },
      { label: 'Path', greedy: true },
    ]);
  });

  it('the root path has no segments; a trailing slash adds none, an inner empty segment is kept', () => {
    expect(compileRoute('Op', 'GET', '/', undefined, undefined).segments).toStrictEqual([]);
    expect(compileRoute('Op', 'GET', '/a/', undefined, undefined).segments).toStrictEqual([{ literal: 'a' }]);
    expect(compileRoute('Op', 'GET', '/a//b', undefined, undefined).segments).toStrictEqual([{ literal: 'a' }, { literal: '' }, { literal: 'b' }]);
  });

  it('query literals, with and without a value; x-id dropped', () => {
    const r = compileRoute('ListObjectsV2', 'GET', '/{Bucket}?list-type=2&x-id=ListObjectsV2&acl', undefined, undefined);
    expect(r.queryLiterals).toStrictEqual([
      ['list-type', '2'],
      ['acl', undefined],
    ]);
  });

  it('a query literal value keeps what follows its first =', () => {
    expect(compileRoute('Op', 'GET', '/?a=b=c', undefined, undefined).queryLiterals).toStrictEqual([['a', 'b=c']]);
  });

  it('required query keys and headers from the input; optional ones and other locations are not required', () => {
    const input: StructureShape = {
      type: 'structure',
      members: {
        UploadId: { target: 'string', location: 'query', name: 'uploadId', required: true },
        PartNumber: { target: 'number', location: 'query', name: 'partNumber' },
        CopySource: { target: 'string', location: 'header', name: 'x-amz-copy-source', required: true },
        Acl: { target: 'string', location: 'header', name: 'x-amz-acl' },
        Bucket: { target: 'string', location: 'label', required: true },
        Body: { target: 'string', required: true },
      },
    };
    const r = compileRoute('UploadPartCopy', 'PUT', '/{Bucket}/{Key+}', input, 'data.');
    expect([r.requiredQuery, r.requiredHeaders, r.hostPrefix, r.method, r.operation]).toStrictEqual([['uploadId'], ['x-amz-copy-source'], 'data.', 'PUT', 'UploadPartCopy']);
  });

  it('routesOf compiles a model once, and skips operations without an HTTP binding', () => {
    const model = { operations: { A: { http: ['GET', '/a'] }, B: {} }, shapes: {} } as unknown as ServiceModel;
    const routes = routesOf(model);
    expect(routes.map((r) => r.operation)).toStrictEqual(['A']);
    expect(routesOf(model)).toBe(routes);
  });
});

describe('pathView and decodeSegment', () => {
  it('splits the raw path, and decodes each segment once', () => {
    expect(pathView('/b/a%2Fb/%252F/')).toStrictEqual({ raw: ['b', 'a%2Fb', '%252F', ''], decoded: ['b', 'a/b', '%2F', ''] });
  });

  it('the root path has no segments', () => {
    expect(pathView('/')).toStrictEqual({ raw: [], decoded: [] });
    expect(pathView('')).toStrictEqual({ raw: [], decoded: [] });
  });

  it('keeps a malformed escape as sent', () => {
    expect(decodeSegment('a%zz')).toBe('a%zz');
    expect(decodeSegment('%E0%A4')).toBe('%E0%A4');
    expect(decodeSegment('a+b')).toBe('a+b');
  });
});

describe('candidateRoutes and mostSpecific on S3', () => {
  it('ListObjects vs ListObjectsV2: list-type=2 selects V2, its absence V1', () => {
    expect(route(s3Routes, 'GET', '/b')).toMatchObject({ fits: ['ListObjects'], chosen: 'ListObjects', labels: { Bucket: 'b' } });
    expect(route(s3Routes, 'GET', '/b?list-type=2')).toMatchObject({ fits: ['ListObjects', 'ListObjectsV2'], chosen: 'ListObjectsV2' });
    expect(route(s3Routes, 'GET', '/b?list-type=1').fits).toStrictEqual(['ListObjects']);
  });

  it('PutObject, CopyObject, UploadPart, UploadPartCopy: the route that asks for the most', () => {
    expect(route(s3Routes, 'PUT', '/b/k')).toMatchObject({ fits: ['PutObject'], chosen: 'PutObject' });
    expect(route(s3Routes, 'PUT', '/b/k', ['x-amz-copy-source'])).toMatchObject({ fits: ['CopyObject', 'PutObject'], chosen: 'CopyObject' });
    expect(route(s3Routes, 'PUT', '/b/k?partNumber=1&uploadId=u')).toMatchObject({ fits: ['PutObject', 'UploadPart'], chosen: 'UploadPart' });
    expect(route(s3Routes, 'PUT', '/b/k?partNumber=1&uploadId=u', ['x-amz-copy-source'])).toMatchObject({
      fits: ['CopyObject', 'PutObject', 'UploadPart', 'UploadPartCopy'],
      chosen: 'UploadPartCopy',
    });
  });

  it('a subresource route over the plain one: PutObjectAcl over PutObject, ListParts over GetObject', () => {
    expect(route(s3Routes, 'PUT', '/b/k?acl').chosen).toBe('PutObjectAcl');
    expect(route(s3Routes, 'GET', '/b/k?uploadId=1')).toMatchObject({ chosen: 'ListParts', labels: { Bucket: 'b', Key: 'k' } });
  });

  it('?acl&tagging: two routes claim the request, none is chosen', () => {
    expect(route(s3Routes, 'GET', '/b/k?acl&tagging')).toStrictEqual({ fits: ['GetObject', 'GetObjectAcl', 'GetObjectTagging'], chosen: undefined, labels: undefined });
  });

  it('?uploads&uploadId: CreateMultipartUpload and CompleteMultipartUpload both claim it', () => {
    expect(route(s3Routes, 'POST', '/b/k?uploads&uploadId=1')).toMatchObject({ fits: ['CompleteMultipartUpload', 'CreateMultipartUpload'], chosen: undefined });
  });

  it('ListBuckets and ListDirectoryBuckets are both GET / (the signing name tells them apart)', () => {
    expect(route(s3Routes, 'GET', '/')).toMatchObject({ fits: ['ListBuckets', 'ListDirectoryBuckets'], chosen: undefined });
  });

  it('the method must match', () => {
    expect(route(s3Routes, 'PATCH', '/b/k').fits).toStrictEqual([]);
    expect(route(s3Routes, 'get', '/b/k').fits).toStrictEqual([]);
  });

  it('query literal keys are exact: ?ACL is not ?acl', () => {
    expect(route(s3Routes, 'GET', '/b/k?ACL').chosen).toBe('GetObject');
  });

  it('a greedy label at the end keeps a trailing slash and inner slashes', () => {
    expect(route(s3Routes, 'GET', '/b/dir/sub/')).toMatchObject({ chosen: 'GetObject', labels: { Bucket: 'b', Key: 'dir/sub/' } });
  });

  it('labels are percent-decoded once, an encoded slash included', () => {
    expect(route(s3Routes, 'GET', '/b/a%2Fb%252F')).toMatchObject({ chosen: 'GetObject', labels: { Bucket: 'b', Key: 'a/b%2F' } });
  });

  it('a greedy label is non-empty: /b/ is the bucket, not an empty key', () => {
    expect(route(s3Routes, 'GET', '/b/')).toMatchObject({ chosen: 'ListObjects', labels: { Bucket: 'b' } });
    expect(route(s3Routes, 'DELETE', '/b/').chosen).toBe('DeleteBucket');
  });

  it('a virtual-hosted bucket: routes that start with the preset label, matched on the rest of the path', () => {
    const preset = new Set(['Bucket']);
    expect(route(s3Routes, 'GET', '/', [], preset)).toMatchObject({ fits: ['ListObjects'], labels: {} });
    expect(route(s3Routes, 'GET', '/other-bucket/k', [], preset)).toMatchObject({ chosen: 'GetObject', labels: { Key: 'other-bucket/k' } });
  });

  it('a host prefix selects only the operations bound to it', () => {
    const control = routesOf(defaultCatalog().service('s3-control'));
    const get = (prefix: string | undefined) => route(control, 'GET', '/v20180820/configuration/publicAccessBlock', ['x-amz-account-id'], NONE, prefix).fits;
    expect(get('{AccountId}.')).toStrictEqual(['GetPublicAccessBlock']);
    expect(get(undefined)).toStrictEqual([]);
  });

  it('a required header absent: the route is not a candidate', () => {
    const control = routesOf(defaultCatalog().service('s3-control'));
    expect(route(control, 'GET', '/v20180820/configuration/publicAccessBlock', [], NONE, '{AccountId}.').fits).toStrictEqual([]);
  });
});

describe('candidateRoutes on Lambda: literals, trailing slashes, labels', () => {
  it('one trailing slash more or less is the same route', () => {
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/functions').chosen).toBe('ListFunctions');
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/functions/').chosen).toBe('ListFunctions');
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/functions//').chosen).toBeUndefined();
  });

  it('literal segments are compared decoded', () => {
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/%66unctions').chosen).toBe('ListFunctions');
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/Functions').chosen).toBeUndefined();
  });

  it('labels are non-empty', () => {
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/functions/fn/configuration')).toMatchObject({ chosen: 'GetFunctionConfiguration', labels: { FunctionName: 'fn' } });
    expect(route(lambdaRoutes, 'GET', '/2015-03-31/functions//configuration').fits).toStrictEqual([]);
  });

  it('label values may be names like __proto__ and stay plain keys', () => {
    const found = route(lambdaRoutes, 'GET', '/2015-03-31/functions/__proto__/configuration');
    expect(found.labels).toStrictEqual({ FunctionName: '__proto__' });
  });
});

describe('greedy labels not at the end', () => {
  const routes = [
    compileRoute('GetPortal', 'GET', '/portals/{arn+}', undefined, undefined),
    compileRoute('ListIdps', 'GET', '/portals/{arn+}/identityProviders', undefined, undefined),
    compileRoute('GetIdp', 'GET', '/portals/{arn+}/identityProviders/{id}', undefined, undefined),
  ];

  it('takes every segment between the literals around it', () => {
    expect(route(routes, 'GET', '/portals/arn:aws:x/p/1/identityProviders')).toMatchObject({ fits: ['GetPortal', 'ListIdps'], chosen: 'ListIdps', labels: { arn: 'arn:aws:x/p/1' } });
    expect(route(routes, 'GET', '/portals/a/b/identityProviders/i-1')).toMatchObject({ chosen: 'GetIdp', labels: { arn: 'a/b', id: 'i-1' } });
  });

  it('must take at least one segment', () => {
    expect(route(routes, 'GET', '/portals/identityProviders').fits).toStrictEqual(['GetPortal']);
  });

  it('a trailing slash after a middle greedy label is dropped', () => {
    expect(route(routes, 'GET', '/portals/a/identityProviders/')).toMatchObject({ chosen: 'ListIdps', labels: { arn: 'a' } });
  });

  it('the segments after it are decoded and compared like any others', () => {
    expect(route(routes, 'GET', '/portals/a/identity%50roviders')).toMatchObject({ chosen: 'ListIdps', labels: { arn: 'a' } });
  });
});

describe('mostSpecific', () => {
  const match = (r: Route): RouteMatch => ({ route: r, labels: {} });

  it('no candidates: none', () => {
    expect(mostSpecific([])).toBeUndefined();
  });

  it('a literal covers a label; a label does not cover a literal', () => {
    const literal = match(compileRoute('L', 'GET', '/a/b', undefined, undefined));
    const label = match(compileRoute('V', 'GET', '/a/{x}', undefined, undefined));
    expect(mostSpecific([label, literal])?.route.operation).toBe('L');
  });

  it('two routes that each ask for something the other does not: none', () => {
    const a = match(compileRoute('A', 'GET', '/{x}/b', undefined, undefined));
    const b = match(compileRoute('B', 'GET', '/a/{y}', undefined, undefined));
    expect(mostSpecific([a, b])).toBeUndefined();
  });

  it('identical routes: none (neither covers the other strictly)', () => {
    const a = match(compileRoute('A', 'GET', '/a?x', undefined, undefined));
    const b = match(compileRoute('B', 'GET', '/a?x', undefined, undefined));
    expect(mostSpecific([a, b])).toBeUndefined();
  });

  it('a plain label (one segment) is more specific than a greedy one', () => {
    const greedy = match(compileRoute('G', 'GET', '/a/{x+}', undefined, undefined));
    const plain = match(compileRoute('P', 'GET', '/a/{x}', undefined, undefined));
    expect(mostSpecific([greedy, plain])?.route.operation).toBe('P');
  });

  it('a greedy label with a literal after it is more specific than one at the end', () => {
    const end = match(compileRoute('E', 'GET', '/a/{x+}', undefined, undefined));
    const middle = match(compileRoute('M', 'GET', '/a/{x+}/b', undefined, undefined));
    expect(mostSpecific([end, middle])?.route.operation).toBe('M');
  });

  it('a required header makes a route more specific', () => {
    const input: StructureShape = { type: 'structure', members: { H: { target: 'string', location: 'header', name: 'x-h', required: true } } };
    const plain = match(compileRoute('P', 'PUT', '/{k}', undefined, undefined));
    const withHeader = match(compileRoute('H', 'PUT', '/{k}', input, undefined));
    expect(mostSpecific([plain, withHeader])?.route.operation).toBe('H');
  });
});

describe('subresourceKeys', () => {
  it('every query literal key of the service, x-id not among them', () => {
    const keys = subresourceKeys(s3Routes);
    for (const key of ['acl', 'tagging', 'uploads', 'delete', 'list-type', 'versioning', 'policy']) expect(keys.has(key)).toBe(true);
    for (const key of ['x-id', 'uploadId', 'partNumber', 'versionId', 'prefix']) expect(keys.has(key)).toBe(false);
  });

  it('a service without query literals has none', () => {
    expect(subresourceKeys([compileRoute('A', 'GET', '/a/{b}', undefined, undefined)]).size).toBe(0);
  });
});
