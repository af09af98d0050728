import { MAX_LIFETIME_SECONDS } from './lifetimes.js';

/**
 * A revocation: one key, or every key of an agent (or of all agents) issued before a time. Each
 * lasts `until` nothing it covers could still be valid, then it is dropped.
 */
export type RevocationRule =
  | { kind: 'key'; accessKeyId: string; until: number }
  | { kind: 'agent'; agent: string; before: number; until: number }
  | { kind: 'all'; before: number; until: number };

export interface Revocable {
  accessKeyId: string;
  agent: string;
  issuedAt: number;
}

/** No key lives longer than the lifetime ceiling, so nothing issued before `before` outlives this. */
export const coveredUntil = (before: number): number => before + MAX_LIFETIME_SECONDS * 1000;

export class Revocations {
  private keys = new Map<string, number>();
  private wide: Array<Exclude<RevocationRule, { kind: 'key' }>> = [];

  constructor(
    rules: RevocationRule[] = [],
    private readonly persist: (rules: RevocationRule[]) => void = () => {},
  ) {
    for (const rule of rules) this.place(rule);
  }

  covers(key: Revocable): boolean {
    if (this.keys.has(key.accessKeyId)) return true;
    return this.wide.some((rule) => (rule.kind === 'all' || rule.agent === key.agent) && key.issuedAt < rule.before);
  }

  /** The earliest issue time no rule covers for this agent: new keys are issued no earlier. */
  notBefore(agent: string): number {
    let at = 0;
    for (const rule of this.wide) if (rule.kind === 'all' || rule.agent === agent) at = Math.max(at, rule.before);
    return at;
  }

  /** The latest time any agent or all rule reaches to. */
  latestBefore(): number {
    return this.wide.reduce((at, rule) => Math.max(at, rule.before), 0);
  }

  add(rule: RevocationRule, now: number): void {
    this.place(rule);
    this.drop(now);
    this.persist(this.rules());
  }

  /** Drops the rules that cover nothing still valid; saved only when something went. */
  prune(now: number): void {
    if (this.drop(now)) this.persist(this.rules());
  }

  rules(): RevocationRule[] {
    return [...[...this.keys].map(([accessKeyId, until]) => ({ kind: 'key' as const, accessKeyId, until })), ...this.wide];
  }

  private place(rule: RevocationRule): void {
    if (rule.kind === 'key') this.keys.set(rule.accessKeyId, Math.max(rule.until, this.keys.get(rule.accessKeyId) ?? 0));
    else this.wide.push(rule);
  }

  private drop(now: number): boolean {
    const before = this.keys.size + this.wide.length;
    for (const [id, until] of this.keys) if (until <= now) this.keys.delete(id);
    this.wide = this.wide.filter((rule) => rule.until > now);
    return this.keys.size + this.wide.length !== before;
  }
}

/** revocations.json: `{"v":1,"rules":[…]}` with ISO times, readable by a person. */
export function serializeRevocations(rules: RevocationRule[]): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const out = rules.map((rule) => (rule.kind === 'key' ? { ...rule, until: iso(rule.until) } : { ...rule, before: iso(rule.before), until: iso(rule.until) }));
  return `${JSON.stringify({ v: 1, rules: out }, null, 1)}\n`;
}

export function parseRevocations(value: unknown): RevocationRule[] {
  const file = value as { v?: unknown; rules?: unknown };
  if (file?.v !== 1 || !Array.isArray(file.rules)) throw new Error('expected {"v":1,"rules":[...]}');
  return file.rules.map((raw: Record<string, unknown>) => {
    const time = (name: string): number => {
      const ms = typeof raw[name] === 'string' ? Date.parse(raw[name] as string) : NaN;
      if (Number.isNaN(ms)) throw new Error(`rule ${JSON.stringify(raw)} has no valid "${name}" time`);
      return ms;
    };
    if (raw.kind === 'key' && typeof raw.accessKeyId === 'string') return { kind: 'key', accessKeyId: raw.accessKeyId, until: time('until') };
    if (raw.kind === 'agent' && typeof raw.agent === 'string') return { kind: 'agent', agent: raw.agent, before: time('before'), until: time('until') };
    if (raw.kind === 'all') return { kind: 'all', before: time('before'), until: time('until') };
    throw new Error(`unknown rule ${JSON.stringify(raw)}`);
  });
}
