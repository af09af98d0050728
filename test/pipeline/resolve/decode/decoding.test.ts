import { describe, expect, it } from 'vitest';
import { ambiguous, decoded, malformed, unknownOperation } from '../../../../src/pipeline/resolve/decode/decoding.js';

describe('decoding results', () => {
  it('decoded: the protocol, operation and input', () => {
    expect(decoded('restXml', 'GetObject', { Bucket: 'b' })).toStrictEqual({ ok: true, call: { protocol: 'restXml', operation: 'GetObject', input: { Bucket: 'b' } } });
  });

  it('ambiguous: a 400 InvalidRequest that says the proxy refused it, and why', () => {
    expect(ambiguous('X is sent twice')).toStrictEqual({
      ok: false,
      error: { status: 400, code: 'InvalidRequest', message: 'iam-agent-proxy refuses an ambiguous request: X is sent twice.' },
    });
  });

  it('unknownOperation and malformed: a 400 with the code and message given', () => {
    expect(unknownOperation('InvalidAction', 'm')).toStrictEqual({ ok: false, error: { status: 400, code: 'InvalidAction', message: 'm' } });
    expect(malformed('MalformedXML', 'n')).toStrictEqual({ ok: false, error: { status: 400, code: 'MalformedXML', message: 'n' } });
  });
});
