import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../../package-root.js';
import { inputShape, type MapEntry, type ServiceModel } from '../../../services/model.js';
import type { InputValue } from '../decode/shape-reader.js';
import type { Authorization, RequestContext, ResourceRef } from '../types.js';
import { actionContext, readableKeys, requestContext } from './context.js';
import { withDerivedInputs, type CallScope } from './derived-inputs.js';
import type { IamReference } from './iam-reference.js';
import { implicitEntries, passedRoles, taggingActionCandidates } from './implicit-actions.js';
import { evaluateMapEntry, withProxyVariables } from './map-entry.js';

type Input = { [member: string]: InputValue };

/** A patch applied to every entry of a service (see overrides.json). */
interface ServicePatch {
  resourcearn_mappings?: Record<string, string>;
  arn_override?: { template: string };
}

/** Reviewed corrections to the map (see overrides.json). */
interface Overrides {
  [service: string]: { '*'?: ServicePatch } & Record<string, MapEntry[] | unknown>;
}

let overrides: Overrides | undefined;
function overrideTable(): Overrides {
  overrides ??= JSON.parse(readFileSync(new URL('src/pipeline/resolve/authorize/overrides.json', PACKAGE_ROOT), 'utf8')) as Overrides;
  return overrides;
}

export interface CallToAuthorize {
  model: ServiceModel;
  operation: string;
  input: Input;
  scope: CallScope;
  /** The signing name of the endpoint (S3 Express endpoints sign as `s3express`). */
  signingName: string;
}

export interface Authorized {
  authorizations: Authorization[];
  context: RequestContext;
  /** Per authorization: the service condition keys read from the request (see ResolvedCall.readableKeys). */
  readableKeys: Array<readonly string[]>;
}

/**
 * The IAM actions a decoded call needs, each with its resources and action-specific context:
 * the map's entries for the operation (or the override table's), the actions its input implies,
 * and for an operation the map does not know, `<prefix>:<Operation>` if AWS defines that action.
 * An action AWS does not define is kept with `known: false` (never allowed in enforce mode).
 */
export async function authorize(call: CallToAuthorize, reference: IamReference): Promise<Authorized> {
  const { model, operation, scope } = call;
  const input = withDerivedInputs(model.id, call.input, scope);
  const plan = await operationPlan(model, operation, call.signingName, reference);
  // The map may list the tagging action of a create call, unconditionally and on `*` (RDS): it
  // applies when tags are given, to what the call creates (implicitEntries adds it so).
  const base = plan.entries.filter((e) => e.action !== plan.tagAction);
  const entries = [...base, ...implicitEntries(model.id, model.iamPrefix, operation, input, base, plan.tagAction)];
  // A role handed to the service is passed (iam:PassRole), except to IAM and STS themselves (which manage or assume roles).
  const roles = model.id === 'iam' || model.id === 'sts' ? [] : passedRoles(call.input);
  if (roles.length && !entries.some((e) => e.action === 'iam:PassRole')) entries.push({ action: 'iam:PassRole', arn_override: { template: '${_passedRoles[]}' } });
  await reference.load([...entries.map((e) => e.action), 'iam:PassRole']);

  const vars = { Partition: scope.partition, Region: scope.region, Account: accountFor(model, call.input, scope) };
  const templateInput = roles.length ? Object.assign({}, input, { _passedRoles: roles }) : input;
  const byAction = new Map<string, Authorization>();
  for (const entry of entries) {
    const action = reference.action(entry.action);
    const result = evaluateMapEntry(entry, { input: templateInput, vars }, action?.resourceTypes ?? []);
    if (!result) continue;
    const name = action?.name ?? entry.action;
    const existing = byAction.get(name);
    if (existing) existing.resources.push(...result.resources);
    else byAction.set(name, { action: name, known: action !== undefined, resources: [...result.resources] });
  }
  const shape = inputShape(model, operation);
  const readable: Array<readonly string[]> = [];
  for (const authorization of byAction.values()) {
    const action = reference.action(authorization.action);
    const types = action?.resourceTypes ?? [];
    // The tagging action of a create call applies to what the call creates, not to what it uses.
    const created = authorization.action === plan.tagAction ? createdType(operation, types) : undefined;
    const resources = created ? authorization.resources.filter((r) => r.type === created.name) : authorization.resources;
    authorization.resources = finalResources(resources, created ? [created] : types, vars, { creates: CREATES.test(operation), tagsCreated: created !== undefined });
    const context = actionContext(action?.conditionKeys ?? [], call.input, shape);
    // A tagging action checked because a create call tags: `<service>:CreateAction` names that call.
    const createAction = `${authorization.action.split(':')[0]}:CreateAction`;
    const tagsOnCreate = action?.conditionKeys.includes(createAction) ?? false;
    if (tagsOnCreate && operation !== authorization.action.split(':')[1]) context[createAction] = operation;
    if (Object.keys(context).length) authorization.context = context;
    const keys = readableKeys(action?.conditionKeys ?? [], shape);
    readable.push(tagsOnCreate ? [...keys, createAction] : keys);
  }
  return { authorizations: [...byAction.values()], context: requestContext(scope.region, call.input), readableKeys: readable };
}

/** What an operation needs on an endpoint, whatever the input: worked out once per operation. */
interface OperationPlan {
  entries: MapEntry[];
  /** The service's tagging action, for an operation that creates something. */
  tagAction: string | undefined;
}

const plans = new Map<string, OperationPlan>();

async function operationPlan(model: ServiceModel, operation: string, signingName: string, reference: IamReference): Promise<OperationPlan> {
  const key = `${model.id}\n${operation}\n${signingName}`;
  let plan = plans.get(key);
  if (!plan) {
    const listed = await knownEntries(baseEntries(model, operation), model, operation, signingName, reference);
    plan = { entries: forEndpoint(listed, signingName, reference), tagAction: await taggingAction(model, operation, reference) };
    plans.set(key, plan);
  }
  return plan;
}

/** Operations that make a resource, whose id AWS chooses: the map names it `*`, and IAM checks the new one. */
const CREATES = /^(Create|Run|Allocate|Import|Request|Purchase|Copy|Register|Launch|Start|Issue)/;

async function taggingAction(model: ServiceModel, operation: string, reference: IamReference): Promise<string | undefined> {
  if (!operation.startsWith('Create')) return undefined;
  const candidates = taggingActionCandidates(model.iamPrefix, operation);
  await reference.load(candidates);
  return candidates.map((name) => reference.action(name)?.name).find((name) => name !== undefined);
}

/** The override table's entries, else the map's, else `<prefix>:<Operation>`; with the service-wide patch. */
function baseEntries(model: ServiceModel, operation: string): MapEntry[] {
  const table = Object.hasOwn(overrideTable(), model.id) ? overrideTable()[model.id]! : undefined;
  const listed = table && Object.hasOwn(table, operation) ? (table[operation] as MapEntry[]) : undefined;
  const mapped = listed ?? (Object.hasOwn(model.iam, operation) ? model.iam[operation]! : undefined);
  const entries = mapped ?? [{ action: `${model.iamPrefix}:${model.operations[operation]?.iamAction ?? operation}` }];
  const patch = table?.['*'];
  return patch ? entries.map((entry) => patched(entry, patch)) : entries;
}

/**
 * The entries, once their actions are looked up; when AWS defines none of the map's actions for an
 * operation (the map names an action that was since renamed), `<prefix>:<Operation>` if AWS defines that.
 */
async function knownEntries(entries: MapEntry[], model: ServiceModel, operation: string, signingName: string, reference: IamReference): Promise<MapEntry[]> {
  const own = `${model.iamPrefix}:${model.operations[operation]?.iamAction ?? operation}`;
  await reference.load([own, ...entries.flatMap((e) => [e.action, variantOf(e.action, signingName)])]);
  const anyKnown = entries.some((e) => reference.action(e.action) ?? reference.action(variantOf(e.action, signingName)));
  return anyKnown || !reference.action(own) ? entries : [{ action: own }];
}

function patched(entry: MapEntry, patch: ServicePatch): MapEntry {
  const out = { ...entry };
  if (patch.resourcearn_mappings) out.resourcearn_mappings = { ...patch.resourcearn_mappings, ...entry.resourcearn_mappings };
  if (patch.arn_override && entry.arn_override) out.arn_override = patch.arn_override;
  return out;
}

/** IAM prefixes of S3's endpoint variants: which one applies is the endpoint's signing name. */
const S3_VARIANTS = new Set(['s3', 's3express', 's3-outposts', 's3-object-lambda']);

/**
 * The map gives S3 and S3 Control operations the action of one variant (`s3-outposts:GetAccessPoint`)
 * or of several (`s3:PutBucketPolicy` beside `s3express:PutBucketPolicy`). The endpoint says which
 * applies: an action of another variant is renamed to the endpoint's, if AWS defines that action.
 */
function forEndpoint(entries: MapEntry[], signingName: string, reference: IamReference): MapEntry[] {
  if (!S3_VARIANTS.has(signingName)) return entries;
  return entries.flatMap((entry) => {
    const renamed = variantOf(entry.action, signingName);
    if (renamed === entry.action) return [entry];
    return reference.action(renamed) ? [{ ...entry, action: renamed }] : [];
  });
}

/** The action as the endpoint's S3 variant names it (`s3-outposts:X` → `s3:X` on an `s3` endpoint). */
function variantOf(action: string, signingName: string): string {
  const [prefix = '', name = ''] = action.split(':');
  return S3_VARIANTS.has(signingName) && S3_VARIANTS.has(prefix) ? `${signingName}:${name}` : action;
}

/** Members through which an API names the account whose resources it acts on (another account's registry or catalog). */
const ACCOUNT_MEMBERS: Record<string, string> = { 's3-control': 'AccountId', glue: 'CatalogId', ecr: 'registryId', 'ecr-public': 'registryId' };

/** Resources are named in the account the request names where the API has such a parameter, else the caller's. */
function accountFor(model: ServiceModel, input: Input, scope: CallScope): string | undefined {
  const member = Object.hasOwn(ACCOUNT_MEMBERS, model.id) ? input[ACCOUNT_MEMBERS[model.id]!] : undefined;
  return typeof member === 'string' && /^\d{12}$/.test(member) ? member : scope.accountId;
}

/** The resource type a Create<Thing> call makes: the one named like the thing (CreateFileSystem → file-system), else the first. */
function createdType<T extends { name: string }>(operation: string, types: T[]): T | undefined {
  const letters = (text: string) => text.toLowerCase().replace(/[^a-z]/g, '');
  const thing = letters(operation.replace(/^Create/, ''));
  return types.find((t) => thing.includes(letters(t.name))) ?? types[0];
}

type ProxyVariables = { Partition: string; Region: string; Account: string | undefined };

/**
 * The map writes `*` for a name it cannot get from the request. For a resource the call creates
 * that is right (`instance/*`: IAM checks the new one); for one that exists, an ARN that is all
 * wildcards (`stream/*`) hides which one (a Deny on it could not match): it counts as unresolved.
 * A wildcard beside a name the request gives (`stack/app/*`) still names the resource.
 */
function withoutWildcardName(ref: ResourceRef, types: Array<{ name: string; arn: string }>, vars: ProxyVariables): ResourceRef {
  if (!ref.arn.includes('*')) return ref;
  const template = types.find((t) => t.name === ref.type)?.arn;
  if (!template || !ref.resolved || !/\$\{(?!Partition\}|Region\}|Account\})\w+\}/.test(template)) return ref;
  return ref.arn === withProxyVariables(template, vars, '*') ? unresolvedAs(ref, withProxyVariables(template, vars)) : ref;
}

function unresolvedAs(ref: ResourceRef, arn: string): ResourceRef {
  return ref.type === undefined ? { arn, resolved: false } : { arn, type: ref.type, resolved: false };
}

/**
 * The reference lists some resource types as all required where a request names one of them
 * (`listener/app/…`, `listener/net/…`; an execution, or an express execution): an unresolved type
 * whose variables include all of a resolved one's is that one's alternative, not one more resource.
 */
function isAlternative(ref: ResourceRef, resources: ResourceRef[], types: Array<{ name: string; arn: string }>): boolean {
  const variables = (name: string | undefined) => new Set(types.find((t) => t.name === name)?.arn.match(/\$\{\w+\}/g) ?? []);
  const own = variables(ref.type);
  return resources.some((other) => other.resolved && other.type !== ref.type && [...variables(other.type)].every((v) => own.has(v)));
}

/**
 * Deduplicated; a bare `*` is a resource nobody named (unresolved); and an action with a required
 * resource type that was given none gets one unresolved resource, so the log shows it could not
 * be named. (Optional resource types apply only when the request names them.)
 */
function finalResources(
  resources: ResourceRef[],
  types: Array<{ name: string; arn: string; required: boolean }>,
  vars: ProxyVariables,
  call: { creates: boolean; tagsCreated: boolean },
): ResourceRef[] {
  const unique = new Map<string, ResourceRef>();
  for (const resource of resources) {
    const ref = resource.arn === '*' ? unresolvedAs(resource, '*') : call.creates ? resource : withoutWildcardName(resource, types, vars);
    if (!ref.resolved && isAlternative(ref, resources, types)) continue;
    unique.set(`${ref.arn} ${ref.resolved}`, ref);
  }
  // What a create call makes has no name yet; its tagging action still applies to it.
  const placeholder = types.find((t) => t.required) ?? (call.tagsCreated ? types[0] : undefined);
  if (unique.size === 0 && placeholder) unique.set(placeholder.arn, { arn: withProxyVariables(placeholder.arn, vars), type: placeholder.name, resolved: false });
  return [...unique.values()];
}
