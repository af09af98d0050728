import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../../package-root.js';
import type { MapEntry, ServiceModel, StructureShape } from '../../../services/model.js';
import type { InputValue } from '../decode/shape-reader.js';
import type { Authorization, RequestContext, ResourceRef } from '../types.js';
import { actionContext, requestContext } from './context.js';
import { withDerivedInputs, type CallScope } from './derived-inputs.js';
import type { IamReference } from './iam-reference.js';
import { implicitEntries, passedRoles } from './implicit-actions.js';
import { evaluateMapEntry } from './map-entry.js';

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
  const base = await operationEntries(model, operation, call.signingName, reference);
  const entries = [...base, ...implicitEntries(model.id, model.iamPrefix, operation, input, base)];
  await reference.load(entries.map((e) => e.action));
  const roles = entries.some((e) => reference.action(e.action)?.dependentActions.includes('iam:PassRole')) ? passedRoles(call.input) : [];
  if (roles.length) entries.push({ action: 'iam:PassRole', arn_override: { template: '${_passedRoles[]}' } });
  await reference.load(['iam:PassRole']);

  const vars = { Partition: scope.partition, Region: scope.region, Account: accountFor(model, call.input, scope) };
  const templateInput = roles.length ? { ...input, _passedRoles: roles } : input;
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
  for (const authorization of byAction.values()) {
    const action = reference.action(authorization.action);
    authorization.resources = finalResources(authorization.resources, action?.resourceTypes ?? []);
    const context = actionContext(action?.conditionKeys ?? [], call.input, shape);
    if (authorization.action === 'ec2:CreateTags' && operation !== 'CreateTags') context['ec2:CreateAction'] = operation;
    if (Object.keys(context).length) authorization.context = context;
  }
  return { authorizations: [...byAction.values()], context: requestContext(scope.region, call.input) };
}

const prepared = new Map<string, MapEntry[]>();

/** The entries of an operation on an endpoint: the same for every request, so worked out once. */
async function operationEntries(model: ServiceModel, operation: string, signingName: string, reference: IamReference): Promise<MapEntry[]> {
  const key = `${model.id}\n${operation}\n${signingName}`;
  let entries = prepared.get(key);
  if (!entries) {
    const listed = await knownEntries(baseEntries(model, operation), model, operation, signingName, reference);
    entries = forEndpoint(listed, signingName, reference);
    prepared.set(key, entries);
  }
  return entries;
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

/** Resources are named in the account of the request's own account parameter where the API has one (S3 Control). */
function accountFor(model: ServiceModel, input: Input, scope: CallScope): string | undefined {
  return model.id === 's3-control' && typeof input.AccountId === 'string' ? input.AccountId : scope.accountId;
}

function inputShape(model: ServiceModel, operation: string): StructureShape | undefined {
  const name = model.operations[operation]?.input;
  return name ? (model.shapes[name] as StructureShape | undefined) : undefined;
}

/**
 * Deduplicated; a bare `*` is a resource nobody named (unresolved); and an action with a required
 * resource type that was given none gets one unresolved resource, so the log shows it could not
 * be named. (Optional resource types apply only when the request names them.)
 */
function finalResources(resources: ResourceRef[], types: Array<{ name: string; arn: string; required: boolean }>): ResourceRef[] {
  const unique = new Map<string, ResourceRef>();
  for (const resource of resources) {
    const ref = resource.arn === '*' ? { ...resource, resolved: false } : resource;
    unique.set(`${ref.arn} ${ref.resolved}`, ref);
  }
  const required = types.find((t) => t.required);
  if (unique.size === 0 && required) unique.set(required.arn, { arn: required.arn, type: required.name, resolved: false });
  return [...unique.values()];
}
