/**
 * The fake's answers for every service but S3 object storage: a generic success in the protocol the
 * request itself used, plus the few specific answers clients need to carry on (queue URLs, message
 * MD5s, a key id, a model's reply). The protocol is read from the request (signing name, headers,
 * body), never from the proxy's code, so the fake cannot share the proxy's mistakes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { queryOf, xmlEscape } from './fake-s3.js';
import type { Reply } from './fake-aws.js';

/** Protocol names as in Smithy's protocol traits. */
export type WireProtocol = 'rpcv2Cbor' | 'awsJson1_0' | 'awsJson1_1' | 'ec2Query' | 'awsQuery' | 'restXml' | 'restJson1';

export interface ServiceRequest {
  method: string;
  host: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The signing name and region from the verified Authorization header. */
  service: string;
  region: string;
  accountId: string;
}

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';
const S3_CONTROL_NAMESPACE = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
/** Signing names of the REST services whose bodies are XML (S3 itself is answered by fake-s3.ts). */
const REST_XML_SERVICES = new Set(['s3', 'route53', 'cloudfront']);

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

/** The query-protocol Action, from a form body or the URL; only plain identifiers (it becomes an element name). */
export function queryAction(request: Pick<ServiceRequest, 'headers' | 'body' | 'path'>): string | undefined {
  const form = header(request.headers, 'content-type').startsWith('application/x-www-form-urlencoded') ? request.body.toString() : '';
  const action = new URLSearchParams(form).get('Action') ?? queryOf(request.path).get('Action');
  return action && /^[A-Za-z][A-Za-z0-9]*$/.test(action) ? action : undefined;
}

/** The JSON content type to answer in, when the request was awsJson (X-Amz-Target or an x-amz-json type). */
export function jsonContentType(headers: IncomingHttpHeaders): string | undefined {
  const type = header(headers, 'content-type');
  if (type.startsWith('application/x-amz-json-1.0')) return 'application/x-amz-json-1.0';
  return type.startsWith('application/x-amz-json-') || headers['x-amz-target'] ? 'application/x-amz-json-1.1' : undefined;
}

export function wireProtocol(request: ServiceRequest): WireProtocol {
  if (header(request.headers, 'smithy-protocol') === 'rpc-v2-cbor') return 'rpcv2Cbor';
  const json = jsonContentType(request.headers);
  if (json) return json.endsWith('1.0') ? 'awsJson1_0' : 'awsJson1_1';
  if (queryAction(request)) return request.service === 'ec2' ? 'ec2Query' : 'awsQuery';
  return REST_XML_SERVICES.has(request.service) ? 'restXml' : 'restJson1';
}

export const json = (status: number, value: unknown, contentType: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': contentType, ...headers },
  body: JSON.stringify(value),
});

const xml = (document: string): Reply => ({ status: 200, headers: { 'content-type': 'text/xml' }, body: document });

function identity(accountId: string): { UserId: string; Account: string; Arn: string } {
  return { UserId: 'AIDAREALTESTUSER00001', Account: accountId, Arn: `arn:aws:iam::${accountId}:user/real-test-user` };
}

/** `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…` as the query protocol answers. */
function queryResponse(action: string, result: string): Reply {
  const metadata = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
  return xml(`<${action}Response><${action}Result>${result}</${action}Result>${metadata}</${action}Response>`);
}

const md5Hex = (text: string): string => createHash('md5').update(text).digest('hex');

/** The answer a query or JSON request needs beyond an empty one, as a plain object; undefined when empty will do. */
function specificResult(request: ServiceRequest, operation: string, input: InputReader): Record<string, unknown> | undefined {
  const { service, region, accountId } = request;
  const queueUrl = (name: string): string => `https://sqs.${region}.amazonaws.com/${accountId}/${name}`;
  switch (`${service}:${operation}`) {
    case 'sts:GetCallerIdentity':
      return identity(accountId);
    case 'sqs:GetQueueUrl':
    case 'sqs:CreateQueue':
      return { QueueUrl: queueUrl(input.string('QueueName')) };
    case 'sqs:SendMessage':
      // The JS SDK checks MD5OfMessageBody against what it sent.
      return { MD5OfMessageBody: md5Hex(input.string('MessageBody')), MessageId: randomUUID() };
    case 'sqs:SendMessageBatch':
      return {
        Successful: input.entries('Entries', 'SendMessageBatchRequestEntry').map((entry) => ({
          Id: entry.Id,
          MessageId: randomUUID(),
          MD5OfMessageBody: md5Hex(entry.MessageBody ?? ''),
        })),
      };
    case 'kms:CreateKey': {
      const keyId = randomUUID();
      const arn = `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
      return { KeyMetadata: { KeyId: keyId, Arn: arn, AWSAccountId: accountId, Enabled: true, KeyState: 'Enabled' } };
    }
    default:
      return undefined;
  }
}

/** Reads request members by name from a JSON body or a query form (where lists are `Name.member.N` or `Entry.N`). */
interface InputReader {
  string(name: string): string;
  entries(jsonName: string, queryName: string): Array<Record<string, string>>;
}

function jsonInput(body: Buffer): InputReader {
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
  } catch {
    // An unparsable body gets the generic answer.
  }
  return {
    string: (name) => String(input[name] ?? ''),
    entries: (name) => (Array.isArray(input[name]) ? (input[name] as Array<Record<string, string>>) : []),
  };
}

function queryInput(request: ServiceRequest): InputReader {
  const form = new URLSearchParams(`${queryOf(request.path).toString()}&${request.body.toString()}`);
  return {
    string: (name) => form.get(name) ?? '',
    entries: (_jsonName, queryName) => {
      const entries: Array<Record<string, string>> = [];
      for (const [key, value] of form) {
        const match = new RegExp(`^${queryName}\\.(\\d+)\\.(\\w+)$`).exec(key);
        if (match) (entries[Number(match[1]) - 1] ??= {})[match[2]!] = value;
      }
      return entries.filter(Boolean);
    },
  };
}

/** A query result object as XML elements; lists become repeated `<ListMemberName>` entries, as SQS batch results are. */
function queryXmlOf(operation: string, result: Record<string, unknown>): string {
  return Object.entries(result)
    .map(([name, value]) => {
      if (Array.isArray(value)) {
        const element = `${operation}ResultEntry`;
        return value.map((entry) => `<${element}>${queryXmlOf(operation, entry as Record<string, unknown>)}</${element}>`).join('');
      }
      if (value !== null && typeof value === 'object') return `<${name}>${queryXmlOf(operation, value as Record<string, unknown>)}</${name}>`;
      return `<${name}>${xmlEscape(String(value))}</${name}>`;
    })
    .join('');
}

function restJsonReply(request: ServiceRequest): Reply {
  const path = request.path.split('?')[0] ?? '';
  if (request.service === 'bedrock' && path.endsWith('/invoke')) {
    return json(200, { completion: 'Hello from the fake model.', stop_reason: 'end_turn' }, 'application/json');
  }
  if (request.service === 'bedrock' && path.endsWith('/converse')) {
    const message = { role: 'assistant', content: [{ text: 'Hello from the fake model.' }] };
    const usage = { inputTokens: 1, outputTokens: 6, totalTokens: 7 };
    return json(200, { output: { message }, stopReason: 'end_turn', usage, metrics: { latencyMs: 1 } }, 'application/json');
  }
  return json(200, {}, 'application/json');
}

function restXmlReply(request: ServiceRequest): Reply {
  const path = request.path.split('?')[0] ?? '';
  const zone = /\/hostedzone\/([^/]+)/.exec(path)?.[1];
  if (request.service === 'route53' && zone && /\/rrset\/?$/.test(path)) {
    const change = `<ChangeInfo><Id>/change/C${randomUUID().slice(0, 8).toUpperCase()}</Id><Status>PENDING</Status><SubmittedAt>${new Date().toISOString()}</SubmittedAt></ChangeInfo>`;
    return xml(`<ChangeResourceRecordSetsResponse xmlns="${ROUTE53_NAMESPACE}">${change}</ChangeResourceRecordSetsResponse>`);
  }
  if (request.service === 'route53' && zone && request.method === 'GET') {
    const hostedZone = `<HostedZone><Id>/hostedzone/${xmlEscape(zone)}</Id><Name>example.com.</Name><CallerReference>fake</CallerReference><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>`;
    return xml(`<GetHostedZoneResponse xmlns="${ROUTE53_NAMESPACE}">${hostedZone}</GetHostedZoneResponse>`);
  }
  if (request.service === 'route53' && request.method === 'GET' && path.endsWith('/hostedzone')) {
    return xml(`<ListHostedZonesResponse xmlns="${ROUTE53_NAMESPACE}"><HostedZones/><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`);
  }
  return { status: 200, headers: {}, body: '' };
}

/** Answers a verified request to any service but S3 object storage (see s3ControlReply for S3 Control). */
export function serviceReply(request: ServiceRequest): Reply {
  const protocol = wireProtocol(request);
  switch (protocol) {
    case 'rpcv2Cbor':
      // An empty CBOR map: every rpc-v2-cbor output with no required member accepts it.
      return { status: 200, headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' }, body: Buffer.from([0xa0]) };
    case 'awsJson1_0':
    case 'awsJson1_1': {
      const operation = header(request.headers, 'x-amz-target').split('.').pop() ?? '';
      const result = specificResult(request, operation, jsonInput(request.body)) ?? {};
      return json(200, result, jsonContentType(request.headers)!);
    }
    case 'ec2Query': {
      const action = queryAction(request)!;
      return xml(`<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${randomUUID()}</requestId></${action}Response>`);
    }
    case 'awsQuery': {
      const action = queryAction(request)!;
      const result = specificResult(request, action, queryInput(request));
      return queryResponse(action, result ? queryXmlOf(action, result) : '');
    }
    case 'restXml':
      return restXmlReply(request);
    case 'restJson1':
      return restJsonReply(request);
  }
}

/** S3 Control (`<account>.s3-control.<region>.amazonaws.com`, signed as `s3`): the public access block, and empty successes. */
export function s3ControlReply(request: Pick<ServiceRequest, 'method' | 'host' | 'path'>): Reply | undefined {
  if (!/(^|\.)s3-control(-fips)?(\.dualstack)?\.[a-z0-9-]+\.amazonaws\.com$/.test(request.host.replace(/:\d+$/, ''))) return undefined;
  if (request.method === 'GET' && /\/configuration\/publicAccessBlock$/.test(request.path.split('?')[0] ?? '')) {
    const flags = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].map((flag) => `<${flag}>true</${flag}>`).join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PublicAccessBlockConfiguration xmlns="${S3_CONTROL_NAMESPACE}">${flags}</PublicAccessBlockConfiguration>`;
    return { status: 200, headers: { 'content-type': 'application/xml' }, body };
  }
  return { status: 200, headers: {}, body: '' };
}
