/**
 * The support line's agents, by `sub`: who is signed in, under what name, whether they take calls
 * (`available`), whether they are connected, and how many could answer now. An agent keeps their place on
 * the line while away (`disconnectedAt`), until the line's grace runs out. Whether an agent is in a call is
 * the calls' business: the methods that need it take `busy`.
 */
import type { AgentView } from '../protocol/queue.ts';

export interface Agent {
  sub: string;
  name: string;
  available: boolean;
  disconnectedAt: number | undefined;
}

export type Busy = (sub: string) => boolean;

export class AgentRoster {
  private readonly agents = new Map<string, Agent>();

  constructor(readonly maxAgents: number) {}

  get size(): number {
    return this.agents.size;
  }

  get(sub: string): Agent | undefined {
    return this.agents.get(sub);
  }

  has(sub: string): boolean {
    return this.agents.has(sub);
  }

  values(): Agent[] {
    return [...this.agents.values()];
  }

  /** No room for `sub`: a new agent on a line that has `maxAgents` already. */
  full(sub: string): boolean {
    return !this.agents.has(sub) && this.agents.size >= this.maxAgents;
  }

  /** The agent signs in (or back in): known by `sub`, with the name just given, connected. */
  join(req: { sub: string; name: string; available?: boolean }): Agent {
    let agent = this.agents.get(req.sub);
    if (!agent) {
      agent = { sub: req.sub, name: req.name, available: req.available ?? true, disconnectedAt: undefined };
      this.agents.set(req.sub, agent);
    }
    agent.name = req.name;
    if (req.available !== undefined) agent.available = req.available;
    agent.disconnectedAt = undefined;
    return agent;
  }

  /** An agent brought back from a snapshot. */
  restore(agent: Agent): void {
    this.agents.set(agent.sub, agent);
  }

  remove(sub: string): void {
    this.agents.delete(sub);
  }

  /** Agents away for longer than `graceMs`. */
  pastGrace(now: number, graceMs: number): Agent[] {
    return this.values().filter((a) => a.disconnectedAt !== undefined && now - a.disconnectedAt > graceMs);
  }

  /** Agents who could answer now: available, connected, not in a call. */
  available(busy: Busy): number {
    let n = 0;
    for (const a of this.agents.values()) {
      if (a.available && a.disconnectedAt === undefined && !busy(a.sub)) n++;
    }
    return n;
  }

  /** What agents see of each other. */
  views(busy: Busy): AgentView[] {
    return this.values().map((a) => ({
      id: a.sub,
      name: a.name,
      available: a.available,
      busy: busy(a.sub),
      connected: a.disconnectedAt === undefined,
    }));
  }
}
