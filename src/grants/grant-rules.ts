import { formatDuration, parseDuration } from './duration.js';
import { ACCESS_LEVELS, GrantError, type AccessLevel, type AutoApproveRule } from './types.js';

/** PROXY_GRANT_RULES, read: the bounds on every grant's duration and the auto-approve rules. */
export interface GrantRules {
  minDurationSeconds: number;
  maxDurationSeconds: number;
  autoApprove: AutoApproveRule[];
}

const DEFAULT_MIN_DURATION_SECONDS = 5 * 60;
const DEFAULT_MAX_DURATION_SECONDS = 12 * 3600;
const MAX_RISK = 10;

const FILE_FIELDS = ['minDuration', 'maxDuration', 'autoApprove'];
const RULE_FIELDS = ['name', 'accessLevels', 'services', 'agents', 'maxDuration', 'allowWildcardResources', 'maxRisk'];

/**
 * A PROXY_GRANT_RULES document, validated: durations in seconds or as `15m`, `2h30m`; access
 * levels spelt as iam-data spells them. Any mistake, an unknown field included, is a GrantError
 * naming `source` and the field, since a misspelt condition would silently approve more.
 */
export function parseGrantRules(json: unknown, source: string): GrantRules {
  try {
    const file = fieldsOf(json, FILE_FIELDS, 'the grant rules');
    const minDurationSeconds = file.minDuration === undefined ? DEFAULT_MIN_DURATION_SECONDS : parseDuration(file.minDuration, 'minDuration');
    const maxDurationSeconds = file.maxDuration === undefined ? DEFAULT_MAX_DURATION_SECONDS : parseDuration(file.maxDuration, 'maxDuration');
    if (minDurationSeconds > maxDurationSeconds) throw new GrantError(`minDuration (${formatDuration(minDurationSeconds)}) is longer than maxDuration (${formatDuration(maxDurationSeconds)})`);
    const autoApprove = file.autoApprove === undefined ? [] : listOf(file.autoApprove, 'autoApprove', { allowEmpty: true }).map((rule, i) => parseRule(rule, `autoApprove[${i}]`));
    const names = autoApprove.map((rule) => rule.name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) throw new GrantError(`autoApprove: two rules are named ${JSON.stringify(repeated)}`);
    return { minDurationSeconds, maxDurationSeconds, autoApprove };
  } catch (error) {
    throw error instanceof GrantError ? new GrantError(`${source}: ${error.message}`) : error;
  }
}

function parseRule(json: unknown, where: string): AutoApproveRule {
  const fields = fieldsOf(json, RULE_FIELDS, where);
  if (typeof fields.name !== 'string' || !fields.name.trim()) throw new GrantError(`${where}.name: every rule needs a name`);
  const rule: AutoApproveRule = { name: fields.name };
  if (fields.accessLevels !== undefined) rule.accessLevels = listOf(fields.accessLevels, `${where}.accessLevels`).map((level, i) => accessLevel(level, `${where}.accessLevels[${i}]`));
  if (fields.services !== undefined) rule.services = listOf(fields.services, `${where}.services`).map((service, i) => servicePrefix(service, `${where}.services[${i}]`));
  if (fields.agents !== undefined) rule.agents = listOf(fields.agents, `${where}.agents`).map((agent, i) => agentName(agent, `${where}.agents[${i}]`));
  if (fields.maxDuration !== undefined) rule.maxDurationSeconds = parseDuration(fields.maxDuration, `${where}.maxDuration`);
  if (fields.allowWildcardResources !== undefined) {
    if (typeof fields.allowWildcardResources !== 'boolean') throw new GrantError(`${where}.allowWildcardResources: true or false, not ${JSON.stringify(fields.allowWildcardResources)}`);
    rule.allowWildcardResources = fields.allowWildcardResources;
  }
  const { maxRisk } = fields;
  if (maxRisk !== undefined) {
    if (typeof maxRisk !== 'number' || !Number.isInteger(maxRisk) || maxRisk < 1 || maxRisk > MAX_RISK) throw new GrantError(`${where}.maxRisk: a whole number from 1 to ${MAX_RISK}, not ${JSON.stringify(maxRisk)}`);
    rule.maxRisk = maxRisk;
  }
  return rule;
}

/** A JSON object's fields, refusing any not in `known`. */
function fieldsOf(json: unknown, known: string[], what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new GrantError(`${what}: expected a JSON object`);
  const unknown = Object.keys(json).find((field) => !known.includes(field));
  if (unknown !== undefined) throw new GrantError(`${what}: unknown field ${JSON.stringify(unknown)} (known: ${known.join(', ')})`);
  return json as Record<string, unknown>;
}

/** A list, not empty unless allowed: an empty list in a rule would match next to nothing, surely a mistake. */
function listOf(json: unknown, where: string, { allowEmpty = false } = {}): unknown[] {
  if (!Array.isArray(json)) throw new GrantError(`${where}: expected a list`);
  if (!json.length && !allowEmpty) throw new GrantError(`${where}: an empty list; leave the field out instead`);
  return json;
}

function accessLevel(json: unknown, where: string): AccessLevel {
  if (!ACCESS_LEVELS.includes(json as AccessLevel)) throw new GrantError(`${where}: ${JSON.stringify(json)} is not an access level (${ACCESS_LEVELS.join(', ')})`);
  return json as AccessLevel;
}

function servicePrefix(json: unknown, where: string): string {
  if (typeof json !== 'string' || !/^[a-z0-9-]+$/.test(json)) throw new GrantError(`${where}: ${JSON.stringify(json)} is not a service prefix (like "s3")`);
  return json;
}

function agentName(json: unknown, where: string): string {
  if (typeof json !== 'string' || !json) throw new GrantError(`${where}: ${JSON.stringify(json)} is not an agent name`);
  return json;
}
