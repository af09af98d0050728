import type { PolicyMode } from '../types.js';

export const MODES: readonly PolicyMode[] = ['record', 'enforce', 'shadow', 'ask'];

/** Where a value is: the file, labelled as the user configured it, and the JSON path inside it. */
export interface Place {
  file: string;
  path: string;
}

/** `agents.claude`, `agents["bot@host"]`. */
export function within(place: Place, key: string): Place {
  const step = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return { file: place.file, path: `${place.path}${step}`.replace(/^\./, '') };
}

export function describePlace(place: Place): string {
  return place.path ? `${place.file}: ${place.path}` : place.file;
}

/** One agent's (or the default's) entry as written: a mode, and a policy inline or by path. */
export interface EntrySpec {
  place: Place;
  mode: PolicyMode | undefined;
  /** Inline with the place of the document itself, or a path as written. */
  policy: { inline: unknown; place: Place } | { path: string } | undefined;
}

export interface PoliciesFileSpec {
  default: EntrySpec | undefined;
  agents: Map<string, EntrySpec>;
}

/**
 * `{"default": <entry>, "agents": {"<agent>": <entry>, ...}}`. Each problem is pushed as one
 * line naming its place; `agentProblem` says why a name may not have an entry of its own.
 */
export function parsePoliciesFile(value: unknown, place: Place, agentProblem: (name: string) => string | undefined, problems: string[]): PoliciesFileSpec {
  const spec: PoliciesFileSpec = { default: undefined, agents: new Map() };
  if (!isObject(value)) {
    problems.push(`${describePlace(place)}: expected {"default": {"mode": ..., "policy": ...}, "agents": {"<agent>": {...}}}`);
    return spec;
  }
  unknownFields(value, place, ['default', 'agents'], 'a policies file has "default" and "agents"', problems);
  if (value.default === undefined) {
    problems.push(
      `${describePlace(place)}: no "default" for agents not listed: add "default": {"mode": "enforce", "policy": {"Version": "2012-10-17", "Statement": []}} to refuse their calls, or {"mode": "record"} to record them`,
    );
  } else {
    spec.default = parseEntry(value.default, within(place, 'default'), false, problems);
  }
  if (value.agents === undefined) return spec;
  if (!isObject(value.agents)) {
    problems.push(`${describePlace(within(place, 'agents'))}: expected an object of agent names to entries`);
    return spec;
  }
  for (const [name, entry] of Object.entries(value.agents)) {
    const at = within(within(place, 'agents'), name);
    const problem = agentProblem(name);
    if (problem) problems.push(`${describePlace(at)}: ${problem}`);
    const parsed = parseEntry(entry, at, false, problems);
    if (parsed) spec.agents.set(name, parsed);
  }
  return spec;
}

/**
 * `{"mode"?: "record" | "enforce" | "shadow", "policy"?: {...} | "path.json"}`; with `bare`, a
 * policy document alone (it has a "Statement") is an entry without a mode.
 */
export function parseEntry(value: unknown, place: Place, bare: boolean, problems: string[]): EntrySpec | undefined {
  if (isObject(value) && 'Statement' in value) {
    if (bare) return { place, mode: undefined, policy: { inline: value, place } };
    problems.push(`${describePlace(place)}: a policy goes under "policy", as in {"mode": "enforce", "policy": {"Version": ..., "Statement": ...}}`);
    return undefined;
  }
  if (!isObject(value)) {
    problems.push(`${describePlace(place)}: expected {"mode": ..., "policy": ...}${bare ? ' or a policy document' : ''}`);
    return undefined;
  }
  unknownFields(value, place, ['mode', 'policy'], 'an entry has "mode" and "policy"', problems);
  const { mode, policy } = value;
  const spec: EntrySpec = { place, mode: undefined, policy: undefined };
  if (typeof mode === 'string' && (MODES as string[]).includes(mode)) spec.mode = mode as PolicyMode;
  else if (mode !== undefined) problems.push(`${describePlace(within(place, 'mode'))}: must be "record", "enforce", "shadow" or "ask", not ${JSON.stringify(mode)}`);
  if (typeof policy === 'string' && policy !== '') spec.policy = { path: policy };
  else if (isObject(policy)) spec.policy = { inline: policy, place: within(place, 'policy') };
  else if (policy !== undefined) problems.push(`${describePlace(within(place, 'policy'))}: expected a policy document or the path of a policy file, not ${JSON.stringify(policy)}`);
  return spec;
}

function unknownFields(value: Record<string, unknown>, place: Place, known: string[], hint: string, problems: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`${describePlace(within(place, key))}: unknown field (${hint})`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
