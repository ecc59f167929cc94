/**
 * Who may join the support line, and coming back to it: a customer takes a ticket (while an agent is signed
 * in, the line has room, and they are not in it already), or resumes their ticket or call with its key; an
 * agent signs in (up to the line's limit) or back in. A newer socket of the same customer or agent replaces
 * the older one.
 */
import type { Agent } from './line-agents.ts';
import { agentKey } from './line-connections.ts';
import { err, final, refuse, reply, type LineEffect } from './line-effects.ts';
import type { LineState } from './line-state.ts';
import type { LineViews } from './line-views.ts';
import type { Customer } from './line-waiting.ts';

export type EnqueueRequest = Customer & { resume?: { ticketId: string; key: string } };

export type AgentRequest = Pick<Agent, 'sub' | 'name'> & { available?: boolean };

export class LineAdmission {
  constructor(
    private readonly s: LineState,
    private readonly views: LineViews,
    private readonly maxWaiting: number,
    private readonly randomId: () => string,
  ) {}

  enqueue(conn: string, req: EnqueueRequest, now: number): LineEffect[] {
    const { tickets, agents, calls, conns } = this.s;
    if (conns.has(conn)) return reply(conn, err('already-joined', 'already joined', 'enqueue'));
    if (req.resume) return this.resume(conn, req, now);
    if (agents.size === 0) return refuse(conn, 'no-agents', 'no agent is signed in to this line');
    if (tickets.size >= this.maxWaiting) {
      return refuse(conn, 'line-full', `the line is full (${this.maxWaiting} waiting)`);
    }
    if (tickets.hasCustomer(req.sub) || calls.hasCustomer(req.sub)) {
      const already = err('already-waiting', 'you are already in this line (another tab?)', 'enqueue', true);
      return final(conn, already, 'already-waiting');
    }
    const { ticket, effect } = tickets.join(req, this.randomId(), this.randomId(), now);
    conns.attach(conn, { role: 'customer', ticketId: ticket.id }, now);
    return [effect, ...this.views.refresh(now)];
  }

  agentJoin(conn: string, req: AgentRequest, now: number): LineEffect[] {
    const { agents, calls, conns } = this.s;
    if (conns.has(conn)) return reply(conn, err('already-joined', 'already joined', 'agent'));
    if (agents.full(req.sub)) {
      const busy = err('busy', `this line has ${agents.maxAgents} agents already`, 'agent', true);
      return final(conn, busy, 'too many agents');
    }
    const effects = conns.replace(agentKey(req.sub));
    agents.join(req);
    conns.attach(conn, { role: 'agent', sub: req.sub }, now);
    const call = calls.ofAgent(req.sub);
    if (call) effects.push(this.views.callMessage(conn, call));
    return effects.concat(this.views.refresh(now));
  }

  /** Back to a place in line, or to the call it became, with the ticket's key. */
  private resume(conn: string, req: EnqueueRequest, now: number): LineEffect[] {
    const { ticketId, key } = req.resume!;
    const ticket = this.s.tickets.get(ticketId);
    const call = this.s.calls.ofTicket(ticketId);
    const owner = ticket ?? call?.customer;
    if (!owner || owner.sub !== req.sub || (ticket ? ticket.key : call?.key) !== key) {
      return final(
        conn,
        err('resume-failed', 'that place in line is gone', 'enqueue', true),
        'resume-failed',
      );
    }
    const effects = this.s.conns.replace(ticketId);
    this.s.conns.attach(conn, { role: 'customer', ticketId }, now);
    if (ticket) {
      ticket.disconnectedAt = undefined;
      return effects.concat(this.views.refresh(now));
    }
    call!.customerDisconnectedAt = undefined;
    return effects.concat(this.views.answeredMessage(conn, call!), this.views.refresh(now));
  }
}
