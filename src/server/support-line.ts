/**
 * One support line as a pure state machine: validated messages and the current time in, effects (messages to
 * send, sockets to close, call-room tokens to mint, events to record) out. No I/O, no timers, no clock of its
 * own, so the Node server and the Durable Object run the same code and tests drive time by hand.
 *
 * Who is who: clients are the host's connection ids; a customer's ticket and an agent (by `sub`) outlive
 * their connection, so a dropped socket (or a backend restart: `snapshot()` / `SupportLine.restore()`) comes
 * back to the same place in line or the same call within `graceMs`.
 *
 * Answering is atomic because a method runs to completion: the first `answer` for a ticket turns it into a
 * call; any later one finds the call (`taken`) or nothing (`gone`).
 *
 * This class only builds the line and routes each message: joining is `LineAdmission`'s, calls are the
 * `CallDesk`'s, leaving and time are `LineDepartures`'; the state they share is in `line-state.ts`.
 */
import type { LineClientMessage } from '../protocol/queue.ts';
import { LINE_LIMITS } from '../protocol/queue.ts';
import { LineAdmission, type AgentRequest, type EnqueueRequest } from './line-admission.ts';
import { CallDesk } from './line-call-desk.ts';
import { LineDepartures } from './line-departures.ts';
import { err, reply, type LineEffect } from './line-effects.ts';
import { restoreLine, snapshotOf, type LineSnapshot } from './line-snapshot.ts';
import { emptyLine, type LineState } from './line-state.ts';
import { LineViews } from './line-views.ts';

export type { EnqueueRequest } from './line-admission.ts';
export type { Grant, LineEffect } from './line-effects.ts';
export type { LineSnapshot } from './line-snapshot.ts';

export interface SupportLineOptions {
  queue: string;
  /** Customers waiting at most (`QUEUE_LENGTH_LIMIT`). */
  maxWaiting: number;
  /** Longest wait before the line gives up on a customer (`QUEUE_WAIT_LIMIT_SECONDS`), ms. */
  maxWaitMs: number;
  /** How long a dropped customer or agent keeps their place or call, ms. */
  graceMs: number;
  staleAfterMs?: number;
  maxAgents?: number;
  randomId?: () => string;
}

export class SupportLine {
  readonly queue: string;
  private readonly s: LineState;
  private readonly views: LineViews;
  private readonly admission: LineAdmission;
  private readonly desk: CallDesk;
  private readonly departures: LineDepartures;

  constructor(options: SupportLineOptions) {
    this.queue = options.queue;
    const randomId = options.randomId ?? (() => crypto.randomUUID());
    this.s = emptyLine(options.queue, options.maxAgents ?? LINE_LIMITS.maxAgents);
    this.views = new LineViews(this.s);
    this.admission = new LineAdmission(this.s, this.views, options.maxWaiting, randomId);
    this.desk = new CallDesk(this.s, this.views, randomId);
    this.departures = new LineDepartures(this.s, this.views, this.desk, {
      maxWaitMs: options.maxWaitMs,
      graceMs: options.graceMs,
      staleAfterMs: options.staleAfterMs ?? LINE_LIMITS.staleAfterMs,
    });
  }

  /** A line brought back after a restart: everyone is away as of `now`, with `graceMs` to come back. */
  static restore(options: SupportLineOptions, snapshot: LineSnapshot, now: number): SupportLine {
    const line = new SupportLine(options);
    restoreLine(line.s, snapshot, now);
    return line;
  }

  snapshot(): LineSnapshot {
    return snapshotOf(this.s);
  }

  /** Nothing waiting, no agent, no call: the host may forget the line. */
  get idle(): boolean {
    return this.s.tickets.size === 0 && this.s.agents.size === 0 && this.s.calls.size === 0;
  }

  get waitingCount(): number {
    return this.s.tickets.size;
  }

  /** Tickets in line order (tests and the host's status). */
  waiting(): string[] {
    return this.s.tickets.ids();
  }

  callIds(): string[] {
    return this.s.calls.ids();
  }

  enqueue(conn: string, req: EnqueueRequest, now: number): LineEffect[] {
    return this.admission.enqueue(conn, req, now);
  }

  agentJoin(conn: string, req: AgentRequest, now: number): LineEffect[] {
    return this.admission.agentJoin(conn, req, now);
  }

  /** A message from a joined connection (not `enqueue` or `agent`). */
  handle(conn: string, msg: LineClientMessage, now: number): LineEffect[] {
    const client = this.s.conns.client(conn);
    if (!client) return reply(conn, err('not-joined', 'send enqueue or agent first', msg.type));
    this.s.conns.seen(conn, now);
    if (msg.type === 'heartbeat') return reply(conn, { type: 'heartbeat-ack' });
    if (msg.type === 'enqueue' || msg.type === 'agent') {
      return reply(conn, err('already-joined', 'already joined', msg.type));
    }
    if (client.role === 'customer') {
      if (msg.type !== 'cancel') return reply(conn, err('not-agent', 'agents only', msg.type));
      return this.departures.cancel(conn, client.ticketId, now);
    }
    const agent = this.s.agents.get(client.sub)!;
    switch (msg.type) {
      case 'cancel':
        return reply(conn, err('invalid-message', 'agents send end, not cancel', msg.type));
      case 'status':
        agent.available = msg.available;
        return this.views.refresh(now);
      case 'answer':
        return this.desk.answer(conn, agent, msg.ticketId, now);
      case 'transfer':
        return this.desk.transfer(conn, agent, msg.callId, msg.to, now);
      case 'end':
        return this.desk.hangUp(conn, agent, msg.callId, now);
    }
  }

  /**
   * The connection closed. `clean`: the client closed it on purpose (1000/1001: cancel, a closed tab), so
   * it leaves at once; otherwise (a dropped network) its place or call waits `graceMs` for it.
   */
  disconnect(conn: string, clean: boolean, now: number): LineEffect[] {
    return this.departures.disconnect(conn, clean, now);
  }

  /** Stale sockets, the waiting-time limit, and places and agents past their grace. Call every second. */
  tick(now: number): LineEffect[] {
    return this.departures.tick(now);
  }
}
