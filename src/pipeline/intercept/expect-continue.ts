import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests that sent `Expect: 100-continue` and have not been told to go on yet. */
const awaitingContinue = new WeakSet<IncomingMessage>();

/**
 * Holds back the `100 Continue` Node would send at once: the agent is only asked for its body once
 * the proxy reads it, so a request refused on its headers (unknown key, stale date, denied) never
 * uploads a byte.
 */
export function deferContinue(req: IncomingMessage): void {
  awaitingContinue.add(req);
}

/** Sends the deferred `100 Continue`, once, right before the body is read or streamed upstream. */
export function continueBody(req: IncomingMessage, res: ServerResponse): void {
  if (awaitingContinue.delete(req)) res.writeContinue();
}

/** Whether the agent is still waiting to be asked for its body (so it may never send it). */
export function stillAwaitingContinue(req: IncomingMessage): boolean {
  return awaitingContinue.has(req);
}
