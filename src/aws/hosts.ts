/** What an AWS endpoint host name says about the call, before any signature is read. */
export interface AwsHost {
  /** The endpoint prefix, e.g. `sts`, `s3`, `execute-api` (fips/dualstack markers removed). */
  endpointPrefix: string;
  /** Region named in the host, if any (global endpoints such as `iam.amazonaws.com` name none). */
  region: string | undefined;
  /** Bucket of a virtual-hosted S3 request (`my.bucket.s3.us-east-1.amazonaws.com`). */
  bucket: string | undefined;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
}

const AWS_SUFFIXES = ['.amazonaws.com', '.amazonaws.com.cn', '.api.aws'] as const;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const S3_LABEL = /^s3(-accelerate|-external-1|-[a-z]{2}(-gov)?-[a-z]+-\d+)?$/;
const VARIANT_LABELS = new Set(['dualstack', 'fips', 's3-accelerate']);

/** Host name without port, lowercased, IPv6 brackets kept. */
export function hostWithoutPort(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function isAwsApiHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return AWS_SUFFIXES.some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
}

export function parseAwsHost(hostname: string): AwsHost | undefined {
  const host = hostname.toLowerCase();
  const suffix = AWS_SUFFIXES.find((s) => host.endsWith(s) && host.length > s.length);
  if (!suffix) return undefined;
  const labels = host.slice(0, -suffix.length).split('.');
  const region = labels.find((label) => REGION.test(label)) ?? legacyS3Region(labels);
  const s3Index = labels.findIndex((label) => S3_LABEL.test(label));
  const bucket = s3Index > 0 ? labels.slice(0, s3Index).join('.') : undefined;
  const serviceLabel = s3Index >= 0 ? 's3' : labels.find((label) => !VARIANT_LABELS.has(label)) ?? labels[0]!;
  return {
    endpointPrefix: serviceLabel.replace(/-fips$/, ''),
    region,
    bucket,
    partition: suffix === '.amazonaws.com.cn' ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws',
  };
}

/** Old S3 endpoints put the region after a dash: `s3-us-west-2.amazonaws.com`. */
function legacyS3Region(labels: string[]): string | undefined {
  for (const label of labels) {
    const match = /^s3-(.+)$/.exec(label);
    if (match && REGION.test(match[1]!)) return match[1];
  }
  return undefined;
}
