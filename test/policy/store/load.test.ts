import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { loadPolicies, type PolicySettings } from '../../../src/policy/store/load.js';
import type { PolicyMode } from '../../../src/policy/types.js';

const policy = (...actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
const NOTHING = { Version: '2012-10-17', Statement: [] };

const root = mkdtempSync(join(tmpdir(), 'policy-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(root, String(n++));
  mkdirSync(dir);
});

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

function settings(overrides: Partial<PolicySettings> = {}): PolicySettings {
  return { mode: 'record', allowlistPath: undefined, policiesPath: undefined, agents: [{ name: 'claude' }, { name: 'ci' }, { name: 'bot@host' }], ...overrides };
}

async function problem(options: Partial<PolicySettings>): Promise<string> {
  const error = await loadPolicies(settings(options)).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('loadPolicies without a policy', () => {
  it('records every agent, from no file', async () => {
    const loaded = await loadPolicies(settings());
    expect(loaded.default).toStrictEqual({ mode: 'record', policy: undefined, source: 'PROXY_MODE=record' });
    expect(loaded.agents.size).toBe(0);
    expect(loaded.inputs.size).toBe(0);
    expect(loaded.directories).toStrictEqual([]);
  });
});

describe('loadPolicies: ALLOWLIST_PATH', () => {
  it.each<PolicyMode>(['record', 'enforce', 'shadow'])('is one policy for every agent, in PROXY_MODE=%s', async (mode) => {
    const path = write('allow.json', policy('s3:GetObject'));
    const loaded = await loadPolicies(settings({ mode, allowlistPath: path }));
    expect(loaded.default).toStrictEqual({ mode, policy: policy('s3:GetObject'), source: path });
    expect(loaded.agents.size).toBe(0);
    expect([...loaded.inputs.keys()]).toStrictEqual([path]);
    expect(loaded.directories).toStrictEqual([dir]);
  });

  it('names a missing file, bad JSON with its line and column, and an invalid policy with the place of each problem', async () => {
    const missing = join(dir, 'missing.json');
    expect(await problem({ allowlistPath: missing })).toBe(`cannot read ALLOWLIST_PATH ${missing}: ENOENT`);
    const bad = write('bad.json', '{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}');
    expect(await problem({ allowlistPath: bad })).toBe(`ALLOWLIST_PATH ${bad} is not valid JSON: line 3 column 24: expected a property name in double quotes, found "}"`);
    const invalid = write('invalid.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjekt'], Resource: '*' }] });
    expect(await problem({ allowlistPath: invalid })).toBe(`ALLOWLIST_PATH ${invalid} is not a valid IAM policy: Statement[0].Action[1]: "s3:GetObjekt": s3 has no action "GetObjekt"`);
    const grammar = write('grammar.json', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*', Bogus: 1 }] });
    expect(await problem({ allowlistPath: grammar })).toMatch(new RegExp(`^ALLOWLIST_PATH ${grammar} is not a valid IAM policy: Statement\\[0\\].*Bogus`));
    for (const value of ['null', '[]', '"text"', '{"Version": "2012-10-17"}']) {
      const path = write('value.json', value);
      expect(await problem({ allowlistPath: path })).toMatch(new RegExp(`^ALLOWLIST_PATH ${path} is not a valid IAM policy: .+`));
    }
  });
});

describe('loadPolicies: a PROXY_POLICIES file', () => {
  it('gives each listed agent its entry, the rest the default; policy paths are relative to the file', async () => {
    write('base.json', policy('sts:GetCallerIdentity'));
    const path = write('policies.json', {
      default: { mode: 'shadow', policy: './base.json' },
      agents: { claude: { mode: 'enforce', policy: policy('s3:GetObject') }, ci: { mode: 'record' }, 'bot@host': { policy: policy('sqs:SendMessage') } },
    });
    const loaded = await loadPolicies(settings({ mode: 'enforce', policiesPath: path }));
    expect(loaded.default).toStrictEqual({ mode: 'shadow', policy: policy('sts:GetCallerIdentity'), source: join(dir, 'base.json') });
    expect(Object.fromEntries(loaded.agents)).toStrictEqual({
      claude: { mode: 'enforce', policy: policy('s3:GetObject'), source: `${path}#agents.claude` },
      ci: { mode: 'record', policy: undefined, source: `${path}#agents.ci` },
      'bot@host': { mode: 'enforce', policy: policy('sqs:SendMessage'), source: `${path}#agents.bot@host` }, // no mode: PROXY_MODE
    });
    expect([...loaded.inputs.keys()].sort()).toStrictEqual([join(dir, 'base.json'), path]);
    expect(loaded.directories).toStrictEqual([dir]);
  });

  it('an inline default is named by its place; "default" under agents is the agent of the default socket', async () => {
    const path = write('policies.json', { default: { mode: 'enforce', policy: NOTHING }, agents: { default: { mode: 'record' } } });
    const loaded = await loadPolicies(settings({ policiesPath: path }));
    expect(loaded.default).toStrictEqual({ mode: 'enforce', policy: NOTHING, source: `${path}#default` });
    expect(loaded.agents.get('default')).toStrictEqual({ mode: 'record', policy: undefined, source: `${path}#agents.default` });
  });

  it('reads policy files in other directories and watches those too', async () => {
    mkdirSync(join(dir, 'shared'));
    write('shared/base.json', NOTHING);
    const path = write('policies.json', { default: { mode: 'enforce', policy: 'shared/base.json' } });
    const loaded = await loadPolicies(settings({ policiesPath: path }));
    expect(loaded.default.source).toBe(join(dir, 'shared', 'base.json'));
    expect(loaded.directories.sort()).toStrictEqual([dir, join(dir, 'shared')]);
  });

  it.each<[string, unknown, string]>([
    ['a field it does not know', { default: { mode: 'record' }, agent: {} }, 'agent: unknown field (a policies file has "default" and "agents")'],
    ['an entry field it does not know', { default: { mode: 'record', polcy: 'x.json' } }, 'default.polcy: unknown field (an entry has "mode" and "policy")'],
    ['a policy not under "policy"', { default: { mode: 'record' }, agents: { claude: policy('s3:GetObject') } }, 'agents.claude: a policy goes under "policy", as in {"mode": "enforce", "policy": {"Version": ..., "Statement": ...}}'],
    ['a mode it does not know', { default: { mode: 'Enforce', policy: NOTHING } }, 'default.mode: must be "record", "enforce", "shadow" or "ask", not "Enforce"'],
    ['a policy neither document nor path', { default: { mode: 'record', policy: 3 } }, 'default.policy: expected a policy document or the path of a policy file, not 3'],
    ['an entry that is no object', { default: 'record' }, 'default: expected {"mode": ..., "policy": ...}'],
    ['agents that are no object', { default: { mode: 'record' }, agents: ['claude'] }, 'agents: expected an object of agent names to entries'],
    ['an enforce entry without a policy', { default: { mode: 'record' }, agents: { ci: { mode: 'enforce' } } }, 'agents.ci: mode "enforce" needs a "policy"'],
    ['a shadow entry without a policy', { default: { mode: 'shadow' } }, 'default: mode "shadow" needs a "policy"'],
    ['an agent PROXY_AGENTS does not declare', { default: { mode: 'record' }, agents: { claud: { mode: 'record' } } }, 'agents.claud: agent "claud" is not declared in PROXY_AGENTS: declare it, so that only its own socket gets its keys'],
    ['no default', { agents: { claude: { mode: 'record' } } }, 'no "default" for agents not listed: add "default": {"mode": "enforce", "policy": {"Version": "2012-10-17", "Statement": []}} to refuse their calls, or {"mode": "record"} to record them'],
  ])('refuses %s, naming its place', async (_, value, message) => {
    const path = write('policies.json', value);
    expect(await problem({ policiesPath: path })).toBe(`PROXY_POLICIES ${path}: ${message}`);
  });

  it('names an invalid inline policy by its place in the file, and each problem in it', async () => {
    const path = write('policies.json', {
      default: { mode: 'record' },
      agents: { claude: { mode: 'enforce', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjekt'], Resource: '*' }] } } },
    });
    expect(await problem({ policiesPath: path })).toBe(`PROXY_POLICIES ${path}: agents.claude.policy is not a valid IAM policy: Statement[0].Action[1]: "s3:GetObjekt": s3 has no action "GetObjekt"`);
  });

  it('names a referenced file that is missing, not JSON or not a valid policy, and where it is named', async () => {
    write('bad.json', '{"Statement": [}');
    write('invalid.json', { Statement: [{ Effect: 'Allow', Action: 'foo:Bar', Resource: '*' }] });
    const path = write('policies.json', { default: { mode: 'enforce', policy: 'missing.json' }, agents: { claude: { mode: 'enforce', policy: 'bad.json' }, ci: { mode: 'shadow', policy: 'invalid.json' } } });
    expect((await problem({ policiesPath: path })).split('; ')).toStrictEqual([
      `${dir}/bad.json (named by PROXY_POLICIES ${path}: agents.claude.policy) is not valid JSON: line 1 column 16: expected a value, found "}"`,
      `${dir}/invalid.json (named by PROXY_POLICIES ${path}: agents.ci.policy) is not a valid IAM policy: Statement[0].Action: "foo:Bar": AWS has no service prefix "foo"`,
      `cannot read ${dir}/missing.json (named by PROXY_POLICIES ${path}: default.policy): ENOENT`,
    ]);
  });

  it('reports every problem at once, on one line', async () => {
    const path = write('policies.json', { agents: { claude: { mode: 'audit' }, eve: { mode: 'record' } } });
    const message = await problem({ policiesPath: path });
    expect(message).not.toContain('\n');
    expect(message.split('; ').map((line) => line.replace(`PROXY_POLICIES ${path}: `, '').split(':')[0])).toStrictEqual(['no "default" for agents not listed', 'agents.claude.mode', 'agents.eve']);
  });

  it('names a file that is missing or not JSON', async () => {
    const missing = join(dir, 'nope.json');
    expect(await problem({ policiesPath: missing })).toBe(`cannot read PROXY_POLICIES ${missing}: ENOENT`);
    const bad = write('policies.json', '{"default": {"mode": "record"}');
    expect(await problem({ policiesPath: bad })).toBe(`PROXY_POLICIES ${bad} is not valid JSON: line 1 column 31: expected "," or "}", the text ends`);
    const array = write('array.json', '[]');
    expect(await problem({ policiesPath: array })).toBe(`PROXY_POLICIES ${array}: expected {"default": {"mode": ..., "policy": ...}, "agents": {"<agent>": {...}}}`);
  });
});

describe('loadPolicies: a PROXY_POLICIES directory', () => {
  it('reads <agent>.json and default.json, each a bare policy (in PROXY_MODE) or an entry; nothing else', async () => {
    write('default.json', NOTHING);
    write('claude.json', { mode: 'shadow', policy: policy('s3:GetObject') });
    write('ci.json', { mode: 'record' });
    mkdirSync(join(dir, 'shared'));
    write('shared/base.json', policy('sqs:SendMessage'));
    write('bot@host.json', { policy: 'shared/base.json' });
    write('claude.json~', '{ not read');
    write('.claude.json.swp', '{ not read');
    write('README.md', '# notes');
    const loaded = await loadPolicies(settings({ mode: 'enforce', policiesPath: dir }));
    expect(loaded.default).toStrictEqual({ mode: 'enforce', policy: NOTHING, source: join(dir, 'default.json') });
    expect(Object.fromEntries(loaded.agents)).toStrictEqual({
      claude: { mode: 'shadow', policy: policy('s3:GetObject'), source: join(dir, 'claude.json') },
      ci: { mode: 'record', policy: undefined, source: join(dir, 'ci.json') },
      'bot@host': { mode: 'enforce', policy: policy('sqs:SendMessage'), source: join(dir, 'shared', 'base.json') },
    });
    expect(loaded.inputs.get(dir)).toBe('bot@host.json\nci.json\nclaude.json\ndefault.json');
    expect(loaded.directories.sort()).toStrictEqual([dir, join(dir, 'shared')]);
  });

  it('names each problem with its file and place', async () => {
    write('claude.json', { mode: 'enforce', policy: { Statement: [{ Effect: 'Allow', Action: 's3:GetObjekt', Resource: '*' }] } });
    write('ci.json', { mode: 'enforce' });
    write('eve.json', { mode: 'record' });
    write('bot@host.json', { Statement: [{ Effect: 'Allow', Action: 's3:PutObjekt', Resource: '*' }] });
    expect((await problem({ policiesPath: dir })).split('; ')).toStrictEqual([
      `PROXY_POLICIES ${dir}/bot@host.json is not a valid IAM policy: Statement[0].Action: "s3:PutObjekt": s3 has no action "PutObjekt"`,
      `PROXY_POLICIES ${dir}/ci.json: mode "enforce" needs a "policy"`,
      `PROXY_POLICIES ${dir}/claude.json: policy is not a valid IAM policy: Statement[0].Action: "s3:GetObjekt": s3 has no action "GetObjekt"`,
      `PROXY_POLICIES ${dir}/eve.json: agent "eve" is not declared in PROXY_AGENTS: declare it, so that only its own socket gets its keys`,
      `PROXY_POLICIES ${dir}: no default.json for agents without a file of their own: add one, {"mode": "enforce", "policy": {"Version": "2012-10-17", "Statement": []}} to refuse their calls or {"mode": "record"} to record them`,
    ]);
  });

  it('a bare policy in record mode needs no mode; an entry without a policy takes PROXY_MODE and says so', async () => {
    write('default.json', {});
    expect(await problem({ mode: 'shadow', policiesPath: dir })).toBe(`PROXY_POLICIES ${dir}/default.json: mode "shadow" (PROXY_MODE) needs a "policy"`);
  });
});

describe('loadPolicies: condition keys', () => {
  it('warns once per policy about each key the proxy cannot supply', async () => {
    write('base.json', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'ai' } } },
        { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      ],
    });
    const path = write('policies.json', { default: { mode: 'enforce', policy: 'base.json' }, agents: { claude: { mode: 'enforce', policy: 'base.json' } } });
    const loaded = await loadPolicies(settings({ policiesPath: path }));
    expect(loaded.warnings).toStrictEqual([
      `${dir}/base.json: condition key aws:ResourceTag/team cannot be supplied by iam-agent-proxy: Deny statements that use it always apply, Allow statements that use it never do`,
    ]);
  });
});
