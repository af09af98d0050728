import { SignatureV4a } from '@smithy/signature-v4a';
import type { AwsCredentialIdentity } from '@smithy/types';
import { PAYLOAD_HASH_HEADER, PAYLOAD_HASH_UNSIGNED, signerOptions } from '../../aws/signer.js';
import { signedTarget, strippedHeaders, type resign, type ResignInput } from './resign.js';

/** `resign` for an agent that signed with SigV4a: the real signature is valid in the same regions (`regionSet`, its x-amz-region-set). */
export function sigv4aResigner(regionSet: string[]): typeof resign {
  return (input, credentials, now) => resignSigv4a(input, regionSet, credentials, now);
}

/**
 * The agent's request with its signature replaced by a SigV4a one made with the real credentials,
 * as `resign` does for SigV4. @smithy/signature-v4a is pure JavaScript (no CRT); it derives the
 * key on every call, which costs an HMAC or two beside the ECDSA signature.
 */
export async function resignSigv4a(input: ResignInput, regionSet: string[], credentials: AwsCredentialIdentity, now: Date): Promise<Record<string, string>> {
  const headers = strippedHeaders(input.headers, input.setHeaders);
  // As in resign(): the signer reads the payload hash from this header; sent only if the agent sent one.
  headers[PAYLOAD_HASH_HEADER] = input.payloadHash;
  const signer = new SignatureV4a(signerOptions(credentials, input.region, input.service));
  const signed = await signer.sign(
    { method: input.method, protocol: 'https:', hostname: headers.host ?? '', ...signedTarget(input), headers },
    { signingDate: now, signingRegion: regionSet.join(','), unsignableHeaders: input.sendPayloadHash ? undefined : PAYLOAD_HASH_UNSIGNED },
  );
  const out = signed.headers as Record<string, string>;
  if (!input.sendPayloadHash) delete out[PAYLOAD_HASH_HEADER];
  return out;
}
