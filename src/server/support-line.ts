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
 */
import type { Metadata } from '../protocol/metadata.ts';
import type {
  AgentView,
  CallEndReason,
  LineClientMessage,
  LineClosedCode,
  LineErrorCode,
  LineErrorMessage,
  LineServerMessage,
  WaitingCustomer,
} from '../protocol/queue.ts';
import { LINE_CLOSE_CODES, LINE_LIMITS } from '../protocol/queue.ts';
import type { RoomRole } from '../protocol/token.ts';
import type { AbandonReason, LineEvent } from './line-events.ts';

/** A room token the host mints and puts into `message.token` before sending. */
export interface Grant {
  room: string;
  sub: string;
  name: string;
  role: RoomRole;
}

export type LineEffect =
  | { kind: 'send'; to: string[]; message: LineServerMessage; grant?: Grant }
  | { kind: 'close'; conn: string; code: number; reason: string }
  | { kind: 'event'; event: LineEvent };

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

interface Customer {
  sub: string;
  name: string;
  metadata: Metadata;
}

interface Ticket extends Customer {
  id: string;
  key: string;
  enqueuedAt: number;
  /** Position when it joined: `waitedMs / place` is one sample of the time per place. */
  place: number;
  disconnectedAt: number | undefined;
}

interface Agent {
  sub: string;
  name: string;
  available: boolean;
  disconnectedAt: number | undefined;
}

interface Call {
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

type Client = { role: 'customer'; ticketId: string } | { role: 'agent'; sub: string };

/** What survives a restart: everything but connections. */
export interface LineSnapshot {
  tickets: Omit<Ticket, 'disconnectedAt'>[];
  agents: Omit<Agent, 'disconnectedAt'>[];
  calls: Omit<Call, 'customerDisconnectedAt'>[];
  /** Recent milliseconds per place in line, newest last. */
  perPlace: number[];
}

export type EnqueueRequest = Customer & { resume?: { ticketId: string; key: string } };

const SAMPLES = 10;

function err(code: LineErrorCode, message: string, ref?: string, fatal?: boolean): LineErrorMessage {
  return { type: 'error', code, message, ...(ref ? { ref } : {}), ...(fatal ? { fatal } : {}) };
}

export class SupportLine {
  readonly queue: string;
  private readonly o: Required<Omit<SupportLineOptions, 'queue'>>;
  private readonly tickets = new Map<string, Ticket>();
  private readonly agents = new Map<string, Agent>();
  private readonly calls = new Map<string, Call>();
  private perPlace: number[] = [];
  /** Connection → who; and who → connection. Not persisted. */
  private readonly clients = new Map<string, Client>();
  private readonly connOf = new Map<string, string>();
  private readonly lastSeen = new Map<string, number>();
  /** What each connection was last sent of its view, to send only changes. */
  private readonly lastView = new Map<string, string>();

  constructor(options: SupportLineOptions) {
    this.queue = options.queue;
    this.o = {
      maxWaiting: options.maxWaiting,
      maxWaitMs: options.maxWaitMs,
      graceMs: options.graceMs,
      staleAfterMs: options.staleAfterMs ?? LINE_LIMITS.staleAfterMs,
      maxAgents: options.maxAgents ?? LINE_LIMITS.maxAgents,
      randomId: options.randomId ?? (() => crypto.randomUUID()),
    };
  }

  /** A line brought back after a restart: everyone is away as of `now`, with `graceMs` to come back. */
  static restore(options: SupportLineOptions, snapshot: LineSnapshot, now: number): SupportLine {
    const line = new SupportLine(options);
    for (const t of snapshot.tickets) line.tickets.set(t.id, { ...t, disconnectedAt: now });
    for (const a of snapshot.agents) line.agents.set(a.sub, { ...a, disconnectedAt: now });
    for (const c of snapshot.calls) line.calls.set(c.id, { ...c, customerDisconnectedAt: now });
    line.perPlace = snapshot.perPlace.slice(-SAMPLES);
    return line;
  }

  snapshot(): LineSnapshot {
    return structuredClone({
      tickets: [...this.tickets.values()].map(({ disconnectedAt: _, ...t }) => t),
      agents: [...this.agents.values()].map(({ disconnectedAt: _, ...a }) => a),
      calls: [...this.calls.values()].map(({ customerDisconnectedAt: _, ...c }) => c),
      perPlace: this.perPlace,
    });
  }

  /** Nothing waiting, no agent, no call: the host may forget the line. */
  get idle(): boolean {
    return this.tickets.size === 0 && this.agents.size === 0 && this.calls.size === 0;
  }

  get waitingCount(): number {
    return this.tickets.size;
  }

  /** Tickets in line order (tests and the host's status). */
  waiting(): string[] {
    return [...this.tickets.keys()];
  }

  callIds(): string[] {
    return [...this.calls.keys()];
  }

  // ---- joining -------------------------------------------------------------------------------------------

  enqueue(conn: string, req: EnqueueRequest, now: number): LineEffect[] {
    if (this.clients.has(conn)) return this.reply(conn, err('already-joined', 'already joined', 'enqueue'));
    if (req.resume) return this.resume(conn, req, now);
    if (this.agents.size === 0) return this.refuse(conn, 'no-agents', 'no agent is signed in to this line');
    if (this.tickets.size >= this.o.maxWaiting) {
      return this.refuse(conn, 'line-full', `the line is full (${this.o.maxWaiting} waiting)`);
    }
    const mine =
      [...this.tickets.values()].some((t) => t.sub === req.sub) ||
      [...this.calls.values()].some((c) => c.customer.sub === req.sub);
    if (mine) {
      return this.reply(
        conn,
        err('already-waiting', 'you are already in this line (another tab?)', 'enqueue', true),
      ).concat(this.close(conn, LINE_CLOSE_CODES.closed, 'already-waiting'));
    }
    const ticket: Ticket = {
      id: this.o.randomId(),
      key: this.o.randomId(),
      sub: req.sub,
      name: req.name,
      metadata: req.metadata,
      enqueuedAt: now,
      place: this.tickets.size + 1,
      disconnectedAt: undefined,
    };
    this.tickets.set(ticket.id, ticket);
    this.attach(conn, { role: 'customer', ticketId: ticket.id }, ticket.id, now);
    return [
      {
        kind: 'event',
        event: { type: 'waited', queue: this.queue, ticketId: ticket.id, at: now, position: ticket.place },
      },
      ...this.refresh(now),
    ];
  }

  private resume(conn: string, req: EnqueueRequest, now: number): LineEffect[] {
    const { ticketId, key } = req.resume!;
    const ticket = this.tickets.get(ticketId);
    const call = [...this.calls.values()].find((c) => c.ticketId === ticketId);
    const owner = ticket ?? call?.customer;
    if (!owner || owner.sub !== req.sub || (ticket ? ticket.key : call?.key) !== key) {
      return this.reply(conn, err('resume-failed', 'that place in line is gone', 'enqueue', true)).concat(
        this.close(conn, LINE_CLOSE_CODES.closed, 'resume-failed'),
      );
    }
    const effects = this.detachOld(ticketId);
    this.attach(conn, { role: 'customer', ticketId }, ticketId, now);
    if (ticket) {
      ticket.disconnectedAt = undefined;
      return effects.concat(this.refresh(now));
    }
    call!.customerDisconnectedAt = undefined;
    return effects.concat(this.answeredMessage(conn, call!), this.refresh(now));
  }

  agentJoin(
    conn: string,
    req: { sub: string; name: string; available?: boolean },
    now: number,
  ): LineEffect[] {
    if (this.clients.has(conn)) return this.reply(conn, err('already-joined', 'already joined', 'agent'));
    let agent = this.agents.get(req.sub);
    if (!agent && this.agents.size >= this.o.maxAgents) {
      return this.reply(
        conn,
        err('busy', `this line has ${this.o.maxAgents} agents already`, 'agent', true),
      ).concat(this.close(conn, LINE_CLOSE_CODES.closed, 'too many agents'));
    }
    const effects = this.detachOld(`agent:${req.sub}`);
    if (!agent) {
      agent = { sub: req.sub, name: req.name, available: req.available ?? true, disconnectedAt: undefined };
      this.agents.set(req.sub, agent);
    }
    agent.name = req.name;
    if (req.available !== undefined) agent.available = req.available;
    agent.disconnectedAt = undefined;
    this.attach(conn, { role: 'agent', sub: req.sub }, `agent:${req.sub}`, now);
    const call = this.callOf(req.sub);
    if (call) effects.push(this.callMessage(conn, call));
    return effects.concat(this.refresh(now));
  }

  // ---- messages ------------------------------------------------------------------------------------------

  /** A message from a joined connection (not `enqueue` or `agent`). */
  handle(conn: string, msg: LineClientMessage, now: number): LineEffect[] {
    const client = this.clients.get(conn);
    if (!client) return this.reply(conn, err('not-joined', 'send enqueue or agent first', msg.type));
    this.lastSeen.set(conn, now);
    if (msg.type === 'heartbeat') return [{ kind: 'send', to: [conn], message: { type: 'heartbeat-ack' } }];
    if (msg.type === 'enqueue' || msg.type === 'agent') {
      return this.reply(conn, err('already-joined', 'already joined', msg.type));
    }
    if (client.role === 'customer') {
      if (msg.type !== 'cancel') return this.reply(conn, err('not-agent', 'agents only', msg.type));
      return this.cancel(conn, client.ticketId, now);
    }
    const agent = this.agents.get(client.sub)!;
    switch (msg.type) {
      case 'cancel':
        return this.reply(conn, err('invalid-message', 'agents send end, not cancel', msg.type));
      case 'status':
        agent.available = msg.available;
        return this.refresh(now);
      case 'answer':
        return this.answer(conn, agent, msg.ticketId, now);
      case 'transfer':
        return this.transfer(conn, agent, msg.callId, msg.to, now);
      case 'end': {
        const call = this.calls.get(msg.callId);
        if (!call || call.agentSub !== agent.sub) {
          return this.reply(conn, err('unknown-call', 'no such call of yours', msg.type));
        }
        return this.endCall(call, 'ended', now).concat(this.refresh(now));
      }
    }
  }

  private cancel(conn: string, ticketId: string, now: number): LineEffect[] {
    const ticket = this.tickets.get(ticketId);
    if (ticket) {
      return [
        ...this.removeTicket(ticket, 'cancelled', now),
        {
          kind: 'send',
          to: [conn],
          message: { type: 'closed', code: 'cancelled', message: 'you left the line' },
        },
        ...this.close(conn, LINE_CLOSE_CODES.done, 'cancelled'),
        ...this.refresh(now),
      ];
    }
    const call = [...this.calls.values()].find((c) => c.ticketId === ticketId);
    const effects = call ? this.endCall(call, 'customer-left', now) : [];
    return effects.concat(this.close(conn, LINE_CLOSE_CODES.done, 'hung up'), this.refresh(now));
  }

  private answer(conn: string, agent: Agent, ticketId: string, now: number): LineEffect[] {
    if (this.callOf(agent.sub)) return this.reply(conn, err('busy', 'you are in a call', 'answer'));
    const ticket = this.tickets.get(ticketId);
    if (!ticket) {
      const taken = [...this.calls.values()].some((c) => c.ticketId === ticketId);
      return this.reply(
        conn,
        taken
          ? err('taken', 'another agent answered this customer', 'answer')
          : err('gone', 'this customer is no longer waiting', 'answer'),
      );
    }
    this.tickets.delete(ticket.id);
    const waitedMs = Math.max(0, now - ticket.enqueuedAt);
    this.perPlace = [...this.perPlace, waitedMs / ticket.place].slice(-SAMPLES);
    const call: Call = {
      id: this.o.randomId(),
      room: `call-${this.o
        .randomId()
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 40)}`,
      ticketId: ticket.id,
      key: ticket.key,
      customer: { sub: ticket.sub, name: ticket.name, metadata: ticket.metadata },
      agentSub: agent.sub,
      answeredAt: now,
      waitedMs,
      customerDisconnectedAt: ticket.disconnectedAt,
    };
    this.calls.set(call.id, call);
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'answered',
          queue: this.queue,
          ticketId: ticket.id,
          callId: call.id,
          at: now,
          waitedMs,
          agentId: agent.sub,
        },
      },
      this.callMessage(conn, call),
    ];
    const customerConn = this.connOf.get(ticket.id);
    if (customerConn) effects.push(...this.answeredMessage(customerConn, call));
    return effects.concat(this.refresh(now));
  }

  private transfer(conn: string, agent: Agent, callId: string, to: string, now: number): LineEffect[] {
    const call = this.calls.get(callId);
    if (!call || call.agentSub !== agent.sub) {
      return this.reply(conn, err('unknown-call', 'no such call of yours', 'transfer'));
    }
    const target = this.agents.get(to);
    if (!target || to === agent.sub)
      return this.reply(conn, err('unknown-agent', 'no such agent', 'transfer'));
    const targetConn = this.connOf.get(`agent:${to}`);
    if (!targetConn || !target.available || this.callOf(to)) {
      return this.reply(conn, err('busy', `${target.name} is not available`, 'transfer'));
    }
    call.agentSub = to;
    call.transferredFrom = agent.name;
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'transferred',
          queue: this.queue,
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
      this.callMessage(targetConn, call),
    ];
    const customerConn = this.connOf.get(call.ticketId);
    if (customerConn) {
      effects.push({
        kind: 'send',
        to: [customerConn],
        message: { type: 'agent-changed', callId, agentName: target.name },
      });
    }
    return effects.concat(this.refresh(now));
  }

  // ---- connections and time ------------------------------------------------------------------------------

  /**
   * The connection closed. `clean`: the client closed it on purpose (1000/1001: cancel, a closed tab), so
   * it leaves at once; otherwise (a dropped network) its place or call waits `graceMs` for it.
   */
  disconnect(conn: string, clean: boolean, now: number): LineEffect[] {
    const client = this.clients.get(conn);
    if (!client) return [];
    this.detach(conn);
    if (client.role === 'customer') {
      const ticket = this.tickets.get(client.ticketId);
      const call = [...this.calls.values()].find((c) => c.ticketId === client.ticketId);
      if (ticket) {
        if (clean) return this.removeTicket(ticket, 'left', now).concat(this.refresh(now));
        ticket.disconnectedAt = now;
      } else if (call) {
        if (clean) return this.endCall(call, 'customer-left', now).concat(this.refresh(now));
        call.customerDisconnectedAt = now;
      }
      return this.refresh(now);
    }
    const agent = this.agents.get(client.sub);
    if (!agent) return [];
    if (clean) return this.removeAgent(agent, now).concat(this.refresh(now));
    agent.disconnectedAt = now;
    return this.refresh(now);
  }

  /** Stale sockets, the waiting-time limit, and places and agents past their grace. Call every second. */
  tick(now: number): LineEffect[] {
    const effects: LineEffect[] = [];
    for (const ticket of [...this.tickets.values()]) {
      if (now - ticket.enqueuedAt > this.o.maxWaitMs) {
        const conn = this.connOf.get(ticket.id);
        effects.push(...this.removeTicket(ticket, 'timed-out', now));
        if (conn) {
          effects.push(
            ...this.reply(conn, {
              type: 'closed',
              code: 'timed-out',
              message: 'no agent could answer in time',
            }),
            ...this.close(conn, LINE_CLOSE_CODES.closed, 'timed-out'),
          );
          this.detach(conn);
        }
      } else if (ticket.disconnectedAt !== undefined && now - ticket.disconnectedAt > this.o.graceMs) {
        effects.push(...this.removeTicket(ticket, 'left', now));
      }
    }
    for (const [conn, seen] of [...this.lastSeen]) {
      if (now - seen > this.o.staleAfterMs) {
        effects.push(
          ...this.close(conn, LINE_CLOSE_CODES.stale, 'stale'),
          ...this.disconnect(conn, false, now),
        );
      }
    }
    for (const agent of [...this.agents.values()]) {
      if (agent.disconnectedAt !== undefined && now - agent.disconnectedAt > this.o.graceMs) {
        effects.push(...this.removeAgent(agent, now));
      }
    }
    for (const call of [...this.calls.values()]) {
      // A call nobody came back to (customer gone past grace, agent gone): nothing left to end it.
      const agentGone = !this.agents.has(call.agentSub);
      const customerGone =
        call.customerDisconnectedAt !== undefined && now - call.customerDisconnectedAt > this.o.graceMs;
      if (agentGone && customerGone) effects.push(...this.endCall(call, 'timed-out', now));
    }
    return effects.concat(this.refresh(now));
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private attach(conn: string, client: Client, who: string, now: number): void {
    this.clients.set(conn, client);
    this.connOf.set(who, conn);
    this.lastSeen.set(conn, now);
  }

  private detach(conn: string): void {
    const client = this.clients.get(conn);
    if (!client) return;
    const who = client.role === 'customer' ? client.ticketId : `agent:${client.sub}`;
    if (this.connOf.get(who) === conn) this.connOf.delete(who);
    this.clients.delete(conn);
    this.lastSeen.delete(conn);
    this.lastView.delete(conn);
  }

  /** The same customer or agent on a new socket: the old one goes quietly. */
  private detachOld(who: string): LineEffect[] {
    const old = this.connOf.get(who);
    if (old === undefined) return [];
    this.detach(old);
    return this.close(old, LINE_CLOSE_CODES.replaced, 'replaced by a newer connection');
  }

  private callOf(agentSub: string): Call | undefined {
    for (const c of this.calls.values()) if (c.agentSub === agentSub) return c;
    return undefined;
  }

  private removeTicket(ticket: Ticket, reason: AbandonReason, now: number): LineEffect[] {
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

  private removeAgent(agent: Agent, now: number): LineEffect[] {
    this.agents.delete(agent.sub);
    const conn = this.connOf.get(`agent:${agent.sub}`);
    if (conn) this.detach(conn);
    const call = this.callOf(agent.sub);
    return call ? this.endCall(call, 'agent-left', now) : [];
  }

  private endCall(call: Call, reason: CallEndReason, now: number): LineEffect[] {
    this.calls.delete(call.id);
    const durationMs = Math.max(0, now - call.answeredAt);
    const message: LineServerMessage = { type: 'call-ended', callId: call.id, reason, durationMs };
    const to = [this.connOf.get(call.ticketId), this.connOf.get(`agent:${call.agentSub}`)].filter(
      (c): c is string => c !== undefined,
    );
    const effects: LineEffect[] = [
      {
        kind: 'event',
        event: {
          type: 'ended',
          queue: this.queue,
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
    // The customer's socket has done its job.
    const customerConn = this.connOf.get(call.ticketId);
    if (customerConn) {
      this.detach(customerConn);
      effects.push(...this.close(customerConn, LINE_CLOSE_CODES.done, 'call ended'));
    }
    return effects;
  }

  private callMessage(conn: string, call: Call): LineEffect {
    const agent = this.agents.get(call.agentSub)!;
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

  private answeredMessage(conn: string, call: Call): LineEffect[] {
    this.lastView.delete(conn);
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
          agentName: this.agents.get(call.agentSub)?.name ?? '',
          waitedMs: call.waitedMs,
        },
        grant: { room: call.room, sub: c.sub, name: c.name, role: 'guest' },
      },
    ];
  }

  private refuse(conn: string, code: LineClosedCode, message: string): LineEffect[] {
    return [
      { kind: 'send', to: [conn], message: { type: 'closed', code, message } },
      ...this.close(conn, LINE_CLOSE_CODES.closed, code),
    ];
  }

  private reply(conn: string, message: LineServerMessage): LineEffect[] {
    return [{ kind: 'send', to: [conn], message }];
  }

  private close(conn: string, code: number, reason: string): LineEffect[] {
    return [{ kind: 'close', conn, code, reason }];
  }

  private agentsAvailable(): number {
    let n = 0;
    for (const a of this.agents.values()) {
      if (a.available && a.disconnectedAt === undefined && !this.callOf(a.sub)) n++;
    }
    return n;
  }

  /** Each connection's view, sent where it changed. */
  private refresh(now: number): LineEffect[] {
    const effects: LineEffect[] = [];
    const agentsAvailable = this.agentsAvailable();
    const waiting: WaitingCustomer[] = [...this.tickets.values()].map((t) => ({
      ticketId: t.id,
      name: t.name,
      metadata: structuredClone(t.metadata),
      since: t.enqueuedAt,
    }));
    const agents: AgentView[] = [...this.agents.values()].map((a) => ({
      id: a.sub,
      name: a.name,
      available: a.available,
      busy: this.callOf(a.sub) !== undefined,
      connected: a.disconnectedAt === undefined,
    }));
    const agentView = JSON.stringify({ waiting, agents, agentsAvailable });
    const changedAgents: string[] = [];
    for (const [conn, client] of this.clients) {
      if (client.role === 'agent') {
        if (this.lastView.get(conn) !== agentView) {
          this.lastView.set(conn, agentView);
          changedAgents.push(conn);
        }
        continue;
      }
      const ticket = this.tickets.get(client.ticketId);
      if (!ticket) continue;
      const position = [...this.tickets.keys()].indexOf(ticket.id) + 1;
      const view = {
        type: 'waiting' as const,
        ticketId: ticket.id,
        key: ticket.key,
        position,
        estimatedWaitMs: this.estimate(position),
        agentsAvailable,
      };
      const text = JSON.stringify(view);
      if (this.lastView.get(conn) !== text) {
        this.lastView.set(conn, text);
        effects.push({ kind: 'send', to: [conn], message: view });
      }
    }
    if (changedAgents.length > 0) {
      effects.push({
        kind: 'send',
        to: changedAgents,
        message: { type: 'line', now, waiting, agents, agentsAvailable },
      });
    }
    return effects;
  }

  private estimate(position: number): number | null {
    if (this.perPlace.length === 0) return null;
    const mean = this.perPlace.reduce((a, b) => a + b, 0) / this.perPlace.length;
    return Math.round(mean * position);
  }
}
