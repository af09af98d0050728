import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeAws, type FakeAws } from './fake-aws.js';
import { REAL, startProxy, type ProxyRun } from './proxy-process.js';

/**
 * The usual set-up of an integration test file: a fake AWS holding the real credentials and the
 * proxy in front of it, started before the file's tests and stopped after them, the fake's record of
 * requests cleared before each test. `started` receives both once they are up; `env` is the proxy's extra environment.
 */
export function proxyInFrontOfFakeAws(started: (run: { upstream: FakeAws; proxy: ProxyRun }) => void | Promise<void>, env?: Record<string, string>): void {
  let run: { upstream: FakeAws; proxy: ProxyRun } | undefined;
  beforeAll(async () => {
    const upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
    run = { upstream, proxy: await startProxy({ upstream, env }) };
    await started(run);
  });
  afterAll(async () => {
    await run?.proxy.stop();
    await run?.upstream.close();
  });
  beforeEach(() => run?.upstream.reset());
}
