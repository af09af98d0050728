import { describe, expect, it } from 'vitest';
import { agentEnvironment } from '../../src/cli/agent-environment.js';
import { childEnvironment, isRealCredentialVariable, REAL_CREDENTIAL_VARIABLES, strippedVariables } from '../../src/cli/run-environment.js';

const config = { host: '127.0.0.1', port: 8080, mode: 'record' as const, agents: [], caBundlePath: '/h/.iam-agent-proxy/ca.pem', awsConfigPath: '/h/.aws/config' };

const realParent = {
  PATH: '/usr/bin:/bin',
  HOME: '/h',
  TERM: 'xterm',
  AWS_ACCESS_KEY_ID: 'AKIAREAL',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'token',
  AWS_SECURITY_TOKEN: 'token',
  AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'real-token',
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/secrets/token',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks/token',
  AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/real',
  AWS_ROLE_SESSION_NAME: 'me',
  AWS_SHARED_CREDENTIALS_FILE: '/h/.aws/credentials',
  AWS_PROFILE: 'admin',
  AWS_DEFAULT_PROFILE: 'admin',
  AWS_SSO_SESSION: 'corp',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  UNSET: undefined,
};

describe('childEnvironment', () => {
  it('drops every real-credential variable and puts in the agent environment', () => {
    const agent = agentEnvironment({ config, env: realParent, agent: 'claude' });
    const child = childEnvironment(realParent, agent);
    for (const name of Object.keys(child)) expect(isRealCredentialVariable(name) && !agent.some((v) => v.name === name)).toBe(false);
    expect(child.AWS_PROFILE).toBe('iam-agent-proxy');
    expect(child).not.toHaveProperty('AWS_DEFAULT_PROFILE');
    expect(child).not.toHaveProperty('AWS_ACCESS_KEY_ID');
    expect(child).not.toHaveProperty('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    expect(child).not.toHaveProperty('UNSET');
    expect(child).toMatchObject({ PATH: '/usr/bin:/bin', HOME: '/h', TERM: 'xterm', AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true', PROXY_AGENT_NAME: 'claude', HTTPS_PROXY: 'http://127.0.0.1:8080' });
    for (const { name, value } of agent) expect(child[name]).toBe(value);
  });

  it("keeps the proxy's own container endpoint variables, and no profile with them", () => {
    const agent = agentEnvironment({ config, env: realParent, agent: 'claude', containerCredentials: { fullUri: 'http://127.0.0.1:9911/agents/claude', authorizationToken: 'agent-token' } });
    const child = childEnvironment(realParent, agent);
    expect(child.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://127.0.0.1:9911/agents/claude');
    expect(child.AWS_CONTAINER_AUTHORIZATION_TOKEN).toBe('agent-token');
    expect(child).not.toHaveProperty('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
    expect(child).not.toHaveProperty('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
    expect(child).not.toHaveProperty('AWS_PROFILE');
  });

  it('the agent environment wins over what the parent says', () => {
    const child = childEnvironment({ HTTPS_PROXY: 'http://elsewhere:3128', NODE_EXTRA_CA_CERTS: '/other.pem' }, [{ name: 'HTTPS_PROXY', value: 'http://127.0.0.1:8080' }]);
    expect(child).toStrictEqual({ HTTPS_PROXY: 'http://127.0.0.1:8080', NODE_EXTRA_CA_CERTS: '/other.pem' });
  });

  it('does not change its inputs', () => {
    const parent = { ...realParent };
    const agent = agentEnvironment({ config, env: parent });
    const copy = JSON.stringify(agent);
    childEnvironment(parent, agent);
    expect(parent).toStrictEqual(realParent);
    expect(JSON.stringify(agent)).toBe(copy);
  });
});

describe('the list', () => {
  it('names the variables the issue lists', () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CREDENTIAL_EXPIRATION']) {
      expect(REAL_CREDENTIAL_VARIABLES).toContain(name);
    }
    for (const name of ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_SSO_START_URL', 'aws_access_key_id']) expect(isRealCredentialVariable(name)).toBe(true);
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE', 'AWS_CA_BUNDLE', 'AWS_EC2_METADATA_DISABLED', 'PATH']) expect(isRealCredentialVariable(name)).toBe(false);
  });

  it('strippedVariables names what the parent had, not what the agent environment puts back', () => {
    expect(strippedVariables({ AWS_ACCESS_KEY_ID: 'x', AWS_PROFILE: 'admin', PATH: '/bin', AWS_SESSION_TOKEN: undefined }, [{ name: 'AWS_PROFILE', value: 'iam-agent-proxy' }])).toStrictEqual(['AWS_ACCESS_KEY_ID']);
  });
});
