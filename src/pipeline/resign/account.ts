import { sha256Hex } from '../../aws/node-sha256.js';
import { fetchUpstream, upstreamTargetFor } from '../forward/forward.js';
import { resign } from './resign.js';
import type { RealIdentity } from '../decide/global-context.js';
import type { CredentialSource } from './upstream-credentials.js';

const STS_HOST = 'sts.amazonaws.com';
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/**
 * The real identity (the account for resource ARNs; the ARN and user id for policy conditions and
 * denial messages), learned once with sts:GetCallerIdentity and the real credentials.
 */
export async function discoverIdentity(credentials: CredentialSource, upstreamEndpoint: URL | undefined): Promise<RealIdentity> {
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
  const text = answer.body.toString('utf8');
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(text)?.[1];
  const [account, arn, userId] = [field('Account'), field('Arn'), field('UserId')];
  if (answer.status !== 200 || !account || !/^\d{12}$/.test(account) || !arn || !userId) {
    throw new Error(`could not learn the AWS account id (sts:GetCallerIdentity answered ${answer.status}); resource ARNs that need it will be left out`);
  }
  return { account, arn, userId };
}
