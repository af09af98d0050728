/** What an AWS endpoint host name says about the call, before any signature is read. */
export interface AwsHost {
  /** The endpoint prefix, e.g. `sts`, `s3`, `execute-api` (fips/dualstack markers removed). */
  endpointPrefix: string;
  /** Region named in the host, if any (global endpoints such as `iam.amazonaws.com` name none). */
  region: string | undefined;
  /** Bucket of a virtual-hosted S3 request (`my.bucket.s3.us-east-1.amazonaws.com`). */
  bucket: string | undefined;
  /** S3 access point of an access-point host (`name-111122223333.s3-accesspoint.us-east-1.amazonaws.com`). */
  accessPoint: { name: string; accountId: string } | undefined;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
}

const AWS_SUFFIXES = ['.amazonaws.com', '.amazonaws.com.cn', '.api.aws'] as const;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
/** Endpoint labels of S3 data-plane hosts; whatever precedes one is a bucket (or access point). */
const S3_LABEL = /^s3(-fips|-accelerate|-external-1|-accesspoint(-fips)?|-object-lambda|-[a-z]{2}(-gov)?-[a-z]+-\d+)?$/;
const VARIANT_LABELS = new Set(['dualstack', 'fips']);

/** Host name without port, lowercased, IPv6 brackets kept. */
export function hostWithoutPort(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function awsSuffixOf(host: string): string | undefined {
  return AWS_SUFFIXES.find((suffix) => host.endsWith(suffix) && host.length > suffix.length);
}

export function isAwsApiHost(hostname: string): boolean {
  return awsSuffixOf(hostname.toLowerCase()) !== undefined;
}

export function parseAwsHost(hostname: string): AwsHost | undefined {
  const host = hostname.toLowerCase();
  const suffix = awsSuffixOf(host);
  if (!suffix) return undefined;
  const labels = host.slice(0, -suffix.length).split('.');
  const s3Index = labels.findIndex((label) => S3_LABEL.test(label));
  // The region follows the service; a bucket or API id before it may look like a region (`my-logs-2024`).
  const regionIndex = lastIndexWhere(labels, (label, i) => i > s3Index && REGION.test(label));
  const region = regionIndex >= 0 ? labels[regionIndex] : legacyS3Region(labels.slice(Math.max(s3Index, 0)));
  const prefix = s3Index > 0 ? labels.slice(0, s3Index).join('.') : undefined;
  const isAccessPoint = s3Index >= 0 && labels[s3Index]!.startsWith('s3-accesspoint');
  return {
    endpointPrefix: s3Index >= 0 ? 's3' : serviceLabel(labels, regionIndex).replace(/-fips$/, ''),
    region,
    bucket: isAccessPoint ? undefined : prefix,
    accessPoint: isAccessPoint && prefix ? splitAccessPoint(prefix) : undefined,
    partition: suffix === '.amazonaws.com.cn' ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws',
  };
}

/** The service is named just before the region (`abc123.execute-api.us-east-1`), or first when there is no region. */
function serviceLabel(labels: string[], regionIndex: number): string {
  const candidates = (regionIndex >= 0 ? labels.slice(0, regionIndex) : labels).filter((l) => !VARIANT_LABELS.has(l));
  return (regionIndex >= 0 ? candidates.at(-1) : candidates[0]) ?? labels[0]!;
}

function lastIndexWhere(labels: string[], test: (label: string, index: number) => boolean): number {
  for (let i = labels.length - 1; i >= 0; i--) if (test(labels[i]!, i)) return i;
  return -1;
}

/** `reports-111122223333` → access point `reports` of account 111122223333. */
function splitAccessPoint(label: string): { name: string; accountId: string } | undefined {
  const match = /^(.+)-(\d{12})$/.exec(label);
  return match ? { name: match[1]!, accountId: match[2]! } : undefined;
}

/** Old S3 endpoints put the region after a dash: `s3-us-west-2.amazonaws.com`. */
function legacyS3Region(labels: string[]): string | undefined {
  for (const label of labels) {
    const match = /^s3-(.+)$/.exec(label);
    if (match && REGION.test(match[1]!)) return match[1];
  }
  return undefined;
}
