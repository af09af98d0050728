import type { AwsError } from '../../../aws/errors.js';
import type { Protocol } from '../../../services/model.js';
import type { InputValue } from './shape-reader.js';

/** A request read as AWS reads it: which operation, with which input. */
export interface DecodedCall {
  protocol: Protocol;
  operation: string;
  input: { [member: string]: InputValue };
}

export type Decoding =
  | { ok: true; call: DecodedCall }
  | { ok: false; error: AwsError }
  /** The operation is known, and its input is in a body that has not been read yet. */
  | { ok: false; needsBody: true };

export const decoded = (protocol: Protocol, operation: string, input: DecodedCall['input']): Decoding => ({ ok: true, call: { protocol, operation, input } });

/** A request AWS might read otherwise than the proxy would: refused rather than guessed at. */
export const ambiguous = (why: string): Decoding => ({
  ok: false,
  error: { status: 400, code: 'InvalidRequest', message: `iam-agent-proxy refuses an ambiguous request: ${why}.` },
});

export const unknownOperation = (code: string, message: string): Decoding => ({ ok: false, error: { status: 400, code, message } });

export const malformed = (code: string, message: string): Decoding => ({ ok: false, error: { status: 400, code, message } });
