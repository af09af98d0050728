import type { EndpointTemplate } from '../model.js';

interface RuleEndpoint {
  url: unknown;
  properties?: { authSchemes?: AuthScheme[] };
}

interface AuthScheme {
  name: string;
  signingName?: string;
  signingRegion?: string;
  disableDoubleEncoding?: boolean;
}

/** Rule-set variables as they appear in host names, and the one name the catalog uses for each. */
const HOST_VARIABLES: Record<string, string> = {
  Region: 'Region', 'bucketArn#region': 'Region', 'accessPointArn#region': 'Region',
  'PartitionResult#dnsSuffix': 'dnsSuffix', 'partitionResult#dnsSuffix': 'dnsSuffix', 'regionPartition#dnsSuffix': 'dnsSuffix',
  'arnPartition#dnsSuffix': 'dnsSuffix', 'bucketPartition#dnsSuffix': 'dnsSuffix',
  'PartitionResult#dualStackDnsSuffix': 'dualStackDnsSuffix', 'partitionResult#dualStackDnsSuffix': 'dualStackDnsSuffix',
  'arnPartition#dualStackDnsSuffix': 'dualStackDnsSuffix',
  'PartitionResult#implicitGlobalRegion': 'implicitGlobalRegion',
  AccountId: 'AccountId', 'bucketArn#accountId': 'AccountId', 'ParsedArn#accountId': 'AccountId', 'parsedArn#accountId': 'AccountId', 'arn#accountId': 'AccountId',
  Bucket: 'Bucket', accessPointName: 'accessPointName', outpostId: 'outpostId', s3expressAvailabilityZoneId: 's3expressAvailabilityZoneId',
  OperationType: 'OperationType',
};

const SIGNING_REGIONS: Record<string, string> = {
  Region: '{Region}', 'bucketArn#region': '{Region}', 'accessPointArn#region': '{Region}',
  'PartitionResult#implicitGlobalRegion': '{implicitGlobalRegion}',
};

/**
 * The access-point hosts an SDK makes from a `Bucket` that is an access-point ARN: the catalog
 * records the ARN back, since that is what the request's IAM resources are named after.
 */
const ACCESS_POINT_BUCKETS: Array<[label: RegExp, arn: string]> = [
  [/\.s3-accesspoint(-fips)?\./, 'arn:{partition}:s3:{Region}:{AccountId}:accesspoint/{accessPointName}'],
  [/\.s3-object-lambda(-fips)?\./, 'arn:{partition}:s3-object-lambda:{Region}:{AccountId}:accesspoint/{accessPointName}'],
  [/\.s3-outposts\./, 'arn:{partition}:s3-outposts:{Region}:{AccountId}:outpost/{outpostId}/accesspoint/{accessPointName}'],
];

export interface EndpointProblems {
  skipped: string[];
}

/**
 * Every host an endpoint rule set can produce, as a template. Custom endpoints (`{url#authority}`,
 * `{Endpoint}`), SigV4a-only endpoints (not supported yet) and hosts outside the partitions the
 * proxy intercepts are left out, and listed in `problems`.
 */
export function endpointTemplates(service: string, defaultSigningName: string, ruleSet: unknown, interceptedSuffixes: string[], problems: EndpointProblems): EndpointTemplate[] {
  const found = new Map<string, EndpointTemplate>();
  for (const endpoint of ruleEndpoints(ruleSet)) {
    if (typeof endpoint.url !== 'string' || !endpoint.url.startsWith('https://')) continue;
    const rawHost = endpoint.url.slice('https://'.length).split('/')[0]!;
    const host = normaliseHost(rawHost);
    if (host === undefined) {
      if (!rawHost.startsWith('{url#') && rawHost !== '{Endpoint}') problems.skipped.push(`${service}: ${rawHost} (unknown variable)`);
      continue;
    }
    if (!/\{(dnsSuffix|dualStackDnsSuffix)\}$/.test(host) && !interceptedSuffixes.some((suffix) => host.endsWith(`.${suffix}`))) continue;
    const schemes = endpoint.properties?.authSchemes ?? [];
    const scheme = schemes.find((s) => s.name === 'sigv4' || s.name === 'sigv4-s3express');
    if (schemes.length > 0 && !scheme) {
      problems.skipped.push(`${service}: ${rawHost} (SigV4a only)`);
      continue;
    }
    const template: EndpointTemplate = {
      service,
      host,
      signingName: scheme?.signingName ?? defaultSigningName,
      signingRegion: regionOfLiteralHost(host, signingRegion(scheme?.signingRegion)),
    };
    if (scheme?.disableDoubleEncoding) template.disableDoubleEncoding = true;
    const bucket = ACCESS_POINT_BUCKETS.find(([label]) => label.test(`.${host}.`))?.[1];
    if (bucket && host.includes('{accessPointName}')) template.bucket = bucket;
    const key = `${template.host} ${template.signingName} ${template.signingRegion}`;
    if (!found.has(key)) found.set(key, template);
  }
  return [...found.values()];
}

/**
 * Operations with a host prefix (`data.`, `{AccountId}.`) are sent to the prefixed host. Templates
 * the rule set already writes with the prefix are marked; the others get a prefixed twin. Hosts
 * addressed by bucket or access point take no prefix.
 */
export function withHostPrefixes(templates: EndpointTemplate[], prefixes: string[]): EndpointTemplate[] {
  const out = new Map<string, EndpointTemplate>();
  for (const template of templates) {
    const own = prefixes.find((prefix) => template.host.startsWith(prefix));
    out.set(`${template.host} ${template.signingRegion}`, own ? { ...template, hostPrefix: own } : template);
  }
  for (const template of templates) {
    if (/\{(Bucket|accessPointName)\}/.test(template.host) || prefixes.some((prefix) => template.host.startsWith(prefix))) continue;
    for (const prefix of prefixes) {
      const key = `${prefix}${template.host} ${template.signingRegion}`;
      if (!out.has(key)) out.set(key, { ...template, host: `${prefix}${template.host}`, hostPrefix: prefix });
    }
  }
  return [...out.values()];
}

/** Hosts of a service model without a rule set (the AWS SDK v2 models): AWS's standard pattern. */
export function standardEndpointTemplates(service: string, endpointPrefix: string, signingName: string): EndpointTemplate[] {
  return [`${endpointPrefix}.{Region}.{dnsSuffix}`, `${endpointPrefix}-fips.{Region}.{dnsSuffix}`, `${endpointPrefix}.{Region}.{dualStackDnsSuffix}`, `${endpointPrefix}-fips.{Region}.{dualStackDnsSuffix}`].map(
    (host) => ({ service, host, signingName, signingRegion: '{Region}' }),
  );
}

function normaliseHost(host: string): string | undefined {
  let unknown = false;
  const normalised = host.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = HOST_VARIABLES[name];
    if (!variable) unknown = true;
    return `{${variable}}`;
  });
  return unknown ? undefined : normalised;
}

function signingRegion(region: string | undefined): string {
  if (region === undefined) return '{Region}';
  const variable = /^\{(.+)\}$/.exec(region)?.[1];
  return variable === undefined ? region : (SIGNING_REGIONS[variable] ?? '{Region}');
}

/** A rule set's literal host for one region (`pinpoint.us-east-1.amazonaws.com`) signs for that region. */
function regionOfLiteralHost(host: string, region: string): string {
  if (region !== '{Region}' || host.includes('{Region}')) return region;
  return host.split('.').find((label) => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(label)) ?? region;
}

function ruleEndpoints(node: unknown, found: RuleEndpoint[] = []): RuleEndpoint[] {
  if (Array.isArray(node)) {
    for (const item of node) ruleEndpoints(item, found);
  } else if (node && typeof node === 'object') {
    const endpoint = (node as { endpoint?: RuleEndpoint }).endpoint;
    if (endpoint && typeof endpoint === 'object' && 'url' in endpoint) found.push(endpoint);
    for (const value of Object.values(node)) ruleEndpoints(value, found);
  }
  return found;
}
