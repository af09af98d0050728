import { resourceStringMatchesResourceTypePattern } from '@cloud-copilot/iam-utils';
import { IamReference } from '../pipeline/resolve/authorize/iam-reference.js';
import { iamPattern } from '../policy/patterns.js';

/** Kept across requests: iam-data's answers change only with the package. */
const reference = new IamReference();

/**
 * Whether allowing `action` on `resource` could ever let a call through: the resource can name
 * one of the action's resource types (iam-utils' compatibility check, as iam-simulate makes it),
 * or, for an action on no resource, matches `*`. Actions × resources holds pairs such as
 * s3:ListBucket on an object, which no call is ever checked against.
 */
export async function grantApplies(action: string, resource: string): Promise<boolean> {
  // iam-utils compares ARNs part by part; a wildcard in fewer than six parts (`arn:*`) may span colons.
  if (/[*?]/.test(resource) && resource.split(':').length < 6) return true;
  await reference.load([action]);
  const known = reference.action(action);
  if (!known) return true; // unknown to iam-data: nothing to rule it out
  if (!known.resourceTypes.length) return iamPattern(resource).test('*');
  return known.resourceTypes.some((type) => resourceStringMatchesResourceTypePattern(resource, type.arn));
}
