import type { AgentPolicy, PolicySet } from '../types.js';
import { loadPolicies, type LoadedPolicies, type LoadedPolicy, type PolicySettings } from './load.js';

export type ReloadOutcome =
  | { outcome: 'reloaded'; version: number }
  | { outcome: 'unchanged'; version: number }
  | { outcome: 'invalid'; version: number; reason: string };

/** `signal`: the user asked (SIGHUP), so every outcome is told; `change`: a file changed, maybe not one of ours. */
export type ReloadTrigger = 'signal' | 'change';

interface InForce {
  default: AgentPolicy;
  agents: Map<string, AgentPolicy>;
  loaded: LoadedPolicies;
}

/**
 * The policies in force, per agent. A reload reads and validates everything anew and, only if
 * all of it is valid, replaces the one object `forAgent` reads: a request sees the old set or
 * the new one, never a mix.
 */
export class PolicyStore implements PolicySet {
  private current: InForce;
  private queue: Promise<unknown> = Promise.resolve();
  private lastFailure: string | undefined;

  /** Loads the policies (a ConfigError if any is invalid) and prints their condition-key warnings. */
  static async open(settings: PolicySettings, notice: (line: string) => void): Promise<PolicyStore> {
    const loaded = await loadPolicies(settings);
    for (const warning of loaded.warnings) notice(`warning: ${warning}`);
    return new PolicyStore(settings, notice, loaded);
  }

  private constructor(
    private readonly settings: PolicySettings,
    private readonly notice: (line: string) => void,
    loaded: LoadedPolicies,
  ) {
    this.current = inForce(loaded, 1);
  }

  forAgent(agent: string): AgentPolicy {
    const current = this.current;
    return current.agents.get(agent) ?? current.default;
  }

  get version(): number {
    return this.current.default.version;
  }

  /** Whether there are files to reload: ALLOWLIST_PATH or PROXY_POLICIES. */
  get reloadable(): boolean {
    return this.current.loaded.inputs.size > 0;
  }

  /** The directories holding the files in force: a change in them may change the policies. */
  get directories(): string[] {
    return this.current.loaded.directories;
  }

  /** One reload at a time, in the order asked. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const next = this.queue.then(() => this.reloadNow(trigger));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** For the banner: `enforce mode, policy /etc/allow.json`, `PROXY_POLICIES /etc/iap: alice enforce, others record`. */
  describe(): string {
    const { default: fallback, agents } = this.current;
    if (!this.settings.policiesPath) return `${fallback.mode} mode${fallback.policy ? `, policy ${fallback.source}` : ''}`;
    return `PROXY_POLICIES ${this.settings.policiesPath}: ${[...agents].map(([name, policy]) => `${name} ${policy.mode}, `).join('')}others ${fallback.mode}`;
  }

  private async reloadNow(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const version = this.version;
    let loaded: LoadedPolicies;
    try {
      loaded = await loadPolicies(this.settings);
    } catch (error) {
      const reason = (error as Error).message;
      if (trigger === 'signal' || reason !== this.lastFailure) this.notice(`policies not reloaded, version ${version} stays in force: ${reason}`);
      this.lastFailure = reason;
      return { outcome: 'invalid', version, reason };
    }
    const recovered = this.lastFailure !== undefined;
    this.lastFailure = undefined;
    if (sameInputs(loaded.inputs, this.current.loaded.inputs)) {
      if (trigger === 'signal' || recovered) this.notice(`policies unchanged (version ${version})`);
      return { outcome: 'unchanged', version };
    }
    for (const warning of loaded.warnings) this.notice(`warning: ${warning}`);
    this.current = inForce(loaded, version + 1);
    this.notice(`policies reloaded (version ${version + 1})`);
    return { outcome: 'reloaded', version: version + 1 };
  }
}

function inForce(loaded: LoadedPolicies, version: number): InForce {
  const stamp = (policy: LoadedPolicy): AgentPolicy => ({ ...policy, version });
  return { default: stamp(loaded.default), agents: new Map([...loaded.agents].map(([name, policy]) => [name, stamp(policy)])), loaded };
}

function sameInputs(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([path, text]) => b.get(path) === text);
}
