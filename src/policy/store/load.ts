import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../config.js';
import { DEFAULT_AGENT } from '../../keys/agent-registry.js';
import type { AgentPolicy, PolicyDocument, PolicyMode } from '../types.js';
import { describeProblems, validatePolicyDocument } from '../validate.js';
import { conditionKeyWarnings } from './condition-keys.js';
import { parseJson } from './json-text.js';
import { describePlace, parseEntry, parsePoliciesFile, within, type EntrySpec, type Place } from './policy-file.js';

/** What the policies come from: config's PROXY_MODE, ALLOWLIST_PATH, PROXY_POLICIES and PROXY_AGENTS. */
export interface PolicySettings {
  mode: PolicyMode;
  allowlistPath: string | undefined;
  policiesPath: string | undefined;
  agents: ReadonlyArray<{ name: string }>;
}

/** One agent's policy as loaded; the store stamps it with a version. */
export type LoadedPolicy = Omit<AgentPolicy, 'version'>;

export interface LoadedPolicies {
  default: LoadedPolicy;
  agents: Map<string, LoadedPolicy>;
  /** Every file read, by path, with its text (a directory: its listing): what a reload compares. */
  inputs: Map<string, string>;
  /** Where those files are: what to watch. */
  directories: string[];
  /** One line per condition key a policy uses that the proxy cannot supply. */
  warnings: string[];
}

/**
 * Reads and validates every policy the settings name. Any problem, anywhere, is a ConfigError
 * of one line listing each problem with its file and place.
 */
export async function loadPolicies(settings: PolicySettings): Promise<LoadedPolicies> {
  const loader = new Loader(settings);
  const loaded = await loader.load();
  if (loader.problems.length || !loaded) throw new ConfigError(loader.problems.join('; '));
  return loaded;
}

type Table = Pick<LoadedPolicies, 'default' | 'agents'>;

class Loader {
  readonly problems: string[] = [];
  private readonly inputs = new Map<string, string>();
  private readonly directories = new Set<string>();
  private readonly warnings = new Set<string>();
  private readonly declared: Set<string>;

  constructor(private readonly settings: PolicySettings) {
    this.declared = new Set(settings.agents.map((agent) => agent.name));
  }

  async load(): Promise<LoadedPolicies | undefined> {
    const { allowlistPath, policiesPath, mode } = this.settings;
    let table: Table | undefined;
    if (allowlistPath) table = await this.allowlist(allowlistPath);
    else if (policiesPath) table = await this.policies(policiesPath);
    else table = { default: { mode, policy: undefined, source: `PROXY_MODE=${mode}` }, agents: new Map() };
    return table && { ...table, inputs: this.inputs, directories: [...this.directories], warnings: [...this.warnings] };
  }

  /** ALLOWLIST_PATH: one policy for every agent, in PROXY_MODE. */
  private async allowlist(path: string): Promise<Table | undefined> {
    const label = `ALLOWLIST_PATH ${path}`;
    const policy = await this.policyDocument(await this.readJson(path, label), { file: label, path: '' }, path);
    return policy && { default: { mode: this.settings.mode, policy, source: path }, agents: new Map() };
  }

  private async policies(path: string): Promise<Table | undefined> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      this.problems.push(`cannot read PROXY_POLICIES ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      return undefined;
    }
    return isDirectory ? this.policyDirectory(path) : this.policiesFile(path);
  }

  /** `{"default": <entry>, "agents": {...}}`; policy paths are relative to the file's directory. */
  private async policiesFile(path: string): Promise<Table | undefined> {
    const label = `PROXY_POLICIES ${path}`;
    const value = await this.readJson(path, label);
    if (value === undefined) return undefined;
    const spec = parsePoliciesFile(value, { file: label, path: '' }, (name) => this.undeclared(name), this.problems);
    const agents = new Map<string, LoadedPolicy>();
    for (const [name, entry] of spec.agents) {
      const loaded = await this.entry(entry, dirname(path), `${path}#agents.${name}`);
      if (loaded) agents.set(name, loaded);
    }
    const fallback = spec.default && (await this.entry(spec.default, dirname(path), `${path}#default`));
    return fallback && { default: fallback, agents };
  }

  /**
   * `<agent>.json` and `default.json`, each an entry or a bare policy (in PROXY_MODE). Other
   * names are not read: editors' backups, hidden files, subdirectories (for referenced policies).
   */
  private async policyDirectory(dir: string): Promise<Table | undefined> {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory() && /^[^.].*\.json$/.test(e.name)).map((e) => e.name).sort();
    } catch (error) {
      this.problems.push(`cannot read PROXY_POLICIES ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      return undefined;
    }
    this.inputs.set(dir, names.join('\n')); // a file added or removed is a change
    this.directories.add(dir);
    let fallback: LoadedPolicy | undefined;
    const agents = new Map<string, LoadedPolicy>();
    for (const name of names) {
      const path = join(dir, name);
      const place = { file: `PROXY_POLICIES ${path}`, path: '' };
      const agent = name.slice(0, -'.json'.length);
      const problem = agent === 'default' ? undefined : this.undeclared(agent);
      if (problem) this.problems.push(`${place.file}: ${problem}`);
      const value = await this.readJson(path, place.file);
      if (value === undefined) continue;
      const entry = parseEntry(value, place, true, this.problems);
      const loaded = entry && (await this.entry(entry, dir, path));
      if (loaded && agent === 'default') fallback = loaded;
      else if (loaded) agents.set(agent, loaded);
    }
    if (!names.includes('default.json')) {
      this.problems.push(
        `PROXY_POLICIES ${dir}: no default.json for agents without a file of their own: add one, {"mode": "enforce", "policy": {"Version": "2012-10-17", "Statement": []}} to refuse their calls or {"mode": "record"} to record them`,
      );
    }
    return fallback && { default: fallback, agents };
  }

  private async entry(spec: EntrySpec, baseDir: string, source: string): Promise<LoadedPolicy | undefined> {
    const mode = spec.mode ?? this.settings.mode;
    if (spec.policy === undefined) {
      if (mode === 'record') return { mode, policy: undefined, source };
      this.problems.push(`${describePlace(spec.place)}: mode "${mode}"${spec.mode ? '' : ' (PROXY_MODE)'} needs a "policy"`);
      return undefined;
    }
    if ('inline' in spec.policy) {
      const policy = await this.policyDocument(spec.policy.inline, spec.policy.place, source);
      return policy && { mode, policy, source };
    }
    const path = resolve(baseDir, spec.policy.path);
    const label = `${path} (named by ${describePlace(within(spec.place, 'policy'))})`;
    const policy = await this.policyDocument(await this.readJson(path, label), { file: label, path: '' }, path);
    return policy && { mode, policy, source: path };
  }

  /** Validated, with the warnings for its condition keys; undefined (and a problem) if invalid. */
  private async policyDocument(value: unknown, place: Place, source: string): Promise<PolicyDocument | undefined> {
    if (value === undefined) return undefined;
    const problems = await validatePolicyDocument(value);
    if (problems.length) {
      this.problems.push(`${describePlace(place)} is not a valid IAM policy: ${describeProblems(problems)}`);
      return undefined;
    }
    for (const warning of await conditionKeyWarnings(value as PolicyDocument, source)) this.warnings.add(warning);
    return value as PolicyDocument;
  }

  /** The parsed file; undefined (and a problem) if unreadable or not JSON. */
  private async readJson(path: string, label: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      this.problems.push(`cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      return undefined;
    }
    this.inputs.set(path, text);
    this.directories.add(dirname(path));
    const parsed = parseJson(text);
    if (parsed.ok) return parsed.value;
    this.problems.push(`${label} is not valid JSON: ${parsed.error}`);
    return undefined;
  }

  /**
   * An entry for an agent PROXY_AGENTS does not declare could be claimed by anyone with the
   * default socket, which hands out keys for undeclared names in record mode.
   */
  private undeclared(name: string): string | undefined {
    if (name === DEFAULT_AGENT || this.declared.has(name)) return undefined;
    return `agent "${name}" is not declared in PROXY_AGENTS: declare it, so that only its own socket gets its keys`;
  }
}
