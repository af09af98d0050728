import { isAwsApiHost } from '../aws/hosts.js';

/** Global endpoints most agents reach first. */
const GLOBAL_HOSTS = ['sts.amazonaws.com', 's3.amazonaws.com', 'iam.amazonaws.com'];
/** The regional endpoints of the services agents use most (`<prefix>.<region>.amazonaws.com`). */
const REGIONAL_PREFIXES = ['sts', 's3', 'ec2', 'lambda', 'dynamodb', 'logs', 'monitoring', 'sqs', 'sns', 'ssm', 'secretsmanager', 'kms', 'bedrock-runtime', 'api.ecr', 'cloudformation'];

/**
 * The AWS hosts whose leaf certificates the proxy mints at start, in the background, so that an
 * agent's first connection to them costs no mint: the global endpoints and the common services'
 * endpoints in `region` (the proxy's AWS_REGION or AWS_DEFAULT_REGION, else us-east-1). A short list:
 * each costs a few ms of CPU once, and any other host is minted on its first connection.
 */
export function premintHosts(env: NodeJS.ProcessEnv): string[] {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const regional = /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? REGIONAL_PREFIXES.map((prefix) => `${prefix}.${region}.amazonaws.com`) : [];
  return [...GLOBAL_HOSTS, ...regional].filter(isAwsApiHost);
}
