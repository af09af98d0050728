// Opens a session through the proxy with the AWS SDK for JavaScript v3, as an agent would, then
// calls AWS with the credentials it got back. Prints one JSON line: the credentials the agent
// holds and what the follow-up call returned (or the error).
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetRoleCredentialsCommand, SSOClient } from '@aws-sdk/client-sso';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';

const requestHandler = new NodeHttpHandler({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) });
const region = 'us-east-1';
const scenario = process.argv[2];
const out = {};

async function followUp(credentials) {
  const sts = new STSClient({ requestHandler, region, credentials });
  return { arn: (await sts.send(new GetCallerIdentityCommand({}))).Arn };
}

try {
  let credentials;
  if (scenario === 'assume-role') {
    const answer = await new STSClient({ requestHandler, region }).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::210987654321:role/deploy', RoleSessionName: 'agent' }));
    credentials = answer.Credentials;
  } else if (scenario === 'session-token') {
    credentials = (await new STSClient({ requestHandler, region }).send(new GetSessionTokenCommand({}))).Credentials;
  } else if (scenario === 'sso') {
    const role = (await new SSOClient({ requestHandler, region }).send(new GetRoleCredentialsCommand({ roleName: 'Dev', accountId: '123456789012', accessToken: 'sso-access-token-from-aws-sso-login' }))).roleCredentials;
    credentials = { AccessKeyId: role.accessKeyId, SecretAccessKey: role.secretAccessKey, SessionToken: role.sessionToken };
  } else if (scenario === 's3express') {
    // The SDK calls CreateSession itself and signs the object calls with the session it got.
    const s3 = new S3Client({ requestHandler, region: 'us-west-2' });
    const Bucket = 'agent-data--usw2-az1--x-s3';
    await s3.send(new PutObjectCommand({ Bucket, Key: 'notes.txt', Body: 'express bytes' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'notes.txt' }));
    out.followUp = { body: await got.Body.transformToString() };
    console.log(JSON.stringify(out));
    process.exit(0);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  out.credentials = credentials;
  out.followUp = await followUp({ accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken });
} catch (error) {
  out.error = error.name;
  out.message = error.message;
}
console.log(JSON.stringify(out));
