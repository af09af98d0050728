import { readFile } from 'node:fs/promises';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ConfigError } from '../../config.js';

/** An IAM identity policy document the agent's calls are checked against in enforce mode. */
export interface Allowlist {
  path: string;
  policy: unknown;
}

/** Reads and validates the allowlist; any problem is a ConfigError that names the file and the fix. */
export async function loadAllowlist(path: string): Promise<Allowlist> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ALLOWLIST_PATH ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`ALLOWLIST_PATH ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const problems = await policyProblems(policy);
  if (problems) throw new ConfigError(`ALLOWLIST_PATH ${path} is not a valid IAM policy: ${problems}`);
  return { path, policy };
}

/** iam-simulate validates policies as it evaluates; one probe evaluation surfaces syntax errors. */
async function policyProblems(policy: unknown): Promise<string | undefined> {
  if (typeof policy !== 'object' || policy === null || !('Statement' in policy)) return 'it has no "Statement"';
  const result = await runSimulation(
    {
      request: {
        principal: 'arn:aws:iam::000000000000:user/probe',
        action: 'sts:GetCallerIdentity',
        resource: { resource: '*', accountId: '000000000000' },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'allowlist', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType !== 'error') return undefined;
  const errors = result.errors.identityPolicyErrors?.allowlist ?? [];
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ') || result.errors.message;
}
