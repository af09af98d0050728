import { describe, expect, it } from 'vitest';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';
import { IamReference } from '../../../src/pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../../../src/pipeline/resolve/endpoint/match-endpoint.js';
import { resolveRequest, type Resolution, type ResolveDeps } from '../../../src/pipeline/resolve/resolve.js';
import { ServiceCatalog } from '../../../src/services/catalog.js';
import type { CatalogIndex, MapEntry, ServiceModel } from '../../../src/services/model.js';
import { resolveCase } from '../../support/resolve-case.js';

const HOST = 'shared.us-east-1.amazonaws.com';

/** A JSON service named `id` whose operations map to the given actions. */
function model(id: string, actions: Record<string, string>): ServiceModel {
  return {
    id,
    sdkId: id,
    sdkName: id,
    iamPrefix: 'sqs',
    signingName: 'shared',
    protocols: ['awsJson1_0'],
    shapeName: 'Shared',
    targetPrefixes: ['Shared'],
    version: '2020-01-01',
    operations: Object.fromEntries(Object.keys(actions).map((op) => [op, {}])),
    shapes: {},
    iam: Object.fromEntries(Object.entries(actions).map(([op, action]): [string, MapEntry[]] => [op, [{ action }]])),
  };
}

/** One endpoint read by several services' models, as RDS's is by Neptune's and DocumentDB's. */
function sharedEndpoint(models: ServiceModel[]): ResolveDeps {
  const index: CatalogIndex = {
    version: 1,
    sources: [],
    partitions: [{ id: 'aws', dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws', regionRegex: '^us\\-\\w+\\-\\d+$', implicitGlobalRegion: 'us-east-1' }],
    services: Object.fromEntries(models.map((m) => [m.id, { sdkId: m.sdkId, signingName: 'shared', protocols: m.protocols }])),
    endpoints: models.map((m) => ({ service: m.id, host: 'shared.{Region}.{dnsSuffix}', signingName: 'shared', signingRegion: '{Region}' })),
  };
  const catalog = new ServiceCatalog(index, (id) => models.find((m) => m.id === id)!);
  return { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };
}

function call(operation: string, deps: ResolveDeps): Promise<Resolution> {
  const headers = { host: HOST, 'x-amz-target': `Shared.${operation}`, 'content-type': 'application/x-amz-json-1.0' };
  const request = new AwsRequest('POST', '/', HOST, headers, Object.entries(headers).flat());
  request.setBody(Buffer.from('{}'));
  return resolveRequest(request, { scope: { service: 'shared', region: 'us-east-1' }, accountId: '123456789012', readBody: async () => Buffer.from('{}') }, deps);
}

const actionsOf = (resolution: Resolution) => (resolution.ok ? resolution.call.authorizations.map((a) => a.action) : resolution.error.code);

describe('resolveRequest: an endpoint several service models read', () => {
  it('the owner (whose API contains the others) reads it, even where the others would read it otherwise', async () => {
    const deps = sharedEndpoint([model('neptune', { Get: 'sqs:DeleteQueue' }), model('rds', { Get: 'sqs:GetQueueUrl', Only: 'sqs:ListQueues' })]);
    const resolution = await call('Get', deps);
    expect(resolution.ok && resolution.call.service).toBe('rds');
    expect(actionsOf(resolution)).toStrictEqual(['sqs:GetQueueUrl']);
    expect(actionsOf(await call('Only', deps))).toStrictEqual(['sqs:ListQueues']);
  });

  it('readings that agree are one', async () => {
    const deps = sharedEndpoint([model('a', { Get: 'sqs:GetQueueUrl' }), model('b', { Get: 'sqs:GetQueueUrl' })]);
    expect(actionsOf(await call('Get', deps))).toStrictEqual(['sqs:GetQueueUrl']);
  });

  it('readings that differ with no owner to settle them are refused as ambiguous', async () => {
    const deps = sharedEndpoint([model('a', { Get: 'sqs:GetQueueUrl', OnlyA: 'sqs:ListQueues' }), model('b', { Get: 'sqs:DeleteQueue', OnlyB: 'sqs:PurgeQueue' })]);
    const resolution = await call('Get', deps);
    expect(resolution.ok).toBe(false);
    expect(!resolution.ok && resolution.error.message).toMatch(/ambiguous request: it reads as a Get and b Get/);
    // An operation only one of them has is that one's.
    expect(actionsOf(await call('OnlyB', deps))).toStrictEqual(['sqs:PurgeQueue']);
  });

  it('an operation none of them has is an unknown operation', async () => {
    const deps = sharedEndpoint([model('a', { Get: 'sqs:GetQueueUrl' }), model('b', { Get: 'sqs:GetQueueUrl', Put: 'sqs:SendMessage' })]);
    expect(actionsOf(await call('Delete', deps))).toBe('UnknownOperationException');
  });
});

describe('resolveRequest: the host names the service, the scope must fit it', () => {
  it('a scope for another service than the host is SignatureDoesNotMatch', async () => {
    const resolution = await resolveCase({ method: 'GET', host: 's3.amazonaws.com', path: '/', scope: 'sts/us-east-1' });
    expect(!resolution.ok && resolution.error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', message: expect.stringContaining("'s3'") });
  });

  it('a region the endpoint does not sign for is SignatureDoesNotMatch', async () => {
    const resolution = await resolveCase({ method: 'POST', host: 'sqs.eu-west-1.amazonaws.com', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListQueues', scope: 'sqs/us-east-1' });
    expect(!resolution.ok && resolution.error).toMatchObject({ code: 'SignatureDoesNotMatch', message: expect.stringContaining("'eu-west-1'") });
  });

  it('a region-free endpoint accepts any region of its partition and no other', async () => {
    const ok = await resolveCase({ method: 'GET', host: 'my-bucket.s3.amazonaws.com', path: '/k', scope: 's3/eu-west-1' });
    expect(ok.ok).toBe(true);
    const china = await resolveCase({ method: 'GET', host: 'my-bucket.s3.amazonaws.com', path: '/k', scope: 's3/cn-north-1' });
    expect(!china.ok && china.error.code).toBe('SignatureDoesNotMatch');
  });

  it('a host under an AWS domain that is no API the catalog knows is refused', async () => {
    const resolution = await resolveCase({ method: 'GET', host: 'nothing-here.us-east-1.amazonaws.com', path: '/', scope: 'sts/us-east-1' });
    expect(!resolution.ok && resolution.error.code).toBe('InvalidHostHeader');
  });
});
