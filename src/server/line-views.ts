/**
 * What each connection of the support line is shown: agents the whole line (`line`), each waiting customer
 * their place (`waiting`), sent only where it changed; and a call as each side sees it (`call` for the
 * agent, `answered` for the customer), each with the grant of its room token.
 */
import type { LineServerMessage } from '../protocol/queue.ts';
import type { Call } from './line-calls.ts';
import type { LineEffect } from './line-effects.ts';
import type { LineState } from './line-state.ts';

export class LineViews {
  constructor(private readonly s: LineState) {}

  /** Each connection's view, sent where it changed. */
  refresh(now: number): LineEffect[] {
    const { tickets, agents, calls, conns } = this.s;
    const effects: LineEffect[] = [];
    const busy = (sub: string) => calls.ofAgent(sub) !== undefined;
    const agentsAvailable = agents.available(busy);
    const waiting = tickets.views();
    const agentViews = agents.views(busy);
    const agentView = JSON.stringify({ waiting, agents: agentViews, agentsAvailable });
    const changedAgents: string[] = [];
    for (const [conn, client] of conns.entries()) {
      if (client.role === 'agent') {
        if (conns.viewChanged(conn, agentView)) changedAgents.push(conn);
        continue;
      }
      const ticket = tickets.get(client.ticketId);
      if (!ticket) continue;
      const position = tickets.position(ticket.id);
      const view = {
        type: 'waiting' as const,
        ticketId: ticket.id,
        key: ticket.key,
        position,
        estimatedWaitMs: this.s.estimator.estimate(position),
        agentsAvailable,
      };
      if (conns.viewChanged(conn, JSON.stringify(view)))
        effects.push({ kind: 'send', to: [conn], message: view });
    }
    if (changedAgents.length > 0) {
      const message: LineServerMessage = { type: 'line', now, waiting, agents: agentViews, agentsAvailable };
      effects.push({ kind: 'send', to: changedAgents, message });
    }
    return effects;
  }

  /** The call as its agent sees it. */
  callMessage(conn: string, call: Call): LineEffect {
    const agent = this.s.agents.get(call.agentSub)!;
    return {
      kind: 'send',
      to: [conn],
      message: {
        type: 'call',
        callId: call.id,
        room: call.room,
        token: '',
        ticketId: call.ticketId,
        customer: { name: call.customer.name, metadata: structuredClone(call.customer.metadata) },
        waitedMs: call.waitedMs,
        answeredAt: call.answeredAt,
        ...(call.transferredFrom !== undefined ? { transferredFrom: call.transferredFrom } : {}),
      },
      grant: { room: call.room, sub: agent.sub, name: agent.name, role: 'host' },
    };
  }

  /** The call as its customer sees it; their waiting view starts over. */
  answeredMessage(conn: string, call: Call): LineEffect[] {
    this.s.conns.forgetView(conn);
    const c = call.customer;
    return [
      {
        kind: 'send',
        to: [conn],
        message: {
          type: 'answered',
          callId: call.id,
          room: call.room,
          token: '',
          ticketId: call.ticketId,
          key: call.key,
          agentName: this.s.agents.get(call.agentSub)?.name ?? '',
          waitedMs: call.waitedMs,
        },
        grant: { room: call.room, sub: c.sub, name: c.name, role: 'guest' },
      },
    ];
  }
}
