/**
 * A customer's place in a support line: enqueues with the page's room token for the queue, follows its
 * position and estimate, keeps its place across a dropped socket or a backend restart (`resume`), and hands
 * over the call room and its token when an agent answers. The socket stays open during the call, so the line
 * knows when it ends.
 */
import type { Metadata } from '../protocol/metadata.ts';
import type { CallEndReason, LineClosedCode, LineServerMessage } from '../protocol/queue.ts';
import { LineSocket, lineUrl } from './line-socket.ts';

export type TicketState =
  | { status: 'connecting' }
  | { status: 'waiting'; position: number; estimatedWaitMs: number | null; agentsAvailable: number }
  | { status: 'answered'; callId: string; room: string; token: string; agentName: string; waitedMs: number }
  | { status: 'ended'; reason: CallEndReason }
  | { status: 'cancelled' }
  /** Out of the line without a call: no agents, line full, timed out, or it failed (`failed`). */
  | { status: 'unavailable'; code: Exclude<LineClosedCode, 'cancelled'> | 'failed'; message: string };

export interface QueueTicketOptions {
  endpoint: string;
  queue: string;
  token: () => Promise<string>;
  metadata: Metadata;
  onChange: (state: TicketState) => void;
}

export class QueueTicket {
  readonly #o: QueueTicketOptions;
  readonly #socket: LineSocket;
  #state: TicketState = { status: 'connecting' };
  #resume: { ticketId: string; key: string } | undefined;

  constructor(options: QueueTicketOptions) {
    this.#o = options;
    this.#socket = new LineSocket({
      url: lineUrl(options.endpoint, options.queue),
      hello: async () => ({
        type: 'enqueue',
        token: await options.token(),
        ...(Object.keys(options.metadata).length ? { metadata: options.metadata } : {}),
        ...(this.#resume ? { resume: this.#resume } : {}),
      }),
      onMessage: (m) => this.#onMessage(m),
      onEnd: (code, reason) => {
        const s = this.#state.status;
        if (s === 'ended' || s === 'cancelled' || s === 'unavailable') return;
        this.#set({
          status: 'unavailable',
          code: 'failed',
          message: `support line closed (${code}) ${reason}`,
        });
      },
    });
  }

  get state(): TicketState {
    return this.#state;
  }

  start(): void {
    this.#socket.start();
  }

  /** Leaves the line, or hangs up a call in progress. */
  cancel(): void {
    const s = this.#state.status;
    if (s === 'waiting' || s === 'answered' || s === 'connecting') {
      this.#socket.send({ type: 'cancel' });
      this.#socket.close();
      this.#set(s === 'answered' ? { status: 'ended', reason: 'customer-left' } : { status: 'cancelled' });
    } else {
      this.#socket.close();
    }
  }

  #onMessage(m: LineServerMessage): void {
    switch (m.type) {
      case 'waiting':
        this.#resume = { ticketId: m.ticketId, key: m.key };
        this.#set({
          status: 'waiting',
          position: m.position,
          estimatedWaitMs: m.estimatedWaitMs,
          agentsAvailable: m.agentsAvailable,
        });
        return;
      case 'answered':
        this.#resume = { ticketId: m.ticketId, key: m.key };
        // Again after a resume: the call goes on with the token the room already holds.
        if (this.#state.status === 'answered' && this.#state.callId === m.callId) return;
        this.#set({
          status: 'answered',
          callId: m.callId,
          room: m.room,
          token: m.token,
          agentName: m.agentName,
          waitedMs: m.waitedMs,
        });
        return;
      case 'call-ended':
        this.#set({ status: 'ended', reason: m.reason });
        this.#socket.close();
        return;
      case 'closed':
        if (m.code === 'cancelled') this.#set({ status: 'cancelled' });
        else this.#set({ status: 'unavailable', code: m.code, message: m.message });
        this.#socket.close();
        return;
      case 'error':
        if (m.fatal) {
          this.#set({ status: 'unavailable', code: 'failed', message: `${m.code}: ${m.message}` });
          this.#socket.close();
        }
        return;
      case 'agent-changed':
      case 'call':
      case 'heartbeat-ack':
      case 'line':
        return;
    }
  }

  #set(state: TicketState): void {
    this.#state = state;
    this.#o.onChange(state);
  }
}
