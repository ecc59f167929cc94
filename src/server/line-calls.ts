/**
 * The support line's calls in progress, by call id: which ticket and customer each came from, which agent
 * has it now (and who handed it over), and whether the customer is away. A call keeps going while either
 * side is away; only when both are gone past the grace does nothing remain to end it.
 */
import type { Customer, Ticket } from './line-waiting.ts';

export interface Call {
  id: string;
  room: string;
  ticketId: string;
  key: string;
  customer: Customer;
  agentSub: string;
  answeredAt: number;
  waitedMs: number;
  transferredFrom?: string;
  customerDisconnectedAt: number | undefined;
}

export class CallBook {
  private readonly calls = new Map<string, Call>();

  get size(): number {
    return this.calls.size;
  }

  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  ids(): string[] {
    return [...this.calls.keys()];
  }

  values(): Call[] {
    return [...this.calls.values()];
  }

  ofTicket(ticketId: string): Call | undefined {
    return this.values().find((c) => c.ticketId === ticketId);
  }

  ofAgent(agentSub: string): Call | undefined {
    for (const c of this.calls.values()) if (c.agentSub === agentSub) return c;
    return undefined;
  }

  hasCustomer(sub: string): boolean {
    return this.values().some((c) => c.customer.sub === sub);
  }

  /** The call `agentSub` answers for `ticket`, in a new room (`roomId` random, made safe for a room name). */
  open(ticket: Ticket, agentSub: string, id: string, roomId: string, now: number): Call {
    const call: Call = {
      id,
      room: `call-${roomId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`,
      ticketId: ticket.id,
      key: ticket.key,
      customer: { sub: ticket.sub, name: ticket.name, metadata: ticket.metadata },
      agentSub,
      answeredAt: now,
      waitedMs: Math.max(0, now - ticket.enqueuedAt),
      customerDisconnectedAt: ticket.disconnectedAt,
    };
    this.calls.set(call.id, call);
    return call;
  }

  /** A call brought back from a snapshot. */
  restore(call: Call): void {
    this.calls.set(call.id, call);
  }

  close(call: Call): void {
    this.calls.delete(call.id);
  }

  /** Calls nobody came back to: the agent is gone and the customer away past `graceMs`. */
  orphaned(now: number, graceMs: number, agentGone: (sub: string) => boolean): Call[] {
    return this.values().filter(
      (c) =>
        agentGone(c.agentSub) &&
        c.customerDisconnectedAt !== undefined &&
        now - c.customerDisconnectedAt > graceMs,
    );
  }
}
