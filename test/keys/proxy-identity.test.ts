import { describe, expect, it } from 'vitest';
import { agentOfProxyAuthorization, proxyPassword } from '../../src/keys/proxy-identity.js';

const master = Buffer.alloc(32, 7);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('proxy identity', () => {
  it('a password is per agent and per master key, and URL-safe', () => {
    expect(proxyPassword(master, 'claude')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(proxyPassword(master, 'claude')).not.toBe(proxyPassword(master, 'ci'));
    expect(proxyPassword(master, 'claude')).not.toBe(proxyPassword(Buffer.alloc(32, 8), 'claude'));
  });

  it('names the agent whose password it is', () => {
    expect(agentOfProxyAuthorization(basic('claude', proxyPassword(master, 'claude')), master)).toBe('claude');
    expect(agentOfProxyAuthorization(basic('me@laptop', proxyPassword(master, 'me@laptop')), master)).toBe('me@laptop');
    expect(agentOfProxyAuthorization(`basic   ${Buffer.from(`ci:${proxyPassword(master, 'ci')}`).toString('base64')}`, master)).toBe('ci');
  });

  it.each([
    ['absent', undefined],
    ['another agent password', basic('claude', proxyPassword(master, 'ci'))],
    ['another master key', basic('claude', proxyPassword(Buffer.alloc(32, 8), 'claude'))],
    ['no password', basic('claude', '')],
    ['no user', basic('', proxyPassword(master, 'claude'))],
    ['a bad agent name', basic('a b', proxyPassword(master, 'a b'))],
    ['not Basic', `Bearer ${proxyPassword(master, 'claude')}`],
    ['garbage', 'Basic !!!'],
    ['oversized', `Basic ${'A'.repeat(4096)}`],
  ])('proves nothing when %s', (_case, header) => {
    expect(agentOfProxyAuthorization(header, master)).toBeUndefined();
  });
});
