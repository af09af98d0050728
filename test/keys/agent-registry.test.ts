import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../src/keys/agent-registry.js';
import { agentTag } from '../../src/keys/key-id.js';
import { MASTER } from './fixture.js';

describe('AgentRegistry', () => {
  it('knows default, the declared agents (with their lifetimes) and the recorded ones, by tag and by name', () => {
    const agents = new AgentRegistry(MASTER, [{ name: 'ci', ttlSeconds: 900 }, { name: 'claude' }], ['old']);
    for (const name of ['default', 'ci', 'claude', 'old']) {
      expect(agents.tagOf(name)).toBe(agentTag(MASTER, name));
      expect(agents.nameOf(agentTag(MASTER, name))).toBe(name);
    }
    expect(agents.isDeclared('ci')).toBe(true);
    expect(agents.isDeclared('old')).toBe(false);
    expect(agents.ttlOf('ci')).toBe(900);
    expect(agents.ttlOf('claude')).toBeUndefined();
    expect(agents.tagOf('nobody')).toBeUndefined();
  });

  it('record: a new name is saved with the others; a known one is not new', () => {
    const saved: string[][] = [];
    const agents = new AgentRegistry(MASTER, [{ name: 'ci' }], ['old'], (names) => saved.push(names));
    expect(agents.record('ci')).toBe(false);
    expect(agents.record('old')).toBe(false);
    expect(agents.record('new')).toBe(true);
    expect(saved).toStrictEqual([['old', 'new']]);
    expect(() => agents.record('bad name')).toThrow(/agent name must match/);
  });

  it('ignores recorded names that are malformed or now declared', () => {
    const saved: string[][] = [];
    const agents = new AgentRegistry(MASTER, [{ name: 'ci' }], ['ci', '../x', 'kept'], (names) => saved.push(names));
    agents.record('more');
    expect(saved).toStrictEqual([['kept', 'more']]);
    expect(agents.isDeclared('ci')).toBe(true);
  });

  it('caps the agents created on first use', () => {
    const agents = new AgentRegistry(MASTER, [], Array.from({ length: 1000 }, (_, i) => `a${i}`));
    expect(() => agents.record('one-more')).toThrow('1000 agents were already created on first use: declare the agents you use in PROXY_AGENTS');
  });
});
