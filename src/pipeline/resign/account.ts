import { sha256Hex } from '../../aws/node-sha256.js';
import { fetchUpstream, upstreamTargetFor } from '../forward/forward.js';
import { resign } from './resign.js';
import type { CredentialSource } from './upstream-credentials.js';

const STS_HOST = 'sts.amazonaws.com';
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** The real account id (for resource ARNs), learned once with sts:GetCallerIdentity and the real credentials. */
export async function discoverAccountId(credentials: CredentialSource, upstreamEndpoint: URL | undefined): Promise<string> {
  const body = Buffer.from(BODY);
  const headers = await resign(
    {
      method: 'POST',
      rawPath: '/',
      rawQuery: '',
      headers: { host: STS_HOST, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(body.length) },
      service: 'sts',
      region: 'us-east-1',
      payloadHash: sha256Hex(body),
      sendPayloadHash: false,
    },
    await credentials.get(),
    new Date(),
  );
  const answer = await fetchUpstream({ method: 'POST', target: '/', headers, body }, upstreamTargetFor(STS_HOST, upstreamEndpoint)).catch(
    (error: Error) => {
      throw new Error(`could not learn the AWS account id (${error.message}); resource ARNs that need it will be left out`);
    },
  );
  const account = /<Account>(\d{12})<\/Account>/.exec(answer.body.toString('utf8'))?.[1];
  if (answer.status !== 200 || !account) {
    throw new Error(`could not learn the AWS account id (sts:GetCallerIdentity answered ${answer.status}); resource ARNs that need it will be left out`);
  }
  return account;
}
