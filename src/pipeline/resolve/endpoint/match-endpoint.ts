import type { ServiceCatalog } from '../../../services/catalog.js';
import type { EndpointTemplate, PartitionInfo } from '../../../services/model.js';

/** One way to read a host name: the service it belongs to, and what the name itself says. */
export interface EndpointMatch {
  service: string;
  partition: string;
  signingName: string;
  /** Regions a signature for this host may be scoped to: the host's own, a fixed one, or any of the partition's. */
  signingRegions: string[] | 'any';
  /** The region named in the host, if it names one. */
  hostRegion: string | undefined;
  disableDoubleEncoding: boolean;
  /** Values the host carries: `Bucket`, `AccountId`, `accessPointName`, `outpostId`, … */
  labels: Record<string, string>;
  /** The `Bucket` input an access-point host stands for (an access-point ARN). */
  bucket?: string;
  /** The operations' host prefix this host carries, if any (`data.`, `{AccountId}.`). */
  hostPrefix?: string;
}

interface CompiledTemplate {
  template: EndpointTemplate;
  partition: PartitionInfo;
  pattern: RegExp;
  regions: RegExp;
  /** A literal part of the host every match contains: a cheap test before the regex. */
  literal: string;
}

/** What each host variable may look like; anything else is not that endpoint. */
const VARIABLE_PATTERNS: Record<string, string> = {
  Region: '[a-z]{2}(?:-[a-z]+)+-\\d+',
  Bucket: '[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?',
  AccountId: '\\d{12}',
  accessPointName: '[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?',
  outpostId: '[a-z0-9-]{1,63}',
  s3expressAvailabilityZoneId: '[a-z0-9-]{1,63}',
  OperationType: 'control|data',
};
/** Host labels from operations' host prefixes (`{graphIdentifier}.`): one DNS label. */
const ANY_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_CACHED_HOSTS = 10_000;

/**
 * Reads host names against every endpoint pattern in the catalog. Results are cached per host:
 * agents talk to a handful of hosts, and the first request to one pays for the scan.
 */
export class EndpointMatcher {
  private readonly compiled: CompiledTemplate[];
  private readonly cache = new Map<string, EndpointMatch[]>();

  constructor(catalog: ServiceCatalog) {
    this.compiled = compileAll(catalog.index.endpoints, catalog.index.partitions);
  }

  /** Every reading of `host` (lowercase, no port); empty when it is no AWS API endpoint the catalog knows. */
  match(host: string): EndpointMatch[] {
    let found = this.cache.get(host);
    if (!found) {
      found = isValidHostName(host) ? this.scan(host) : [];
      if (this.cache.size >= MAX_CACHED_HOSTS) this.cache.clear();
      this.cache.set(host, found);
    }
    return found;
  }

  private scan(host: string): EndpointMatch[] {
    const matches: EndpointMatch[] = [];
    const seen = new Set<string>();
    for (const { template, partition, pattern, regions, literal } of this.compiled) {
      if (!host.includes(literal)) continue;
      const found = pattern.exec(host);
      if (!found) continue;
      const labels: Record<string, string> = { ...found.groups };
      const hostRegion = labels.Region;
      delete labels.Region;
      if (hostRegion !== undefined && !regions.test(hostRegion)) continue;
      const match: EndpointMatch = {
        service: template.service,
        partition: partition.id,
        signingName: template.signingName,
        signingRegions: signingRegions(template.signingRegion, hostRegion, partition),
        hostRegion,
        disableDoubleEncoding: template.disableDoubleEncoding === true,
        labels,
      };
      if (template.bucket) match.bucket = fillBucketArn(template.bucket, partition.id, hostRegion, labels);
      if (template.hostPrefix) match.hostPrefix = template.hostPrefix;
      const key = JSON.stringify(match);
      if (!seen.has(key)) seen.add(key), matches.push(match);
    }
    return mergeSigningRegions(matches);
  }
}

/** RFC 1123 host names only: no empty labels, no userinfo, no IP literals, nothing a URL parser would read twice. */
export function isValidHostName(host: string): boolean {
  return host.length > 0 && host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

function compileAll(templates: EndpointTemplate[], partitions: PartitionInfo[]): CompiledTemplate[] {
  const compiled: CompiledTemplate[] = [];
  const seen = new Set<string>();
  const regions = new Map(partitions.map((p) => [p.id, new RegExp(p.regionRegex)]));
  for (const template of templates) {
    for (const partition of partitionsOf(template, partitions)) {
      const source = hostPattern(template.host, partition);
      if (source === undefined) continue;
      const regionBound = template.host.includes('{Region}') ? partition.id : '';
      const key = `${template.service} ${template.signingName} ${template.signingRegion} ${source} ${regionBound}`;
      if (seen.has(key)) continue;
      seen.add(key);
      compiled.push({ template, partition, pattern: new RegExp(`^${source}$`), regions: regions.get(partition.id)!, literal: longestLiteral(template.host, partition) });
    }
  }
  return compiled;
}

/**
 * Partitions that share a DNS suffix (aws, aws-us-gov) are told apart by the host's region. A host
 * that names none belongs to the partition of its fixed signing region (`iam.us-gov.amazonaws.com`
 * signs us-gov-west-1), else to the first (the commercial partition's global endpoints).
 */
function partitionsOf(template: EndpointTemplate, partitions: PartitionInfo[]): PartitionInfo[] {
  if (template.host.includes('{Region}')) return partitions;
  const bySigningRegion = partitions.filter((p) => new RegExp(p.regionRegex).test(template.signingRegion));
  return bySigningRegion.length ? bySigningRegion : partitions;
}

/** The template as a regular expression for one partition; undefined when it names another partition's suffix. */
function hostPattern(host: string, partition: PartitionInfo): string | undefined {
  const literalSuffix = /\{(dnsSuffix|dualStackDnsSuffix)\}$/.test(host);
  if (!literalSuffix && !(host.endsWith(`.${partition.dnsSuffix}`) || host.endsWith(`.${partition.dualStackDnsSuffix}`))) return undefined;
  return host
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const variable = /^\{(.+)\}$/.exec(part)?.[1];
      if (variable === undefined) return escapeRegExp(part);
      if (variable === 'dnsSuffix') return escapeRegExp(partition.dnsSuffix);
      if (variable === 'dualStackDnsSuffix') return escapeRegExp(partition.dualStackDnsSuffix);
      if (variable === 'implicitGlobalRegion') return escapeRegExp(partition.implicitGlobalRegion);
      return `(?<${variable}>${VARIABLE_PATTERNS[variable] ?? ANY_LABEL})`;
    })
    .join('');
}

function longestLiteral(host: string, partition: PartitionInfo): string {
  const filled = host.replace('{dnsSuffix}', partition.dnsSuffix).replace('{dualStackDnsSuffix}', partition.dualStackDnsSuffix);
  return filled.split(/\{[^}]+\}/).reduce((a, b) => (b.length > a.length ? b : a), '');
}

function signingRegions(template: string, hostRegion: string | undefined, partition: PartitionInfo): string[] | 'any' {
  if (template === '{implicitGlobalRegion}') return [partition.implicitGlobalRegion];
  if (template !== '{Region}') return [template];
  return hostRegion !== undefined ? [hostRegion] : 'any';
}

/**
 * Templates that read a host the same way but for its region (S3's global endpoint signs us-east-1
 * or any region; a rule set may spell a regional host out and also have it as `{Region}`) are one
 * reading: their signing regions together, and the region the host names.
 */
function mergeSigningRegions(matches: EndpointMatch[]): EndpointMatch[] {
  const merged = new Map<string, EndpointMatch>();
  for (const match of matches) {
    const key = JSON.stringify({ ...match, signingRegions: undefined, hostRegion: undefined });
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...match });
      continue;
    }
    existing.hostRegion ??= match.hostRegion;
    if (existing.signingRegions !== 'any') {
      existing.signingRegions = match.signingRegions === 'any' ? 'any' : [...new Set([...existing.signingRegions, ...match.signingRegions])];
    }
  }
  return [...merged.values()];
}

function fillBucketArn(template: string, partition: string, region: string | undefined, labels: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'partition' ? partition : name === 'Region' ? (region ?? '') : (labels[name] ?? '')));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
