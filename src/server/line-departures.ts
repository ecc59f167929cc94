/**
 * Who leaves the support line, and when: a customer cancels or hangs up, a socket closes (cleanly: at once;
 * dropped: after the grace), and time runs out (the waiting limit, stale sockets, graces past, calls nobody
 * came back to). What leaving does to a call is the call desk's.
 */
import { LINE_CLOSE_CODES } from '../protocol/queue.ts';
import type { Agent } from './line-agents.ts';
import type { CallDesk } from './line-call-desk.ts';
import { agentKey } from './line-connections.ts';
import { close, refuse, reply, type LineEffect } from './line-effects.ts';
import type { LineState } from './line-state.ts';
import type { LineViews } from './line-views.ts';

export interface LineTimeouts {
  /** Longest wait in line, ms. */
  maxWaitMs: number;
  /** How long a dropped customer or agent keeps their place or call, ms. */
  graceMs: number;
  /** How long a socket may stay silent, ms. */
  staleAfterMs: number;
}

export class LineDepartures {
  constructor(
    private readonly s: LineState,
    private readonly views: LineViews,
    private readonly desk: CallDesk,
    private readonly t: LineTimeouts,
  ) {}

  /** The customer leaves the line, or hangs up their call. */
  cancel(conn: string, ticketId: string, now: number): LineEffect[] {
    const ticket = this.s.tickets.get(ticketId);
    if (ticket) {
      return [
        ...this.s.tickets.abandon(ticket, 'cancelled', now),
        ...reply(conn, { type: 'closed', code: 'cancelled', message: 'you left the line' }),
        ...close(conn, LINE_CLOSE_CODES.done, 'cancelled'),
        ...this.views.refresh(now),
      ];
    }
    const call = this.s.calls.ofTicket(ticketId);
    const effects = call ? this.desk.end(call, 'customer-left', now) : [];
    return effects.concat(close(conn, LINE_CLOSE_CODES.done, 'hung up'), this.views.refresh(now));
  }

  disconnect(conn: string, clean: boolean, now: number): LineEffect[] {
    const client = this.s.conns.client(conn);
    if (!client) return [];
    this.s.conns.detach(conn);
    if (client.role === 'customer') {
      const ticket = this.s.tickets.get(client.ticketId);
      const call = this.s.calls.ofTicket(client.ticketId);
      if (ticket) {
        if (clean) return this.s.tickets.abandon(ticket, 'left', now).concat(this.views.refresh(now));
        ticket.disconnectedAt = now;
      } else if (call) {
        if (clean) return this.desk.end(call, 'customer-left', now).concat(this.views.refresh(now));
        call.customerDisconnectedAt = now;
      }
      return this.views.refresh(now);
    }
    const agent = this.s.agents.get(client.sub);
    if (!agent) return [];
    if (clean) return this.removeAgent(agent, now).concat(this.views.refresh(now));
    agent.disconnectedAt = now;
    return this.views.refresh(now);
  }

  tick(now: number): LineEffect[] {
    const { tickets, agents, calls, conns } = this.s;
    const effects: LineEffect[] = [];
    for (const { ticket, reason } of tickets.due(now, this.t.maxWaitMs, this.t.graceMs)) {
      const conn = reason === 'timed-out' ? conns.of(ticket.id) : undefined;
      effects.push(...tickets.abandon(ticket, reason, now));
      if (conn) {
        effects.push(...refuse(conn, 'timed-out', 'no agent could answer in time'));
        conns.detach(conn);
      }
    }
    for (const conn of conns.stale(now, this.t.staleAfterMs)) {
      effects.push(...close(conn, LINE_CLOSE_CODES.stale, 'stale'), ...this.disconnect(conn, false, now));
    }
    for (const agent of agents.pastGrace(now, this.t.graceMs)) effects.push(...this.removeAgent(agent, now));
    // A call nobody came back to (customer gone past grace, agent gone): nothing left to end it.
    for (const call of calls.orphaned(now, this.t.graceMs, (sub) => !agents.has(sub))) {
      effects.push(...this.desk.end(call, 'timed-out', now));
    }
    return effects.concat(this.views.refresh(now));
  }

  private removeAgent(agent: Agent, now: number): LineEffect[] {
    this.s.agents.remove(agent.sub);
    const conn = this.s.conns.of(agentKey(agent.sub));
    if (conn) this.s.conns.detach(conn);
    const call = this.s.calls.ofAgent(agent.sub);
    return call ? this.desk.end(call, 'agent-left', now) : [];
  }
}
