import { describe, expect, it } from 'vitest';
import { agentEnvironment, proxyUrl, type AgentEnvironmentInput } from '../../src/cli/agent-environment.js';
import { UsageError } from '../../src/cli/args.js';
import { loadConfig } from '../../src/config.js';

const HOME = '/home/u';
const config = (env: Record<string, string> = {}) => loadConfig({ HOME, ...env });
const asObject = (input: AgentEnvironmentInput) => Object.fromEntries(agentEnvironment(input).map((v) => [v.name, v.value]));

describe('agentEnvironment', () => {
  it('gives the default agent the proxy, the profile and CA trust, in a fixed order', () => {
    expect(agentEnvironment({ config: config(), env: { HOME } })).toStrictEqual([
      { name: 'HTTPS_PROXY', value: 'http://127.0.0.1:8080' },
      { name: 'https_proxy', value: 'http://127.0.0.1:8080' },
      { name: 'HTTP_PROXY', value: 'http://127.0.0.1:8080' },
      { name: 'http_proxy', value: 'http://127.0.0.1:8080' },
      { name: 'NO_PROXY', value: 'localhost,127.0.0.1,::1' },
      { name: 'no_proxy', value: 'localhost,127.0.0.1,::1' },
      { name: 'AWS_PROFILE', value: 'iam-agent-proxy' },
      { name: 'PROXY_AGENT_NAME', value: 'default' },
      { name: 'AWS_CA_BUNDLE', value: '/home/u/.iam-agent-proxy/ca.pem' },
      { name: 'NODE_EXTRA_CA_CERTS', value: '/home/u/.iam-agent-proxy/ca.pem' },
      { name: 'SSL_CERT_FILE', value: '/home/u/.iam-agent-proxy/ca-bundle.pem' },
      { name: 'REQUESTS_CA_BUNDLE', value: '/home/u/.iam-agent-proxy/ca-bundle.pem' },
      { name: 'CURL_CA_BUNDLE', value: '/home/u/.iam-agent-proxy/ca-bundle.pem' },
    ]);
  });

  it('uses the configured host and port, and the CA copy of PROXY_CA_BUNDLE_PATH', () => {
    const env = { PROXY_HOST: '10.0.0.5', PROXY_PORT: '3128', PROXY_CA_BUNDLE_PATH: '/srv/shared/proxy-ca.pem' };
    const vars = asObject({ config: config(env), env: { HOME, ...env } });
    expect(vars.HTTPS_PROXY).toBe('http://10.0.0.5:3128');
    expect(vars.AWS_CA_BUNDLE).toBe('/srv/shared/proxy-ca.pem');
    expect(vars.SSL_CERT_FILE).toBe('/srv/shared/ca-bundle.pem');
  });

  it('passes on where proxy-creds finds the sockets and the profile when they are not in the default place', () => {
    const env = { IAM_AGENT_PROXY_HOME: '/var/lib/iap', PROXY_SOCK_PATH: '/run/iap/creds.sock', AWS_CONFIG_FILE: '/etc/aws/config' };
    const vars = asObject({ config: config(env), env: { HOME, ...env } });
    expect(vars).toMatchObject({ IAM_AGENT_PROXY_HOME: '/var/lib/iap', PROXY_SOCK_PATH: '/run/iap/creds.sock', AWS_CONFIG_FILE: '/etc/aws/config', AWS_CA_BUNDLE: '/var/lib/iap/ca.pem' });
    expect(asObject({ config: config({ AWS_CONFIG_FILE: `${HOME}/.aws/config` }), env: { HOME } })).not.toHaveProperty('AWS_CONFIG_FILE');
  });

  it('selects a declared agent by PROXY_AGENT_NAME (proxy-creds then uses its own socket)', () => {
    const env = { PROXY_AGENTS: 'claude,ci=900' };
    expect(asObject({ config: config(env), env: { HOME, ...env }, agent: 'ci' })).toMatchObject({ AWS_PROFILE: 'iam-agent-proxy', PROXY_AGENT_NAME: 'ci' });
  });

  it('accepts an undeclared agent in record and shadow mode (created on first use) but not in enforce mode', () => {
    expect(asObject({ config: config(), env: { HOME }, agent: 'newcomer' }).PROXY_AGENT_NAME).toBe('newcomer');
    const shadow = config({ PROXY_MODE: 'shadow', ALLOWLIST_PATH: '/p.json' });
    expect(asObject({ config: shadow, env: { HOME }, agent: 'newcomer' }).PROXY_AGENT_NAME).toBe('newcomer');
    const enforce = config({ PROXY_MODE: 'enforce', ALLOWLIST_PATH: '/p.json', PROXY_AGENTS: 'claude' });
    expect(() => agentEnvironment({ config: enforce, env: { HOME }, agent: 'newcomer' })).toThrow(UsageError);
    expect(() => agentEnvironment({ config: enforce, env: { HOME }, agent: 'newcomer' })).toThrow('agent "newcomer" is not declared: in enforce mode only agents in PROXY_AGENTS (claude) and "default" get keys');
    expect(asObject({ config: enforce, env: { HOME }, agent: 'claude' }).PROXY_AGENT_NAME).toBe('claude');
    expect(asObject({ config: enforce, env: { HOME } }).PROXY_AGENT_NAME).toBe('default');
  });

  it('refuses an agent name proxy-creds would refuse', () => {
    expect(() => agentEnvironment({ config: config(), env: { HOME }, agent: 'a b' })).toThrow(UsageError);
    expect(() => agentEnvironment({ config: config(), env: { HOME }, agent: 'x'.repeat(65) })).toThrow(UsageError);
  });

  it('refuses PROXY_PORT=0, whose port is only known once the proxy runs', () => {
    expect(() => agentEnvironment({ config: config({ PROXY_PORT: '0' }), env: { HOME } })).toThrow(/PROXY_PORT=0/);
  });

  it('--no-ca-bundle: the profile without ca_bundle and no AWS_CA_BUNDLE; SSL_CERT_FILE still names the combined bundle', () => {
    const vars = asObject({ config: config(), env: { HOME }, noCaBundle: true });
    expect(vars.AWS_PROFILE).toBe('iam-agent-proxy-no-ca-bundle');
    expect(vars).not.toHaveProperty('AWS_CA_BUNDLE');
    expect(vars.SSL_CERT_FILE).toBe('/home/u/.iam-agent-proxy/ca-bundle.pem');
  });

  it('hook: container credentials replace AWS_PROFILE with the ECS-style variables', () => {
    const vars = asObject({ config: config(), env: { HOME }, containerCredentials: { fullUri: 'http://127.0.0.1:9911/agents/default', authorizationToken: 'tok' } });
    expect(vars).not.toHaveProperty('AWS_PROFILE');
    expect(vars).toMatchObject({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9911/agents/default', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok', PROXY_AGENT_NAME: 'default' });
  });
});

describe('proxyUrl', () => {
  it.each([
    ['127.0.0.1', 8080, 'http://127.0.0.1:8080'],
    ['0.0.0.0', 8080, 'http://127.0.0.1:8080'],
    ['::', 9000, 'http://[::1]:9000'],
    ['::1', 9000, 'http://[::1]:9000'],
    ['localhost', 1, 'http://localhost:1'],
  ])('%s:%d → %s', (host, port, url) => {
    expect(proxyUrl(host, port)).toBe(url);
  });

  it('names the agent with its password, percent-encoded', () => {
    expect(proxyUrl('127.0.0.1', 8080, { agent: 'me@laptop', password: 'a-b_c' })).toBe('http://me%40laptop:a-b_c@127.0.0.1:8080');
    const url = new URL(proxyUrl('::', 9000, { agent: 'ci', password: 'x/y' }));
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.host]).toEqual(['ci', 'x/y', '[::1]:9000']);
  });

  it('every proxy variable carries the agent password when given one', () => {
    const vars = asObject({ config: config(), env: { HOME }, agent: 'claude', proxyPassword: 'pw' });
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) expect(vars[name]).toBe('http://claude:pw@127.0.0.1:8080');
  });
});
