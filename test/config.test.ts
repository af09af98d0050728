import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const HOME = '/home/tester';

describe('loadConfig', () => {
  it('defaults: record mode on 127.0.0.1:8080, state under $HOME', () => {
    expect(loadConfig({ HOME })).toStrictEqual({
      host: '127.0.0.1',
      port: 8080,
      credentialsPort: undefined,
      adminPort: undefined,
      stateDir: '/home/tester/.iam-agent-proxy',
      socketPath: '/home/tester/.iam-agent-proxy/creds.sock',
      adminSocketPath: '/home/tester/.iam-agent-proxy/admin.sock',
      agentSocketDir: '/home/tester/.iam-agent-proxy/agents',
      agents: [],
      lifetimes: { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 43200 },
      refetchLimit: { count: 10, windowSeconds: 300 },
      mode: 'record',
      allowlistPath: undefined,
      policiesPath: undefined,
      actionLogPath: '/home/tester/.iam-agent-proxy/actions.log',
      actionLogMaxBytes: undefined,
      awsConfigPath: '/home/tester/.aws/config',
      caBundlePath: '/home/tester/.iam-agent-proxy/ca.pem',
      upstreamEndpoint: undefined,
      egress: { mode: 'allow-all', rules: [] },
      upstreamTimeouts: { connectMs: 10_000, responseMs: 30_000, longResponseMs: 900_000 },
      drainMs: 10_000,
      grantRulesPath: undefined,
      grantsPath: '/home/tester/.iam-agent-proxy/grants.json',
      askTimeoutMs: 45_000,
    });
  });

  it('ask mode, grant rules and the ask timeout', () => {
    const config = loadConfig({ HOME, PROXY_MODE: 'ask', ALLOWLIST_PATH: '/etc/allow.json', PROXY_GRANT_RULES: 'rules.json', PROXY_ASK_TIMEOUT_MS: '5000' });
    expect(config).toMatchObject({ mode: 'ask', grantRulesPath: resolve('rules.json'), askTimeoutMs: 5000 });
    expect(() => loadConfig({ HOME, PROXY_MODE: 'ask' })).toThrow('PROXY_MODE=ask needs ALLOWLIST_PATH');
    expect(() => loadConfig({ HOME, PROXY_ASK_TIMEOUT_MS: '0' })).toThrow('PROXY_ASK_TIMEOUT_MS');
  });

  it('upstream timeouts: each setting in ms, refused outside 1 ms to a day', () => {
    const env = { HOME: '/h', PROXY_UPSTREAM_CONNECT_TIMEOUT_MS: '2000', PROXY_UPSTREAM_TIMEOUT_MS: '5000', PROXY_UPSTREAM_LONG_TIMEOUT_MS: '60000' };
    expect(loadConfig(env).upstreamTimeouts).toStrictEqual({ connectMs: 2000, responseMs: 5000, longResponseMs: 60_000 });
    expect(() => loadConfig({ HOME: '/h', PROXY_UPSTREAM_TIMEOUT_MS: '0' })).toThrow('PROXY_UPSTREAM_TIMEOUT_MS must be a whole number from 1 to 86400000, not "0"');
    expect(() => loadConfig({ HOME: '/h', PROXY_UPSTREAM_CONNECT_TIMEOUT_MS: '5s' })).toThrow(ConfigError);
  });

  it('falls back to the OS home directory without HOME', () => {
    const config = loadConfig({});
    expect(config.stateDir).toBe(join(homedir(), '.iam-agent-proxy'));
    expect(config.awsConfigPath).toBe(join(homedir(), '.aws', 'config'));
  });

  it('IAM_AGENT_PROXY_HOME moves the state dir, socket and log but not the AWS config', () => {
    const config = loadConfig({ HOME, IAM_AGENT_PROXY_HOME: '/srv/proxy' });
    expect(config.stateDir).toBe('/srv/proxy');
    expect(config.socketPath).toBe('/srv/proxy/creds.sock');
    expect(config.adminSocketPath).toBe('/srv/proxy/admin.sock');
    expect(config.agentSocketDir).toBe('/srv/proxy/agents');
    expect(config.caBundlePath).toBe('/srv/proxy/ca.pem');
    expect(config.actionLogPath).toBe('/srv/proxy/actions.log');
    expect(config.awsConfigPath).toBe('/home/tester/.aws/config');
  });

  it('AWS_CONFIG_FILE, PROXY_SOCK_PATH and ACTION_LOG_PATH override their paths and are made absolute', () => {
    const config = loadConfig({ HOME, AWS_CONFIG_FILE: 'rel/config', PROXY_SOCK_PATH: '/tmp/s.sock', ACTION_LOG_PATH: '/var/log/a.log' });
    expect(config.awsConfigPath).toBe(resolve('rel/config'));
    expect(config.socketPath).toBe('/tmp/s.sock');
    expect(config.actionLogPath).toBe('/var/log/a.log');
  });

  it('ACTION_LOG_MAX_BYTES: a whole number of bytes, at least 1024; unset or empty, no rotation', () => {
    expect(loadConfig({ HOME, ACTION_LOG_MAX_BYTES: '1048576' }).actionLogMaxBytes).toBe(1048576);
    expect(loadConfig({ HOME, ACTION_LOG_MAX_BYTES: '' }).actionLogMaxBytes).toBeUndefined();
    for (const bad of ['1023', '10M', '-5', '1.5']) expect(() => loadConfig({ HOME, ACTION_LOG_MAX_BYTES: bad })).toThrow(/ACTION_LOG_MAX_BYTES must be a whole number from 1024/);
  });

  it('empty variables count as unset', () => {
    const config = loadConfig({ HOME, PROXY_MODE: '', PROXY_PORT: '', AWS_CONFIG_FILE: '', IAM_AGENT_PROXY_HOME: '', PROXY_UPSTREAM_ENDPOINT: '' });
    expect(config).toMatchObject({ mode: 'record', port: 8080, awsConfigPath: '/home/tester/.aws/config', stateDir: '/home/tester/.iam-agent-proxy', upstreamEndpoint: undefined });
  });

  it('enforce mode with ALLOWLIST_PATH resolves the path', () => {
    const config = loadConfig({ HOME, PROXY_MODE: 'enforce', ALLOWLIST_PATH: 'policy.json' });
    expect(config.mode).toBe('enforce');
    expect(config.allowlistPath).toBe(resolve('policy.json'));
  });

  it('shadow mode with ALLOWLIST_PATH; ALLOWLIST_PATH is kept in record mode too', () => {
    expect(loadConfig({ HOME, PROXY_MODE: 'shadow', ALLOWLIST_PATH: '/etc/allow.json' })).toMatchObject({ mode: 'shadow', allowlistPath: '/etc/allow.json', policiesPath: undefined });
    expect(loadConfig({ HOME, ALLOWLIST_PATH: '/etc/allow.json' })).toMatchObject({ mode: 'record', allowlistPath: '/etc/allow.json' });
  });

  it.each(['record', 'enforce', 'shadow'])('PROXY_POLICIES (a file or a directory) resolves the path, in PROXY_MODE=%s', (mode) => {
    expect(loadConfig({ HOME, PROXY_MODE: mode, PROXY_POLICIES: 'iap/policies' })).toMatchObject({ mode, allowlistPath: undefined, policiesPath: resolve('iap/policies') });
  });

  it('rejects ALLOWLIST_PATH and PROXY_POLICIES together', () => {
    expect(() => loadConfig({ HOME, ALLOWLIST_PATH: 'a.json', PROXY_POLICIES: 'p.json' })).toThrow(
      'ALLOWLIST_PATH and PROXY_POLICIES are both set: unset one (ALLOWLIST_PATH is one policy for every agent, PROXY_POLICIES a policy per agent)',
    );
  });

  it('rejects an unknown PROXY_MODE', () => {
    expect(() => loadConfig({ HOME, PROXY_MODE: 'Enforce' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOME, PROXY_MODE: 'audit' })).toThrow('PROXY_MODE must be "record", "enforce", "shadow" or "ask", not "audit"');
  });

  it.each(['enforce', 'shadow'])('rejects %s mode without a policy', (mode) => {
    expect(() => loadConfig({ HOME, PROXY_MODE: mode })).toThrow(`PROXY_MODE=${mode} needs ALLOWLIST_PATH=<IAM policy JSON file>`);
    expect(() => loadConfig({ HOME, PROXY_MODE: mode, ALLOWLIST_PATH: '', PROXY_POLICIES: '' })).toThrow(ConfigError);
  });

  it.each(['0', '1', '443', '65535'])('accepts PROXY_PORT=%s', (port) => {
    expect(loadConfig({ HOME, PROXY_PORT: port }).port).toBe(Number(port));
  });

  it.each(['-1', '65536', '80.5', 'http', '8080abc', '1e9'])('rejects PROXY_PORT=%s', (port) => {
    expect(() => loadConfig({ HOME, PROXY_PORT: port })).toThrow(`PROXY_PORT must be a whole number from 0 to 65535, not "${port}"`);
  });

  it('PROXY_CREDENTIALS_PORT: unset or empty, the container credential endpoint is off; 0 is any free port', () => {
    expect(loadConfig({ HOME, PROXY_CREDENTIALS_PORT: '' }).credentialsPort).toBeUndefined();
    for (const port of ['0', '1', '9911', '65535']) expect(loadConfig({ HOME, PROXY_CREDENTIALS_PORT: port }).credentialsPort).toBe(Number(port));
    expect(loadConfig({ HOME, PROXY_PORT: '0', PROXY_CREDENTIALS_PORT: '0' }).credentialsPort).toBe(0);
  });

  it.each(['-1', '65536', '80.5', 'http', '1e9'])('rejects PROXY_CREDENTIALS_PORT=%s', (port) => {
    expect(() => loadConfig({ HOME, PROXY_CREDENTIALS_PORT: port })).toThrow(`PROXY_CREDENTIALS_PORT must be a whole number from 0 to 65535, not "${port}"`);
  });

  it('rejects PROXY_CREDENTIALS_PORT equal to PROXY_PORT', () => {
    expect(() => loadConfig({ HOME, PROXY_CREDENTIALS_PORT: '8080' })).toThrow('PROXY_CREDENTIALS_PORT and PROXY_PORT are both 8080: give the credential endpoint another port');
    expect(() => loadConfig({ HOME, PROXY_PORT: '9000', PROXY_CREDENTIALS_PORT: '9000' })).toThrow(ConfigError);
  });

  it('PROXY_ADMIN_PORT: unset or empty, the admin listener is off; 0 is any free port; never another listener\'s port', () => {
    expect(loadConfig({ HOME, PROXY_ADMIN_PORT: '' }).adminPort).toBeUndefined();
    for (const port of ['0', '9100', '65535']) expect(loadConfig({ HOME, PROXY_ADMIN_PORT: port }).adminPort).toBe(Number(port));
    expect(loadConfig({ HOME, PROXY_PORT: '0', PROXY_CREDENTIALS_PORT: '0', PROXY_ADMIN_PORT: '0' }).adminPort).toBe(0);
    expect(() => loadConfig({ HOME, PROXY_ADMIN_PORT: 'x' })).toThrow('PROXY_ADMIN_PORT must be a whole number from 0 to 65535, not "x"');
    expect(() => loadConfig({ HOME, PROXY_ADMIN_PORT: '8080' })).toThrow('PROXY_ADMIN_PORT and PROXY_PORT are both 8080: give the admin listener another port');
    expect(() => loadConfig({ HOME, PROXY_CREDENTIALS_PORT: '9000', PROXY_ADMIN_PORT: '9000' })).toThrow('PROXY_ADMIN_PORT and PROXY_CREDENTIALS_PORT are both 9000: give the admin listener another port');
  });

  it('PROXY_SOCK_PATH moves the default socket only; PROXY_CA_BUNDLE_PATH names where agents read the CA', () => {
    const config = loadConfig({ HOME, PROXY_SOCK_PATH: '/share/creds.sock', PROXY_CA_BUNDLE_PATH: 'share/ca.pem' });
    expect(config.adminSocketPath).toBe('/home/tester/.iam-agent-proxy/admin.sock');
    expect(config.caBundlePath).toBe(resolve('share/ca.pem'));
  });

  it('PROXY_KEYPAIR_TTL must lie within PROXY_KEY_TTL_MIN and PROXY_KEY_TTL_MAX; the error names the bound', () => {
    expect(loadConfig({ HOME, PROXY_KEYPAIR_TTL: '60' }).lifetimes.defaultSeconds).toBe(60);
    expect(loadConfig({ HOME, PROXY_KEYPAIR_TTL: '43200' }).lifetimes.defaultSeconds).toBe(43200);
    expect(() => loadConfig({ HOME, PROXY_KEYPAIR_TTL: '59' })).toThrow('PROXY_KEYPAIR_TTL "59": 59 s is below the floor of 60 s (PROXY_KEY_TTL_MIN)');
    expect(() => loadConfig({ HOME, PROXY_KEYPAIR_TTL: '43201' })).toThrow('PROXY_KEYPAIR_TTL "43201": 43201 s is above the ceiling of 43200 s (PROXY_KEY_TTL_MAX)');
    expect(() => loadConfig({ HOME, PROXY_KEYPAIR_TTL: 'soon' })).toThrow('PROXY_KEYPAIR_TTL "soon": must be a whole number of seconds, not NaN');
    expect(loadConfig({ HOME, PROXY_KEYPAIR_TTL: '4', PROXY_KEY_TTL_MIN: '1' }).lifetimes).toStrictEqual({ defaultSeconds: 4, minSeconds: 1, maxSeconds: 43200 });
    expect(() => loadConfig({ HOME, PROXY_KEY_TTL_MAX: '1800' })).toThrow('PROXY_KEYPAIR_TTL (default 3600): 3600 s is above the ceiling of 1800 s (PROXY_KEY_TTL_MAX)');
  });

  it('PROXY_KEY_TTL_MAX may not exceed 43200 (the STS maximum); PROXY_KEY_TTL_MIN may not exceed it', () => {
    expect(() => loadConfig({ HOME, PROXY_KEY_TTL_MAX: '43201' })).toThrow('PROXY_KEY_TTL_MAX must be a whole number from 1 to 43200, not "43201"');
    expect(() => loadConfig({ HOME, PROXY_KEY_TTL_MIN: '0' })).toThrow('PROXY_KEY_TTL_MIN must be a whole number from 1 to 43200, not "0"');
    expect(() => loadConfig({ HOME, PROXY_KEY_TTL_MAX: '600', PROXY_KEY_TTL_MIN: '601', PROXY_KEYPAIR_TTL: '600' })).toThrow('PROXY_KEY_TTL_MIN must be a whole number from 1 to 600, not "601"');
    expect(loadConfig({ HOME, PROXY_KEY_TTL_MAX: '30', PROXY_KEYPAIR_TTL: '30' }).lifetimes).toStrictEqual({ defaultSeconds: 30, minSeconds: 30, maxSeconds: 30 });
  });

  it('PROXY_AGENTS: name[=ttlSeconds], comma-separated, each with its own socket', () => {
    const config = loadConfig({ HOME, PROXY_AGENTS: ' claude , ci=900,bot@host=60,' });
    expect(config.agents).toStrictEqual([{ name: 'claude' }, { name: 'ci', ttlSeconds: 900 }, { name: 'bot@host', ttlSeconds: 60 }]);
  });

  it.each([
    ['bad name', 'PROXY_AGENTS: "bad name" is not an agent name (1 to 64 letters, digits, _ . @ -)'],
    ['a/b', 'PROXY_AGENTS: "a/b" is not an agent name (1 to 64 letters, digits, _ . @ -)'],
    ['=60', 'PROXY_AGENTS: "" is not an agent name (1 to 64 letters, digits, _ . @ -)'],
    ['default', 'PROXY_AGENTS: "default" is the agent of the default socket and cannot be declared; pick another name'],
    ['ci,ci=60', 'PROXY_AGENTS: "ci" is declared twice'],
    ['ci=30', 'PROXY_AGENTS: ci=30: 30 s is below the floor of 60 s (PROXY_KEY_TTL_MIN)'],
    ['ci=86400', 'PROXY_AGENTS: ci=86400: 86400 s is above the ceiling of 43200 s (PROXY_KEY_TTL_MAX)'],
    ['ci=', 'PROXY_AGENTS: ci=: must be a whole number of seconds, not NaN'],
  ])('rejects PROXY_AGENTS=%s', (value, message) => {
    expect(() => loadConfig({ HOME, PROXY_AGENTS: value })).toThrow(message);
  });

  it('refuses a socket path longer than a Unix socket allows', () => {
    expect(() => loadConfig({ HOME, IAM_AGENT_PROXY_HOME: `/${'d'.repeat(90)}`, PROXY_AGENTS: 'a'.repeat(20) })).toThrow(/agents\/a{20}\.sock is too long for a Unix socket \(at most 107 bytes\)/);
  });

  it('PROXY_REFETCH_WARN: <keys>/<seconds>', () => {
    expect(loadConfig({ HOME, PROXY_REFETCH_WARN: '3/60' }).refetchLimit).toStrictEqual({ count: 3, windowSeconds: 60 });
    for (const value of ['10', '0/300', '10/0', '1000/300', 'ten/300', '10/300/1']) {
      expect(() => loadConfig({ HOME, PROXY_REFETCH_WARN: value })).toThrow(`PROXY_REFETCH_WARN must be <keys>/<seconds> with 1 to 999 keys and 1 to 86400 seconds (default 10/300), not "${value}"`);
    }
  });

  it('PROXY_UPSTREAM_ENDPOINT: an http(s) URL', () => {
    expect(loadConfig({ HOME, PROXY_UPSTREAM_ENDPOINT: 'https://localhost:4566' }).upstreamEndpoint?.href).toBe('https://localhost:4566/');
    expect(loadConfig({ HOME, PROXY_UPSTREAM_ENDPOINT: 'http://127.0.0.1:9000/' }).upstreamEndpoint?.port).toBe('9000');
  });

  it.each([
    ['localhost:4566', 'PROXY_UPSTREAM_ENDPOINT must start with https:// or http://, not "localhost:4566"'],
    ['not a url', 'PROXY_UPSTREAM_ENDPOINT must be a URL like https://localhost:4566, not "not a url"'],
    ['ftp://example.com', 'PROXY_UPSTREAM_ENDPOINT must start with https:// or http://, not "ftp://example.com"'],
  ])('rejects PROXY_UPSTREAM_ENDPOINT=%s', (value, message) => {
    expect(() => loadConfig({ HOME, PROXY_UPSTREAM_ENDPOINT: value })).toThrow(message);
  });

  it('PROXY_HOST overrides the listen address', () => {
    expect(loadConfig({ HOME, PROXY_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('loadConfig: the agent profile is not the proxy profile', () => {
  it("refuses AWS_PROFILE=iam-agent-proxy, which would make the proxy sign with its own fake keys", () => {
    expect(() => loadConfig({ HOME: '/home/u', AWS_PROFILE: 'iam-agent-proxy' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOME: '/home/u', AWS_PROFILE: 'iam-agent-proxy' })).toThrow(/start the proxy with a profile that has real credentials/);
    expect(loadConfig({ HOME: '/home/u', AWS_PROFILE: 'work' }).mode).toBe('record');
  });
});

describe('loadConfig: PROXY_EGRESS and PROXY_EGRESS_ALLOWLIST', () => {
  const listFile = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'iap-egress-')), 'egress-allowlist');
    writeFileSync(path, text);
    return path;
  };

  it('defaults to allow-all; deny needs no file', () => {
    expect(loadConfig({ HOME }).egress).toEqual({ mode: 'allow-all', rules: [] });
    expect(loadConfig({ HOME, PROXY_EGRESS: 'allow-all' }).egress).toEqual({ mode: 'allow-all', rules: [] });
    expect(loadConfig({ HOME, PROXY_EGRESS: 'deny' }).egress).toEqual({ mode: 'deny', rules: [] });
  });

  it('allowlist reads the file', () => {
    const path = listFile('# ok\nregistry.npmjs.org:443\n*.pypi.org\n');
    expect(loadConfig({ HOME, PROXY_EGRESS: 'allowlist', PROXY_EGRESS_ALLOWLIST: path }).egress).toEqual({
      mode: 'allowlist',
      rules: [
        { host: 'registry.npmjs.org', wildcard: false, port: 443, line: 2 },
        { host: 'pypi.org', wildcard: true, port: undefined, line: 3 },
      ],
    });
  });

  it('allow-all reads the file too: the local hosts it admits besides public ones', () => {
    const path = listFile('build-cache.internal:8080\n10.0.0.5\n');
    expect(loadConfig({ HOME, PROXY_EGRESS_ALLOWLIST: path }).egress).toEqual({
      mode: 'allow-all',
      rules: [
        { host: 'build-cache.internal', wildcard: false, port: 8080, line: 1 },
        { host: '10.0.0.5', wildcard: false, port: undefined, line: 2 },
      ],
    });
  });

  it('deny checks a given file but admits nothing from it', () => {
    expect(loadConfig({ HOME, PROXY_EGRESS: 'deny', PROXY_EGRESS_ALLOWLIST: listFile('example.com\n') }).egress).toEqual({ mode: 'deny', rules: [] });
    expect(() => loadConfig({ HOME, PROXY_EGRESS: 'deny', PROXY_EGRESS_ALLOWLIST: listFile('bad host\n') })).toThrow(ConfigError);
  });

  it.each([
    [{ PROXY_EGRESS: 'none' }, 'PROXY_EGRESS must be "allow-all", "deny" or "allowlist", not "none"'],
    [{ PROXY_EGRESS: 'Deny' }, 'PROXY_EGRESS must be "allow-all", "deny" or "allowlist", not "Deny"'],
    [{ PROXY_EGRESS: 'allowlist' }, 'PROXY_EGRESS=allowlist needs PROXY_EGRESS_ALLOWLIST=<file>'],
    [{ PROXY_EGRESS_ALLOWLIST: '/nonexistent/egress' }, 'cannot read PROXY_EGRESS_ALLOWLIST /nonexistent/egress: ENOENT'],
    [{ PROXY_EGRESS: 'allowlist', PROXY_EGRESS_ALLOWLIST: '/nonexistent/egress' }, 'cannot read PROXY_EGRESS_ALLOWLIST /nonexistent/egress: ENOENT'],
  ])('%j is refused: %s', (env, message) => {
    expect(() => loadConfig({ HOME, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ HOME, ...env })).toThrow(message);
  });

  it('a malformed line is named with the file and line number', () => {
    const path = listFile('ok.example.com\nexample.com:99999\n');
    expect(() => loadConfig({ HOME, PROXY_EGRESS: 'allowlist', PROXY_EGRESS_ALLOWLIST: path })).toThrow(
      `PROXY_EGRESS_ALLOWLIST ${path} line 2: "example.com:99999": "99999" is not a port (1-65535)`,
    );
    const metadata = listFile('169.254.169.254\n');
    expect(() => loadConfig({ HOME, PROXY_EGRESS: 'allowlist', PROXY_EGRESS_ALLOWLIST: metadata })).toThrow(/line 1: .*cloud metadata endpoints are always refused/);
  });
});
