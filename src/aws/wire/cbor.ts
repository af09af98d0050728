import { cbor } from '@smithy/core/cbor';
import { parsed, unreadable, type Parsed } from './parsed.js';

/** An rpc-v2-cbor body, decoded by the AWS SDK's own CBOR codec. */
export function parseCbor(body: Uint8Array): Parsed<unknown> {
  try {
    return parsed(body.length ? cbor.deserialize(body) : {});
  } catch (error) {
    return unreadable(`not valid CBOR (${(error as Error).message})`);
  }
}
