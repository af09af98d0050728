import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { renderAwsError, type AwsError, type RenderedError } from '../../aws/errors.js';
import type { UpstreamTarget } from '../forward/forward.js';
import type { ResolvedCall } from '../resolve/types.js';

/**
 * An unsigned request is refused, but S3 tells anyone who asks which region a bucket is in
 * (`x-amz-bucket-region` on every answer to HEAD bucket, signed or not, allowed or not), and
 * clients find a bucket's region that way: the Go SDK's GetBucketRegion, boto3 with UNSIGNED, the
 * CLI's --no-sign-request following a 301. For such a probe the proxy asks S3 the same public
 * question (HEAD on the bucket, no credentials, no body, none of the agent's headers) and puts the
 * region, and a 301 if S3 answered one, on its refusal. Nothing else of the answer is passed on.
 */

/** S3 answers from any region within a few hundred ms; past this the plain refusal goes out. */
export const PROBE_TIMEOUT_MS = 2000;

const UNSIGNED: AwsError = { status: 403, code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
const BUCKET_ARN = /^arn:aws(?:-[a-z]+)*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** What the proxy asks upstream: HEAD on the bucket at the agent's host. */
export interface BucketProbe {
  hostname: string;
  /** `/<bucket>` (path style) or `/` (the bucket in the host name). */
  target: string;
}

/**
 * The probe for an unsigned HEAD or GET of an S3 bucket (HeadBucket, ListObjects…): a call whose
 * only resource is one bucket. Objects, access points, S3 Express and the bucket list are not probed.
 */
export function bucketProbe(method: string, rawPath: string, call: Pick<ResolvedCall, 'host' | 'signingName' | 'authorizations'>): BucketProbe | undefined {
  if ((method !== 'HEAD' && method !== 'GET') || call.signingName !== 's3') return undefined;
  const arns = new Set(call.authorizations.flatMap((a) => a.resources.map((r) => r.arn)));
  const bucket = arns.size === 1 ? BUCKET_ARN.exec([...arns][0]!)?.[1] : undefined;
  if (!bucket) return undefined;
  const firstSegment = rawPath.split('/')[1] ?? '';
  if (firstSegment === bucket && /^\/[^/]*\/?$/.test(rawPath)) return { hostname: call.host, target: `/${bucket}` };
  return rawPath === '/' ? { hostname: call.host, target: '/' } : undefined;
}

/**
 * The refusal, given S3's answer to the probe: its region header, a 301 if S3 redirected, else the
 * plain 403. Undefined when the answer names no well-formed region (then the plain refusal stands).
 */
export function refusalAfterProbe(status: number, headers: IncomingHttpHeaders): { error: AwsError; region: string } | undefined {
  const region = headers['x-amz-bucket-region'];
  if (typeof region !== 'string' || !REGION.test(region)) return undefined;
  if (status !== 301) return { error: UNSIGNED, region };
  return { error: { status: 301, code: 'PermanentRedirect', message: `The bucket is in ${region}: send requests for it to that region's endpoint.` }, region };
}

/** The answer to an unsigned call AWS does not serve unsigned: for a bucket probe, with what S3 says of the bucket's region. */
export async function unsignedRefusal(method: string, rawPath: string, call: ResolvedCall, upstream: UpstreamTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<RenderedError & { code: string }> {
  const probe = bucketProbe(method, rawPath, call);
  const answer = probe && (await headUnsigned(probe, upstream, timeoutMs).catch(() => undefined));
  const recovered = answer && refusalAfterProbe(answer.status, answer.headers);
  const error = recovered?.error ?? UNSIGNED;
  const rendered = renderAwsError(call.protocol, error, { service: call.service, method });
  if (recovered) rendered.headers['x-amz-bucket-region'] = recovered.region;
  return { ...rendered, code: error.code };
}

/** HEAD with only a Host header, on a connection of its own, abandoned after `timeoutMs`. */
function headUnsigned(probe: BucketProbe, upstream: UpstreamTarget, timeoutMs: number): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const transport = upstream.protocol === 'https:' ? https : http;
    const request = transport.request({
      method: 'HEAD',
      hostname: upstream.hostname,
      port: upstream.port,
      path: probe.target,
      headers: { host: probe.hostname },
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
      // As forward.ts does: the certificate is checked against the host dialled, not the Host header.
      servername: isIP(upstream.hostname) ? undefined : upstream.hostname,
      checkServerIdentity: (_host, cert) => checkServerIdentity(upstream.hostname, cert),
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('error', reject);
    request.end();
  });
}
