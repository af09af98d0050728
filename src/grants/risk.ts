import { formatDuration } from './duration.js';
import type { AccessLevel, RiskFactor, RiskScore } from './types.js';

export interface RiskInput {
  /** As requested, wildcards and all. */
  actions: string[];
  expanded: Array<{ action: string; accessLevel: AccessLevel | undefined }>;
  resources: string[];
  durationSeconds: number;
  maxDurationSeconds: number;
}

/**
 * The weights. The score is 1 plus the points of every factor, at most 10, so that reading a
 * named object briefly scores 2 while `*` on `*` (or anything touching iam) reaches the top.
 */
const RISK_WEIGHTS = {
  /** The most powerful level reached. An action of unknown level counts as Write: it may be anything. */
  accessLevel: { 'Permissions management': 4, Write: 3, Tagging: 2, Read: 1, List: 0 } satisfies Record<AccessLevel, number>,
  /** The widest action pattern: every service, a whole service (`s3:*`), or part of one (`s3:Get*`). */
  wildcardAction: { everything: 3, wholeService: 2, partial: 1 },
  /** The widest resource: `*`; any account, partition or service, or any name (`arn:aws:s3:::*`); narrower. */
  wildcardResource: { everything: 3, broad: 2, partial: 1 },
  /** Any of SENSITIVE_SERVICES reached: they hold identities, keys, secrets and accounts. */
  sensitiveService: 2,
  /** iam:PassRole hands a role, and everything it may do, to a service the agent controls. */
  passRole: 2,
  /** The duration as a share of the ceiling. */
  duration: [
    { share: 0.75, points: 2 },
    { share: 0.25, points: 1 },
  ],
} as const;

const SENSITIVE_SERVICES = ['iam', 'kms', 'organizations', 'sts', 'secretsmanager'];

const MAX_SCORE = 10;
/** How many actions or resources a factor's detail names before `and N more`. */
const NAMED_IN_DETAIL = 3;

/** How risky a request is, 1 to 10, with every factor that raised it, for the approver. Pure. */
export function riskScore(input: RiskInput): RiskScore {
  const factors = [accessLevelFactor(input), wildcardActionFactor(input), wildcardResourceFactor(input), sensitiveServiceFactor(input), passRoleFactor(input), durationFactor(input)].filter(
    (f): f is RiskFactor => f !== undefined && f.points > 0,
  );
  const score = Math.min(MAX_SCORE, 1 + factors.reduce((sum, f) => sum + f.points, 0));
  return { score, factors };
}

function accessLevelFactor({ expanded }: RiskInput): RiskFactor | undefined {
  const pointsOf = (level: AccessLevel | undefined) => RISK_WEIGHTS.accessLevel[level ?? 'Write'];
  const top = highest(expanded.map((e) => pointsOf(e.accessLevel)));
  // Unknown levels are named apart, so the approver is not told they are writes.
  const levels = [...new Set(expanded.filter((e) => pointsOf(e.accessLevel) === top).map((e) => e.accessLevel))];
  if (!levels.length) return undefined;
  const detail = levels.map((level) => `${level ? `${level} access` : 'Unknown access level'}: ${named(expanded.filter((e) => e.accessLevel === level).map((e) => e.action))}`);
  return { factor: 'access-level', points: top, detail: detail.join('; ') };
}

function wildcardActionFactor({ actions }: RiskInput): RiskFactor | undefined {
  const { everything, wholeService, partial } = RISK_WEIGHTS.wildcardAction;
  const breadth = (action: string) => (/^\*+$/.test(action) ? everything : /:\*+$/.test(action) ? wholeService : /[*?]/.test(action) ? partial : 0);
  return widest('wildcard-action', 'Wildcard action', actions, breadth);
}

function wildcardResourceFactor({ resources }: RiskInput): RiskFactor | undefined {
  const { everything, broad, partial } = RISK_WEIGHTS.wildcardResource;
  const breadth = (resource: string) => {
    if (/^\*+$/.test(resource)) return everything;
    if (!/[*?]/.test(resource)) return 0;
    const [, partition = '', service = '', , account = '', ...name] = resource.split(':');
    return [partition, service, account].some((part) => /[*?]/.test(part)) || /^[*?]/.test(name.join(':')) ? broad : partial;
  };
  return widest('wildcard-resource', 'Wildcard resource', resources, breadth);
}

/** The factor for the widest of the patterns, naming the patterns that are that wide. */
function widest(factor: string, label: string, patterns: string[], breadth: (pattern: string) => number): RiskFactor | undefined {
  const points = highest(patterns.map(breadth));
  if (!points) return undefined;
  return { factor, points, detail: `${label}: ${named(patterns.filter((p) => breadth(p) === points))}` };
}

function sensitiveServiceFactor({ expanded }: RiskInput): RiskFactor | undefined {
  const reached = SENSITIVE_SERVICES.filter((service) => expanded.some((e) => serviceOf(e.action) === service));
  return reached.length ? { factor: 'sensitive-service', points: RISK_WEIGHTS.sensitiveService, detail: `Sensitive services: ${reached.join(', ')}` } : undefined;
}

function passRoleFactor({ expanded }: RiskInput): RiskFactor | undefined {
  const passRole = expanded.some((e) => e.action.toLowerCase() === 'iam:passrole');
  return passRole ? { factor: 'pass-role', points: RISK_WEIGHTS.passRole, detail: 'iam:PassRole: hands a role, and all it may do, to a service' } : undefined;
}

function durationFactor({ durationSeconds, maxDurationSeconds }: RiskInput): RiskFactor | undefined {
  const share = maxDurationSeconds > 0 ? durationSeconds / maxDurationSeconds : 1;
  const band = RISK_WEIGHTS.duration.find((b) => share >= b.share);
  if (!band) return undefined;
  return { factor: 'duration', points: band.points, detail: `Duration ${formatDuration(durationSeconds)} of the ${formatDuration(maxDurationSeconds)} ceiling` };
}

/** The largest, or 0 for none (without spreading: a request may name tens of thousands). */
function highest(values: number[]): number {
  return values.reduce((max, v) => Math.max(max, v), 0);
}

function serviceOf(action: string): string {
  return action.split(':')[0]!.toLowerCase();
}

function named(items: string[]): string {
  const more = items.length - NAMED_IN_DETAIL;
  return items.slice(0, NAMED_IN_DETAIL).join(', ') + (more > 0 ? ` and ${more} more` : '');
}
