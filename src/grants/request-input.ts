import { GrantError, type AccessRequest } from './types.js';

/** Bounds on what an agent may send: its text reaches the approver's screen and grants.json. */
export const INPUT_LIMITS = { items: 50, actionChars: 200, resourceChars: 2048, reasonChars: 1000, ticketChars: 200 } as const;

/** The shapes of what an agent sends, shared with the MCP server's schemas and the approvals page. */
export const IAM_ACTION = /^(?:\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;
export const GRANT_ID = /^g-[0-9a-f]{16}$/;
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
// Control characters would let a reason rewrite the approver's terminal line; bidirectional
// overrides and isolates would make it (or a resource) read otherwise than it is.
export const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]*$/;

/** The actions and resources of a `preview` or `request_access`: non-empty lists of IAM names and ARNs. */
export function actionsAndResources(input: Record<string, unknown>): { actions: string[]; resources: string[] } {
  const actions = stringList(input.actions, 'actions', INPUT_LIMITS.actionChars);
  const bad = actions.find((action) => !IAM_ACTION.test(action));
  if (bad !== undefined) throw new GrantError(`"${bad}" is not an IAM action: write service:Action, e.g. s3:GetObject (wildcards * and ? allowed)`);
  const resources = stringList(input.resources, 'resources', INPUT_LIMITS.resourceChars);
  const notArn = resources.find((resource) => resource !== '*' && !resource.startsWith('arn:'));
  if (notArn !== undefined) throw new GrantError(`"${notArn}" is not a resource: give an ARN (arn:aws:s3:::bucket/key) or *`);
  return { actions, resources };
}

/** A `request_access` as the store takes it; `duration` is seconds (the MCP server converts "30m"). */
export function accessRequestFrom(input: Record<string, unknown>): AccessRequest {
  const { actions, resources } = actionsAndResources(input);
  if (!Number.isSafeInteger(input.duration)) throw new GrantError('"duration" must be a whole number of seconds');
  const reason = text(input.reason, 'reason', INPUT_LIMITS.reasonChars);
  if (reason === undefined || reason === '') throw new GrantError('"reason" is required: say what the access is for, in a sentence the approver will read');
  const ticket = text(input.ticket, 'ticket', INPUT_LIMITS.ticketChars);
  return { actions, resources, durationSeconds: input.duration as number, reason, ...(ticket ? { ticket } : {}) };
}

/** A `region` as a preview names it. */
export function regionFrom(value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !REGION.test(value))) throw new GrantError('"region" must be a region name like us-east-1');
  return value;
}

/** A grant id as the store makes them. */
export function grantIdFrom(value: unknown): string {
  if (typeof value !== 'string' || !GRANT_ID.test(value)) throw new GrantError('"id" must be a grant id like g-0123456789abcdef');
  return value;
}

function stringList(value: unknown, name: string, maxChars: number): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > INPUT_LIMITS.items) throw new GrantError(`"${name}" must be a list of 1 to ${INPUT_LIMITS.items} strings`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || item.length > maxChars || !PRINTABLE.test(item)) throw new GrantError(`each of "${name}" must be a string of 1 to ${maxChars} printable characters`);
  }
  return [...new Set(value as string[])];
}

function text(value: unknown, name: string, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxChars || !PRINTABLE.test(value)) throw new GrantError(`"${name}" must be text of at most ${maxChars} printable characters`);
  return value.trim();
}
