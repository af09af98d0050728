import type { IncomingHttpHeaders } from 'node:http';
import type { AwsError } from '../../aws/errors.js';
import { parseCbor } from '../../aws/wire/cbor.js';
import { parseJson } from '../../aws/wire/json.js';
import { parseXml } from '../../aws/wire/xml.js';
import type { Protocol } from '../../services/model.js';

const CODE = /^[A-Za-z][\w.:#-]{0,127}$/;
const MAX_MESSAGE = 1024;

/**
 * The code and message of an AWS error response, to be answered afresh in the client's protocol
 * rather than relayed: for operations that return credentials, nothing of the upstream body is
 * passed on but these two fields.
 */
export function readUpstreamError(status: number, headers: IncomingHttpHeaders, body: Buffer, protocol: Protocol): AwsError {
  const fields = errorFields(headers, body, protocol);
  const code = fields.code?.replace(/^.*#/, '').replace(/:.*$/, '');
  return {
    status: status >= 400 && status <= 599 ? status : 502,
    code: code && CODE.test(code) ? code : status >= 500 ? 'ServiceUnavailable' : 'UnknownError',
    message: (fields.message ?? `The service answered with HTTP ${status}.`).slice(0, MAX_MESSAGE),
  };
}

function errorFields(headers: IncomingHttpHeaders, body: Buffer, protocol: Protocol): { code?: string; message?: string } {
  const headerCode = typeof headers['x-amzn-errortype'] === 'string' ? headers['x-amzn-errortype'] : undefined;
  if (protocol === 'rpcv2Cbor' || protocol === 'awsJson1_0' || protocol === 'awsJson1_1' || protocol === 'restJson1') {
    const document = protocol === 'rpcv2Cbor' ? parseCbor(body) : parseJson(body.toString('utf8') || '{}');
    const object = document.ok && typeof document.value === 'object' && document.value !== null ? (document.value as Record<string, unknown>) : {};
    return { code: text(object.__type) ?? text(object.code) ?? headerCode, message: text(object.message) ?? text(object.Message) };
  }
  const document = parseXml(body.toString('utf8'));
  if (!document.ok) return { code: headerCode };
  let code: string | undefined;
  let message: string | undefined;
  // <ErrorResponse><Error>…, <Response><Errors><Error>… and S3's bare <Error>: the first Code and Message anywhere.
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [name, value] of Object.entries(node)) {
      if (name === 'Code') code ??= text(value);
      else if (name === 'Message') message ??= text(value);
      else visit(value);
    }
  };
  visit(document.value);
  return { code: code ?? headerCode, message };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['#text'] === 'string') return (value as Record<string, string>)['#text'];
  return undefined;
}
