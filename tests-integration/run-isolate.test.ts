/**
 * `run --isolate` (Linux, here as root): the command sees only the proxy on the network and none of
 * the real credential files or the proxy's secrets.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeAws } from './support/fake-aws.js';
import { proxyInFrontOfFakeAws } from './support/harness.js';
import { AWS_CLI, cleanEnv, PROXY_BIN, PYTHON, run, startProxy, type ProxyRun } from './support/proxy-process.js';

let upstream: FakeAws;
let proxy: ProxyRun;
proxyInFrontOfFakeAws((started) => void ({ upstream, proxy } = started));

/** The user's shell: the proxy's configuration, and a real credentials file and SSO cache in HOME. */
function parentEnv(): Record<string, string> {
  const aws = join(proxy.home, '.aws');
  mkdirSync(join(aws, 'sso', 'cache'), { recursive: true });
  writeFileSync(join(aws, 'credentials'), '[default]\naws_secret_access_key = REAL-SECRET-ON-DISK\n');
  writeFileSync(join(aws, 'sso', 'cache', 'token.json'), '{"accessToken":"REAL-SSO-TOKEN"}');
  return { ...cleanEnv(proxy.home), PROXY_PORT: String(proxy.port), AWS_DEFAULT_REGION: 'us-east-1' };
}

const CONNECT = (port: number) => `import socket; s = socket.socket(); s.settimeout(2)
try:
    s.connect(("127.0.0.1", ${port})); print("connected")
except OSError as e:
    print("refused", e.errno)`;

describe('run --isolate', () => {
  it('the AWS CLI works through the proxy; the fake AWS itself, real credential files and the proxy state are out of reach', async () => {
    const upstreamPort = new URL(upstream.endpoint).port;
    const script = [
      `${AWS_CLI} sts get-caller-identity --query Account --output text`,
      `${PYTHON} -c '${CONNECT(Number(upstreamPort))}'`,
      `cat "$HOME/.aws/credentials"; echo "credentials:$?"`,
      `ls -A "$HOME/.aws/sso/cache" | wc -l`,
      `ls -A "${proxy.stateDir}" | sort | tr '\\n' ' '; echo`,
      `cat "${join(proxy.stateDir, 'master.key')}" 2>/dev/null; echo "master:$?"`,
      // Through the proxy, the machine's own ports are refused too (allow-all admits public hosts only).
      `curl -s -o /dev/null -w '%{http_connect}\\n' --noproxy '' -p -x "$HTTPS_PROXY" http://127.0.0.1:${upstreamPort}/ 2>/dev/null`,
      `echo "static:\${AWS_ACCESS_KEY_ID%%[A-Z2-7]*}"`,
    ].join('\n');
    const result = await run(PROXY_BIN, ['run', '--isolate', '--', '/bin/sh', '-c', script], parentEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [account, connectLine, credentials, ssoFiles, stateFiles, master, viaProxy, staticKey] = result.stdout.trim().split('\n');
    expect(account).toBe(upstream.accountId);
    expect(connectLine).toMatch(/^refused /);
    expect(credentials).toBe('credentials:0'); // /dev/null: readable, empty
    expect(ssoFiles!.trim()).toBe('0');
    expect(stateFiles!.trim().split(' ').sort()).toEqual(['ca-bundle.pem', 'ca.pem', 'creds.sock']);
    expect(master).toBe('master:1');
    expect(viaProxy).toBe('403');
    expect(staticKey).toBe('static:'); // the command's own agent key (AKIAPROXY… stripped by the pattern)
    expect(result.stdout).not.toMatch(/REAL-SECRET|REAL-SSO/);
    expect(upstream.requests.every((r) => r.verified)).toBe(true);
  });

  it('outside, nothing changed: the files are still there and the proxy keeps serving', async () => {
    const env = parentEnv();
    await run(PROXY_BIN, ['run', '--isolate', '--', '/bin/true'], env);
    const check = await run('/bin/sh', ['-c', `cat "$HOME/.aws/credentials"; ls "${proxy.stateDir}/master.key"`], env);
    expect(check.stdout).toContain('REAL-SECRET-ON-DISK');
    expect(check.code).toBe(0);
    expect(proxy.child.exitCode).toBeNull();
  });

  it('exit status passes through from inside the namespaces', async () => {
    const result = await run(PROXY_BIN, ['run', '--isolate', '--', '/bin/sh', '-c', 'exit 5'], parentEnv());
    expect(result.code).toBe(5);
  });
});

describe('run --isolate with the container credential endpoint', () => {
  let endpointProxy: ProxyRun;
  beforeAll(async () => {
    endpointProxy = await startProxy({ upstream, env: { PROXY_CREDENTIALS_PORT: '0' } });
  });
  afterAll(async () => {
    await endpointProxy?.stop();
  });

  it('relays its port into the namespace: the AWS CLI fetches its keys there', async () => {
    const env = { ...cleanEnv(endpointProxy.home), PROXY_PORT: String(endpointProxy.port), PROXY_CREDENTIALS_PORT: '0', AWS_DEFAULT_REGION: 'us-east-1' };
    const script = `echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; ${AWS_CLI} sts get-caller-identity --query Account --output text`;
    const result = await run(PROXY_BIN, ['run', '--isolate', '--no-static-keys', '--', '/bin/sh', '-c', script], env);
    expect(result.stderr).toBe('');
    const [uri, account] = result.stdout.trim().split('\n');
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/agents\/default$/);
    expect(account).toBe(upstream.accountId);
    expect(result.code).toBe(0);
  });
});
