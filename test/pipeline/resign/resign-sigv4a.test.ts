import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/aws/node-sha256.js';
import { AgentRegistry } from '../../../src/keys/agent-registry.js';
import { KeyStore } from '../../../src/keys/key-store.js';
import { readSignatureClaim, verifySignatureClaim } from '../../../src/pipeline/authenticate/authenticate.js';
import type { Caller } from '../../../src/pipeline/authenticate/caller.js';
import type { SignedRequest } from '../../../src/pipeline/authenticate/verify-signature.js';
import { AwsRequest } from '../../../src/pipeline/intercept/aws-request.js';
import { outboundRequest } from '../../../src/pipeline/resign/outbound.js';
import { resignSigv4a } from '../../../src/pipeline/resign/resign-sigv4a.js';
import type { ResolvedCall } from '../../../src/pipeline/resolve/types.js';
import { parseSigv4aAuthorization, sigv4aSignatureValid } from '../../../tests-integration/support/fake-sigv4a.js';
import { MRAP_HOST, signWithSigv4a } from '../../support/sigv4a-request.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const REAL = { accessKeyId: 'AKIAREALTESTKEY00001', secretAccessKey: 'real/Secret+Key0000000000000000000000001' };
const master = Buffer.alloc(32, 1);
const store = new KeyStore({ master, agents: new AgentRegistry(master, [{ name: 'agent-1', ttlSeconds: 3600 }]), now: () => T0 });
const key = store.keyFor('agent-1');
const body = Buffer.from('hello');

/**
 * What the fake AWS checks, independent of the proxy's signers: aws4's canonical request over the
 * listed headers, the ECDSA signature with fake-sigv4a.ts's own key derivation.
 */
function upstreamAccepts(method: string, path: string, headers: Record<string, string>, credentials: { accessKeyId: string; secretAccessKey: string }): boolean {
  const auth = parseSigv4aAuthorization(headers.authorization ?? '', headers['x-amz-region-set']);
  if (!auth || auth.accessKeyId !== credentials.accessKeyId || !auth.signedHeaders.includes('x-amz-region-set')) return false;
  const signed = Object.fromEntries(auth.signedHeaders.map((name) => [name, headers[name] ?? '']));
  const options = { method, path, headers: signed, body, service: auth.service, region: auth.region, doNotModifyHeaders: true, extraHeadersToInclude: Object.fromEntries(auth.signedHeaders.map((n) => [n, true])) };
  const signer = new aws4.RequestSigner(options, credentials);
  signer.datetime = headers['x-amz-date']!;
  return signer.signedHeaders() === auth.signedHeaders.join(';') && sigv4aSignatureValid(signer.canonicalString(), headers['x-amz-date']!, auth, credentials);
}

async function verifiedAgentRequest(options: { regionSet?: string; headers?: Record<string, string> } = {}): Promise<{ request: SignedRequest; payloadHash: string }> {
  const request = await signWithSigv4a({ date: new Date(T0), body, ...options }, key);
  const claim = readSignatureClaim(request, new Date(T0));
  if (!claim.ok) throw new Error(claim.error.message);
  const verified = await verifySignatureClaim(request, claim.value, body, (id) => store.lookup(id));
  if (!verified.ok) throw new Error(verified.error.message);
  return { request, payloadHash: verified.value.payloadHash };
}

describe('resignSigv4a', () => {
  it('re-signs a verified agent request with the real key, for the same region set; the independent verifier accepts it', async () => {
    const { request, payloadHash } = await verifiedAgentRequest({ headers: { connection: 'keep-alive', 'user-agent': 'aws-sdk-js/3' } });
    const input = { method: 'PUT', rawPath: request.rawPath, rawQuery: '', headers: request.headers, service: 's3', region: '*', payloadHash, sendPayloadHash: true };
    const out = await resignSigv4a(input, ['*'], REAL, new Date(T0 + 1000));
    expect(out.authorization).toMatch(/^AWS4-ECDSA-P256-SHA256 Credential=AKIAREALTESTKEY00001\/20240501\/s3\/aws4_request, SignedHeaders=[^,]*x-amz-region-set/);
    expect(out['x-amz-region-set']).toBe('*');
    expect(out['x-amz-date']).toBe('20240501T100001Z');
    expect(out['x-amz-content-sha256']).toBe(sha256Hex(body));
    expect(out.connection).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain(key.accessKeyId);
    expect(upstreamAccepts('PUT', request.rawPath, out, REAL)).toBe(true);
  });

  it('is not accepted under the agent key, nor with its region set widened', async () => {
    const { request, payloadHash } = await verifiedAgentRequest({ regionSet: 'us-east-1' });
    const input = { method: 'PUT', rawPath: request.rawPath, rawQuery: '', headers: request.headers, service: 's3', region: 'us-east-1', payloadHash, sendPayloadHash: true };
    const out = await resignSigv4a(input, ['us-east-1'], REAL, new Date(T0));
    expect(upstreamAccepts('PUT', request.rawPath, out, REAL)).toBe(true);
    expect(upstreamAccepts('PUT', request.rawPath, { ...out, 'x-amz-region-set': '*' }, REAL)).toBe(false);
    expect(upstreamAccepts('PUT', request.rawPath, out, key)).toBe(false);
  });

  it('signs over the payload hash without sending it when the agent sent none', async () => {
    const headers = { host: 'service.example.amazonaws.com', 'x-amz-region-set': '*' };
    const input = { method: 'POST', rawPath: '/', rawQuery: '', headers, service: 'service', region: '*', payloadHash: sha256Hex(body), sendPayloadHash: false };
    const out = await resignSigv4a(input, ['*'], REAL, new Date(T0));
    expect(out['x-amz-content-sha256']).toBeUndefined();
    expect(upstreamAccepts('POST', '/', out, REAL)).toBe(true);
  });
});

describe('outboundRequest: SigV4a', () => {
  const call = { signingName: 's3', region: '*', disableDoubleEncoding: true } as ResolvedCall;

  it('re-signs a caller that signed with SigV4a with SigV4a, for its region set', async () => {
    const { request: signed, payloadHash } = await verifiedAgentRequest({ regionSet: 'us-east-1,us-west-2' });
    const request = new AwsRequest('PUT', signed.rawPath, MRAP_HOST, signed.headers, []);
    const caller: Caller = { signed: true, key, scope: { service: 's3', region: '*' }, payloadHash, presigned: false, regionSet: ['us-east-1', 'us-west-2'] };
    const out = await outboundRequest({ request, caller, call, credentials: REAL, readsResponse: false, now: new Date(T0) }, body);
    expect(out.headers['x-amz-region-set']).toBe('us-east-1,us-west-2');
    expect(upstreamAccepts('PUT', signed.rawPath, out.headers, REAL)).toBe(true);
  });

  it('re-signs a SigV4 caller with SigV4', async () => {
    const { request: signed, payloadHash } = await verifiedAgentRequest();
    const request = new AwsRequest('PUT', signed.rawPath, 'b.s3.us-east-1.amazonaws.com', { ...signed.headers, host: 'b.s3.us-east-1.amazonaws.com' }, []);
    const caller: Caller = { signed: true, key, scope: { service: 's3', region: 'us-east-1' }, payloadHash, presigned: false };
    const out = await outboundRequest({ request, caller, call: { ...call, region: 'us-east-1' }, credentials: REAL, readsResponse: false, now: new Date(T0) }, body);
    expect(out.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAREALTESTKEY00001\/20240501\/us-east-1\/s3\/aws4_request/);
  });
});
