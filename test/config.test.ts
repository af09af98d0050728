import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const HOME = '/home/tester';

describe('loadConfig', () => {
  it('defaults: record mode on 127.0.0.1:8080, state under $HOME', () => {
    expect(loadConfig({ HOME })).toStrictEqual({
      host: '127.0.0.1',
      port: 8080,
      stateDir: '/home/tester/.iam-agent-proxy',
      socketPath: '/home/tester/.iam-agent-proxy/creds.sock',
      keypairTtlSeconds: 3600,
      mode: 'record',
      allowlistPath: undefined,
      actionLogPath: '/home/tester/.iam-agent-proxy/actions.log',
      awsConfigPath: '/home/tester/.aws/config',
      upstreamEndpoint: undefined,
    });
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
    expect(config.actionLogPath).toBe('/srv/proxy/actions.log');
    expect(config.awsConfigPath).toBe('/home/tester/.aws/config');
  });

  it('AWS_CONFIG_FILE, PROXY_SOCK_PATH and ACTION_LOG_PATH override their paths and are made absolute', () => {
    const config = loadConfig({ HOME, AWS_CONFIG_FILE: 'rel/config', PROXY_SOCK_PATH: '/tmp/s.sock', ACTION_LOG_PATH: '/var/log/a.log' });
    expect(config.awsConfigPath).toBe(resolve('rel/config'));
    expect(config.socketPath).toBe('/tmp/s.sock');
    expect(config.actionLogPath).toBe('/var/log/a.log');
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

  it('rejects an unknown PROXY_MODE', () => {
    expect(() => loadConfig({ HOME, PROXY_MODE: 'Enforce' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOME, PROXY_MODE: 'audit' })).toThrow('PROXY_MODE must be "record" or "enforce", not "audit"');
  });

  it('rejects enforce mode without ALLOWLIST_PATH', () => {
    expect(() => loadConfig({ HOME, PROXY_MODE: 'enforce' })).toThrow('PROXY_MODE=enforce needs ALLOWLIST_PATH=<IAM policy JSON file>');
    expect(() => loadConfig({ HOME, PROXY_MODE: 'enforce', ALLOWLIST_PATH: '' })).toThrow(ConfigError);
  });

  it.each(['0', '1', '443', '65535'])('accepts PROXY_PORT=%s', (port) => {
    expect(loadConfig({ HOME, PROXY_PORT: port }).port).toBe(Number(port));
  });

  it.each(['-1', '65536', '80.5', 'http', '8080abc', '1e9'])('rejects PROXY_PORT=%s', (port) => {
    expect(() => loadConfig({ HOME, PROXY_PORT: port })).toThrow(`PROXY_PORT must be a whole number from 0 to 65535, not "${port}"`);
  });

  it('PROXY_KEYPAIR_TTL must be between 1 second and 7 days', () => {
    expect(loadConfig({ HOME, PROXY_KEYPAIR_TTL: '1' }).keypairTtlSeconds).toBe(1);
    expect(loadConfig({ HOME, PROXY_KEYPAIR_TTL: '604800' }).keypairTtlSeconds).toBe(604800);
    expect(() => loadConfig({ HOME, PROXY_KEYPAIR_TTL: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOME, PROXY_KEYPAIR_TTL: '604801' })).toThrow(ConfigError);
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
