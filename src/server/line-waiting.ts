/**
 * The support line's waiting customers: their tickets in line order, each one's position, who is already in
 * line, and the facts of joining and leaving it (`waited`, `abandoned`). A ticket keeps its place while its
 * customer is away (`disconnectedAt`), until the line's grace or wait limit runs out.
 */
import type { Metadata } from '../protocol/metadata.ts';
import type { WaitingCustomer } from '../protocol/queue.ts';
import type { AbandonReason } from './line-events.ts';
import type { LineEffect } from './line-effects.ts';

export interface Customer {
  sub: string;
  name: string;
  metadata: Metadata;
}

export interface Ticket extends Customer {
  id: string;
  key: string;
  enqueuedAt: number;
  /** Position when it joined: `waitedMs / place` is one sample of the time per place. */
  place: number;
  disconnectedAt: number | undefined;
}

export class WaitingLine {
  private readonly tickets = new Map<string, Ticket>();

  constructor(private readonly queue: string) {}

  get size(): number {
    return this.tickets.size;
  }

  get(ticketId: string): Ticket | undefined {
    return this.tickets.get(ticketId);
  }

  /** Ticket ids in line order. */
  ids(): string[] {
    return [...this.tickets.keys()];
  }

  /** Tickets in line order. */
  values(): Ticket[] {
    return [...this.tickets.values()];
  }

  /** 1 for the first in line; 0 for a ticket not in line. */
  position(ticketId: string): number {
    return this.ids().indexOf(ticketId) + 1;
  }

  hasCustomer(sub: string): boolean {
    return this.values().some((t) => t.sub === sub);
  }

  /** A new ticket at the end of the line, and its `waited` event. */
  join(customer: Customer, id: string, key: string, now: number): { ticket: Ticket; effect: LineEffect } {
    const ticket: Ticket = {
      id,
      key,
      sub: customer.sub,
      name: customer.name,
      metadata: customer.metadata,
      enqueuedAt: now,
      place: this.tickets.size + 1,
      disconnectedAt: undefined,
    };
    this.tickets.set(ticket.id, ticket);
    const effect: LineEffect = {
      kind: 'event',
      event: { type: 'waited', queue: this.queue, ticketId: ticket.id, at: now, position: ticket.place },
    };
    return { ticket, effect };
  }

  /** A ticket brought back from a snapshot. */
  restore(ticket: Ticket): void {
    this.tickets.set(ticket.id, ticket);
  }

  /** The ticket leaves the line because it was answered. */
  take(ticket: Ticket): void {
    this.tickets.delete(ticket.id);
  }

  /** The ticket leaves the line unanswered: its `abandoned` event. */
  abandon(ticket: Ticket, reason: AbandonReason, now: number): LineEffect[] {
    this.tickets.delete(ticket.id);
    return [
      {
        kind: 'event',
        event: {
          type: 'abandoned',
          queue: this.queue,
          ticketId: ticket.id,
          at: now,
          waitedMs: Math.max(0, now - ticket.enqueuedAt),
          reason,
        },
      },
    ];
  }

  /** Tickets the line gives up on now: waited past `maxWaitMs`, or away past `graceMs`. */
  due(now: number, maxWaitMs: number, graceMs: number): { ticket: Ticket; reason: 'timed-out' | 'left' }[] {
    const due: { ticket: Ticket; reason: 'timed-out' | 'left' }[] = [];
    for (const ticket of this.tickets.values()) {
      if (now - ticket.enqueuedAt > maxWaitMs) due.push({ ticket, reason: 'timed-out' });
      else if (ticket.disconnectedAt !== undefined && now - ticket.disconnectedAt > graceMs) {
        due.push({ ticket, reason: 'left' });
      }
    }
    return due;
  }

  /** What agents see of the line. */
  views(): WaitingCustomer[] {
    return this.values().map((t) => ({
      ticketId: t.id,
      name: t.name,
      metadata: structuredClone(t.metadata),
      since: t.enqueuedAt,
    }));
  }
}
