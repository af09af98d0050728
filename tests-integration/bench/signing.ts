/**
 * 4. SigV4 signing and SHA-256 hashing speed in this process, node:crypto (NodeSha256) against
 * @aws-crypto/sha256-js: the proxy signs twice per request and hashes every signed body.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChecksumConstructor } from '@smithy/types';
import { NodeSha256 } from '../../src/aws/node-sha256.js';
import { REAL } from '../support/proxy-process.js';
import { BODY, CONTENT_TYPE, STS_HOST } from './client.js';
import { median } from './stats.js';

export interface SigningResult {
  /** Signatures per second. */
  node: number;
  js: number;
  sameSignature: boolean;
  /** ms to hash 1 MiB. */
  hashNode: number;
  hashJs: number;
}

export async function measureSigning(): Promise<SigningResult> {
  const date = new Date();
  const sameSignature = (await signOnce(NodeSha256, date)) === (await signOnce(Sha256, date));
  for (let i = 0; i < 3000; i++) {
    await signOnce(NodeSha256, date);
    await signOnce(Sha256, date);
  }
  const node: number[] = [];
  const js: number[] = [];
  for (let round = 0; round < 7; round++) {
    node.push(await signaturesPerSecond(NodeSha256, 400));
    js.push(await signaturesPerSecond(Sha256, 400));
  }
  const mib = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
  await hashMs(NodeSha256, mib, 3);
  await hashMs(Sha256, mib, 3);
  return { node: median(node), js: median(js), sameSignature, hashNode: await hashMs(NodeSha256, mib, 21), hashJs: await hashMs(Sha256, mib, 9) };
}

async function signOnce(sha: ChecksumConstructor, signingDate: Date): Promise<string> {
  // A new signer per signature, as the proxy does (twice per request: verify, then re-sign).
  const signer = new SignatureV4({ credentials: REAL, region: 'us-east-1', service: 'sts', sha256: sha, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: STS_HOST,
      path: '/',
      query: {},
      headers: { host: STS_HOST, 'content-type': CONTENT_TYPE, 'content-length': String(BODY.length) },
      body: BODY,
    },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

async function signaturesPerSecond(sha: ChecksumConstructor, ms: number): Promise<number> {
  const signingDate = new Date();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 100; i++) await signOnce(sha, signingDate);
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

/** Median ms to hash `data` once, over `runs` runs. */
async function hashMs(sha: ChecksumConstructor, data: Uint8Array, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const hash = new sha();
    hash.update(data);
    await hash.digest();
    times.push(performance.now() - started);
  }
  return median(times);
}
