import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../src/aws/signer.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const DATE = new Date('2015-08-30T12:36:00Z');

/** Our signer's signature and aws4's (an independent implementation) for the same GET. */
async function signatures(service: string, host: string, path: string): Promise<[string, string]> {
  // aws4 always signs a payload hash header for S3; give both signers the same one.
  const extra: Record<string, string> = service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {};
  const headers = { host, 'x-amz-date': '20150830T123600Z', ...extra };
  const ours = await createSigner(KEY, 'us-east-1', service).sign({ method: 'GET', protocol: 'https:', hostname: host, path, headers }, { signingDate: DATE });
  const theirs = aws4.sign({ host, path, service, region: 'us-east-1', method: 'GET', headers: { 'X-Amz-Date': '20150830T123600Z', ...extra } }, KEY);
  const signature = (auth: unknown) => /Signature=([0-9a-f]{64})/.exec(String(auth))![1]!;
  return [signature(ours.headers.authorization), signature(theirs.headers!.Authorization)];
}

describe('createSigner', () => {
  it('signs S3 paths as sent (no normalising, single encoding), like an independent signer', async () => {
    const [ours, theirs] = await signatures('s3', 'b.s3.amazonaws.com', '/dir//a%20b/../c.txt');
    expect(ours).toBe(theirs);
  });

  it('normalises and double-encodes other services’ paths, like an independent signer', async () => {
    const [ours, theirs] = await signatures('execute-api', 'abc.execute-api.us-east-1.amazonaws.com', '/prod//a%20b/../items');
    expect(ours).toBe(theirs);
  });
});
