import { randomUUID } from 'node:crypto';
import type { Protocol } from '../services/model.js';

export interface AwsError {
  status: number;
  /** The AWS error code, e.g. `AccessDenied`, `SignatureDoesNotMatch`. */
  code: string;
  message: string;
}

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** JSON services name access errors with an `Exception` suffix; the query/XML ones do not. */
const JSON_CODE_NAMES: Record<string, string> = { AccessDenied: 'AccessDeniedException' };

/**
 * An error body the client's SDK parses into the right error code: XML for query/ec2/rest-xml,
 * JSON with `__type` for json/rest-json, CBOR for rpc-v2-cbor. HEAD responses carry no body.
 */
export function renderAwsError(
  protocol: Protocol,
  error: AwsError,
  options: { service: string; method: string; requestId?: string },
): RenderedError {
  const requestId = options.requestId ?? randomUUID();
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  let body: Buffer;
  switch (protocol) {
    case 'awsJson1_0':
    case 'awsJson1_1':
    case 'restJson1': {
      const code = JSON_CODE_NAMES[error.code] ?? error.code;
      headers['content-type'] = protocol === 'restJson1' ? 'application/json' : protocol === 'awsJson1_0' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
      headers['x-amzn-errortype'] = code;
      body = Buffer.from(JSON.stringify({ __type: code, message: error.message, Message: error.message }));
      break;
    }
    case 'rpcv2Cbor': {
      const code = JSON_CODE_NAMES[error.code] ?? error.code;
      headers['content-type'] = 'application/cbor';
      headers['smithy-protocol'] = 'rpc-v2-cbor';
      body = encodeCborTextMap({ __type: code, message: error.message });
      break;
    }
    case 'ec2Query':
      body = xml(
        `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      );
      headers['content-type'] = 'text/xml;charset=UTF-8';
      break;
    case 'restXml':
    case 'awsQuery':
      if (options.service === 's3') {
        headers['x-amz-request-id'] = requestId;
        body = xml(
          `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
        );
      } else {
        body = xml(
          `<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
      headers['content-type'] = 'text/xml';
      break;
  }
  if (options.method === 'HEAD') body = Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  return { status: error.status, headers, body };
}

function xml(document: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${document}`);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** CBOR (RFC 8949) for a flat map of text strings: all an rpc-v2-cbor error body needs. */
export function encodeCborTextMap(map: Record<string, string>): Buffer {
  const entries = Object.entries(map);
  const parts = [cborHead(5, entries.length)];
  for (const [key, value] of entries) parts.push(cborText(key), cborText(value));
  return Buffer.concat(parts);
}

function cborText(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([cborHead(3, bytes.length), bytes]);
}

function cborHead(majorType: number, length: number): Buffer {
  const major = majorType << 5;
  if (length < 24) return Buffer.from([major | length]);
  if (length < 0x100) return Buffer.from([major | 24, length]);
  if (length < 0x10000) return Buffer.from([major | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = major | 26;
  head.writeUInt32BE(length, 1);
  return head;
}
