/**
 * What happens to calls on the support line: an agent answers a waiting customer (atomically: the first
 * answer opens the call, later ones find it `taken` or `gone`), hands a call to another agent, or a call
 * ends; each with its messages to both sides and its event.
 */
import type { CallEndReason, LineServerMessage } from '../protocol/queue.ts';
import { LINE_CLOSE_CODES } from '../protocol/queue.ts';
import type { Agent } from './line-agents.ts';
import type { Call } from './line-calls.ts';
import { agentKey } from './line-connections.ts';
import { close, err, reply, type LineEffect } from './line-effects.ts';
import type { LineState } from './line-state.ts';
import type { LineViews } from './line-views.ts';

export class CallDesk {
  constructor(
    private readonly s: LineState,
    private readonly views: LineViews,
    private readonly randomId: () => string,
  ) {}

  answer(conn: string, agent: Agent, ticketId: string, now: number): LineEffect[] {
    const { tickets, calls, conns } = this.s;
    if (calls.ofAgent(agent.sub)) return reply(conn, err('busy', 'you are in a call', 'answer'));
    const ticket = tickets.get(ticketId);
    if (!ticket) {
      return reply(
        conn,
        calls.ofTicket(ticketId)
          ? err('taken', 'another agent answered this customer', 'answer')
          : err('gone', 'this customer is no longer waiting', 'answer'),
      );
    }
    tickets.take(ticket);
    const call = calls.open(ticket, agent.sub, this.randomId(), this.randomId(), now);
    this.s.estimator.record(call.waitedMs, ticket.place);
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'answered',
          queue: this.s.queue,
          ticketId: ticket.id,
          callId: call.id,
          at: now,
          waitedMs: call.waitedMs,
          agentId: agent.sub,
        },
      },
      this.views.callMessage(conn, call),
    ];
    const customerConn = conns.of(ticket.id);
    if (customerConn) effects.push(...this.views.answeredMessage(customerConn, call));
    return effects.concat(this.views.refresh(now));
  }

  transfer(conn: string, agent: Agent, callId: string, to: string, now: number): LineEffect[] {
    const { agents, calls, conns } = this.s;
    const call = this.callOf(agent, callId);
    if (!call) return reply(conn, err('unknown-call', 'no such call of yours', 'transfer'));
    const target = agents.get(to);
    if (!target || to === agent.sub) return reply(conn, err('unknown-agent', 'no such agent', 'transfer'));
    const targetConn = conns.of(agentKey(to));
    if (!targetConn || !target.available || calls.ofAgent(to)) {
      return reply(conn, err('busy', `${target.name} is not available`, 'transfer'));
    }
    call.agentSub = to;
    call.transferredFrom = agent.name;
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'transferred',
          queue: this.s.queue,
          callId,
          at: now,
          fromAgentId: agent.sub,
          agentId: to,
        },
      },
      {
        kind: 'send',
        to: [conn],
        message: { type: 'call-ended', callId, reason: 'transferred', durationMs: now - call.answeredAt },
      },
      this.views.callMessage(targetConn, call),
    ];
    const customerConn = conns.of(call.ticketId);
    if (customerConn) {
      effects.push(...reply(customerConn, { type: 'agent-changed', callId, agentName: target.name }));
    }
    return effects.concat(this.views.refresh(now));
  }

  /** The agent ends their call. */
  hangUp(conn: string, agent: Agent, callId: string, now: number): LineEffect[] {
    const call = this.callOf(agent, callId);
    if (!call) return reply(conn, err('unknown-call', 'no such call of yours', 'end'));
    return this.end(call, 'ended', now).concat(this.views.refresh(now));
  }

  /** The call is over: both sides are told, and the customer's socket, its job done, is closed. */
  end(call: Call, reason: CallEndReason, now: number): LineEffect[] {
    const { calls, conns } = this.s;
    calls.close(call);
    const durationMs = Math.max(0, now - call.answeredAt);
    const message: LineServerMessage = { type: 'call-ended', callId: call.id, reason, durationMs };
    const to = [conns.of(call.ticketId), conns.of(agentKey(call.agentSub))].filter(
      (c): c is string => c !== undefined,
    );
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'ended',
          queue: this.s.queue,
          ticketId: call.ticketId,
          callId: call.id,
          at: now,
          durationMs,
          agentId: call.agentSub,
          reason,
        },
      },
    ];
    if (to.length > 0) effects.push({ kind: 'send', to, message });
    const customerConn = conns.of(call.ticketId);
    if (customerConn) {
      conns.detach(customerConn);
      effects.push(...close(customerConn, LINE_CLOSE_CODES.done, 'call ended'));
    }
    return effects;
  }

  /** The agent's call `callId`, if it is theirs. */
  private callOf(agent: Agent, callId: string): Call | undefined {
    const call = this.s.calls.get(callId);
    return call?.agentSub === agent.sub ? call : undefined;
  }
}
