import { agentTag } from './key-id.js';

/** The agent of the default socket (creds.sock), and of clients that name none. */
export const DEFAULT_AGENT = 'default';
export const AGENT_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Each agent created on first use is a name in the state dir and a tag to tell apart: not unbounded. */
const MAX_RECORDED_AGENTS = 1000;

export interface DeclaredAgent {
  name: string;
  /** This agent's key lifetime, if not the default. */
  ttlSeconds?: number;
}

/** Refused: the message says why and what to do. */
export class AgentError extends Error {}

/**
 * The agents keys may be issued to: `default`, the declared ones (each with its own socket) and
 * those record mode created on first use (their names persisted, so their keys verify after a
 * restart). Key ids carry an agent's tag, never its name; this maps tags back to names.
 */
export class AgentRegistry {
  private readonly names = new Map<number, string>();
  private readonly tags = new Map<string, number>();
  private readonly declared: Map<string, DeclaredAgent>;
  private readonly recorded = new Set<string>();

  constructor(
    private readonly master: Buffer,
    declared: DeclaredAgent[] = [],
    recorded: string[] = [],
    private readonly persistRecorded: (names: string[]) => void = () => {},
  ) {
    this.declared = new Map(declared.map((agent) => [agent.name, agent]));
    for (const name of [DEFAULT_AGENT, ...this.declared.keys()]) this.add(name);
    for (const name of recorded) {
      if (AGENT_NAME.test(name) && !this.tags.has(name) && this.recorded.size < MAX_RECORDED_AGENTS) {
        this.add(name);
        this.recorded.add(name);
      }
    }
  }

  isDeclared(name: string): boolean {
    return this.declared.has(name);
  }

  tagOf(name: string): number | undefined {
    return this.tags.get(name);
  }

  nameOf(tag: number): string | undefined {
    return this.names.get(tag);
  }

  ttlOf(name: string): number | undefined {
    return this.declared.get(name)?.ttlSeconds;
  }

  /** Makes `name` known (record mode's first use); true when it is new. */
  record(name: string): boolean {
    if (this.tags.has(name)) return false;
    if (!AGENT_NAME.test(name)) throw new AgentError(`agent name must match ${AGENT_NAME}`);
    if (this.recorded.size >= MAX_RECORDED_AGENTS) {
      throw new AgentError(`${MAX_RECORDED_AGENTS} agents were already created on first use: declare the agents you use in PROXY_AGENTS`);
    }
    this.add(name);
    this.recorded.add(name);
    this.persistRecorded([...this.recorded]);
    return true;
  }

  private add(name: string): void {
    const tag = agentTag(this.master, name);
    const other = this.names.get(tag);
    if (other !== undefined) throw new AgentError(`agents "${other}" and "${name}" share a key tag (1 in 4 billion): rename one of them`);
    this.names.set(tag, name);
    this.tags.set(name, tag);
  }
}
