import { SignatureV4a } from '@smithy/signature-v4a';
import { NodeSha256, sha256Hex } from '../../src/aws/node-sha256.js';
import type { SignedRequest } from '../../src/pipeline/authenticate/verify-signature.js';

export const MRAP_HOST = 'mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com';

export interface Sigv4aOptions {
  date: Date;
  body?: Buffer;
  /** `*` unless given. */
  regionSet?: string;
  headers?: Record<string, string>;
}

/**
 * Signs a PutObject as the AWS SDK for JavaScript v3 does through a Multi-Region Access Point (S3,
 * SigV4a by @smithy/signature-v4a, a hashed body), and returns it the way the proxy sees it
 * arrive: lowercased header names.
 */
export async function signWithSigv4a(options: Sigv4aOptions, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<SignedRequest> {
  const { body = Buffer.from('hello'), regionSet = '*' } = options;
  const signer = new SignatureV4a({ credentials, region: regionSet, service: 's3', sha256: NodeSha256, uriEscapePath: false });
  const headers = { host: MRAP_HOST, 'x-amz-content-sha256': sha256Hex(body), 'content-length': String(body.length), ...options.headers };
  const path = '/docs/a.txt';
  const signed = await signer.sign({ method: 'PUT', protocol: 'https:', hostname: MRAP_HOST, path, query: {}, headers, body }, { signingDate: options.date, signingRegion: regionSet });
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) lower[name.toLowerCase()] = String(value);
  return { method: 'PUT', rawPath: path, rawQuery: '', headers: lower };
}
