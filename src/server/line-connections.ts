/**
 * The support line's connections: which socket is which customer (by ticket) or agent (by `sub`) and back,
 * when each was last heard from, and what view each was last sent. None of it survives a restart: customers
 * and agents outlive their sockets, and come back on new ones.
 */
import { LINE_CLOSE_CODES } from '../protocol/queue.ts';
import { close, type LineEffect } from './line-effects.ts';

export type Client = { role: 'customer'; ticketId: string } | { role: 'agent'; sub: string };

/** Whom a connection stands for: a customer's ticket id, or `agent:<sub>`. */
export function agentKey(sub: string): string {
  return `agent:${sub}`;
}

function keyOf(client: Client): string {
  return client.role === 'customer' ? client.ticketId : agentKey(client.sub);
}

export class LineConnections {
  /** Connection → who; and who → connection. */
  private readonly clients = new Map<string, Client>();
  private readonly connOf = new Map<string, string>();
  private readonly lastSeen = new Map<string, number>();
  /** What each connection was last sent of its view, to send only changes. */
  private readonly lastView = new Map<string, string>();

  has(conn: string): boolean {
    return this.clients.has(conn);
  }

  client(conn: string): Client | undefined {
    return this.clients.get(conn);
  }

  /** The connection of a ticket id or `agentKey(sub)`, if it is connected. */
  of(who: string): string | undefined {
    return this.connOf.get(who);
  }

  /** Every joined connection, in the order they joined. */
  entries(): IterableIterator<[string, Client]> {
    return this.clients.entries();
  }

  attach(conn: string, client: Client, now: number): void {
    this.clients.set(conn, client);
    this.connOf.set(keyOf(client), conn);
    this.lastSeen.set(conn, now);
  }

  detach(conn: string): void {
    const client = this.clients.get(conn);
    if (!client) return;
    const who = keyOf(client);
    if (this.connOf.get(who) === conn) this.connOf.delete(who);
    this.clients.delete(conn);
    this.lastSeen.delete(conn);
    this.lastView.delete(conn);
  }

  /** The same customer or agent on a new socket: the old one goes quietly. */
  replace(who: string): LineEffect[] {
    const old = this.connOf.get(who);
    if (old === undefined) return [];
    this.detach(old);
    return close(old, LINE_CLOSE_CODES.replaced, 'replaced by a newer connection');
  }

  seen(conn: string, now: number): void {
    this.lastSeen.set(conn, now);
  }

  /** Connections not heard from for longer than `staleAfterMs`. */
  stale(now: number, staleAfterMs: number): string[] {
    return [...this.lastSeen].filter(([, seen]) => now - seen > staleAfterMs).map(([conn]) => conn);
  }

  /** Whether `view` differs from what `conn` was last sent; if so, it counts as sent now. */
  viewChanged(conn: string, view: string): boolean {
    if (this.lastView.get(conn) === view) return false;
    this.lastView.set(conn, view);
    return true;
  }

  /** The next view goes to `conn` even if unchanged (it was sent something that replaces its view). */
  forgetView(conn: string): void {
    this.lastView.delete(conn);
  }
}
