/**
 * How long the proxy waits on AWS. A hung upstream must be answered well inside the SDKs' own
 * timeouts (botocore reads for 60 s), with an error they retry, rather than left to hang the agent.
 * A few operations answer only when their work is done (a synchronous Lambda invocation, a model's
 * whole answer): they get the long limit.
 */
export interface UpstreamTimeouts {
  /** TCP and TLS to the upstream, for a new connection. */
  connectMs: number;
  /** From the request fully sent to the response's headers, and the longest pause inside the response body. */
  responseMs: number;
}

export interface TimeoutSettings extends UpstreamTimeouts {
  /** `responseMs` for the operations below. */
  longResponseMs: number;
}

export const DEFAULT_TIMEOUT_SETTINGS: TimeoutSettings = { connectMs: 10_000, responseMs: 30_000, longResponseMs: 900_000 };

/** Operations that answer only when done; 900 s is Lambda's longest run. */
const LONG_RUNNING: Readonly<Record<string, readonly string[]>> = {
  lambda: ['Invoke', 'InvokeAsync', 'InvokeWithResponseStream'],
  'bedrock-runtime': ['InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream'],
  'bedrock-agent-runtime': ['InvokeAgent', 'InvokeInlineAgent', 'InvokeFlow', 'RetrieveAndGenerate', 'RetrieveAndGenerateStream'],
};

export function timeoutsFor(call: { service: string; operation: string } | undefined, settings: TimeoutSettings): UpstreamTimeouts {
  const long = call !== undefined && Object.hasOwn(LONG_RUNNING, call.service) && LONG_RUNNING[call.service]!.includes(call.operation);
  return { connectMs: settings.connectMs, responseMs: long ? settings.longResponseMs : settings.responseMs };
}

/** The upstream did not connect, answer or go on answering in time. */
export class UpstreamTimeoutError extends Error {
  constructor(
    readonly phase: 'connect' | 'response' | 'body',
    readonly ms: number,
  ) {
    const what = phase === 'connect' ? 'did not accept a connection' : phase === 'response' ? 'did not answer' : 'stopped sending its answer';
    super(`${what} within ${ms / 1000} s`);
  }
}
