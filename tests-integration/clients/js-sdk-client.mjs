// Drives the AWS SDK for JavaScript v3 through the proxy, as an agent would: the SDK does not read
// HTTPS_PROXY or ca_bundle, so it gets a proxy agent, and trusts the CA through NODE_EXTRA_CA_CERTS.
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';

const requestHandler = new NodeHttpHandler({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) });
const scenario = process.argv[2];
const out = {};
try {
  if (scenario === 'identity') {
    const sts = new STSClient({ requestHandler });
    out.account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } else if (scenario === 's3-stream') {
    const s3 = new S3Client({ requestHandler });
    const body = Readable.from([Buffer.from('streamed '), Buffer.from('from the JS SDK')]);
    await s3.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: 'js/stream.txt', Body: body, ContentLength: 24 }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'test-bucket', Key: 'js/stream.txt' }));
    out.body = await got.Body.transformToString();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
} catch (error) {
  out.error = error.name;
  out.status = error.$metadata?.httpStatusCode;
}
console.log(JSON.stringify(out));
