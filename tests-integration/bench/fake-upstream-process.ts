/**
 * Runs startFakeAws in a process of its own for the benchmark, so the fake upstream (which checks
 * every signature with aws4) does not share an event loop with the benchmark's clients.
 * Talks to its parent over IPC: sends { ready, endpoint, caFile, caPem } once listening; answers
 * 'stats' with how many requests it verified / refused, and TLS connections it accepted, since the last 'stats'; exits on 'stop'
 * or when the parent goes away.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws } from '../support/fake-aws.js';
import { REAL } from '../support/proxy-process.js';

const upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-bench-upstream-')) });

let verified = 0;
let refused = 0;
let firstFailure: string | undefined;
let connectionsBefore = 0;

/** The fake keeps every request (with its body) in memory; count them and let them go. */
function drain(): void {
  for (const request of upstream.requests) {
    if (request.verified) verified++;
    else {
      refused++;
      firstFailure ??= request.failure;
    }
  }
  upstream.requests.length = 0;
}
const timer = setInterval(drain, 200);

process.on('message', (message: unknown) => {
  if (message === 'stats') {
    drain();
    const connections = upstream.connectionsAccepted();
    process.send!({ stats: { verified, refused, firstFailure, connections: connections - connectionsBefore } });
    connectionsBefore = connections;
    verified = 0;
    refused = 0;
    firstFailure = undefined;
  } else if (message === 'stop') {
    clearInterval(timer);
    void upstream.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

process.send!({ ready: true, endpoint: upstream.endpoint, caFile: upstream.caFile, caPem: upstream.caPem });
