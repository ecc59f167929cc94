/**
 * An agent's connection to a support line: signs in with an agent token, mirrors the line (waiting customers,
 * agents), and answers, transfers and ends calls. The call itself is an ordinary room the desk joins with the
 * token the line minted. After a dropped socket or a backend restart it signs in again and gets its call back.
 */
import type { CallMessage, LineErrorCode, LineMessage, LineServerMessage } from '../protocol/queue.ts';
import { LineSocket, lineUrl, type LineSocketStatus } from './line-socket.ts';

export interface DeskState {
  readonly status: LineSocketStatus;
  readonly line: LineMessage | undefined;
  /** Milliseconds to add to the server's clock to get ours (for waiting times). */
  readonly clockOffset: number;
  readonly call: CallMessage | undefined;
  readonly available: boolean;
  /** Why the desk stopped (closed for good). */
  readonly error: { code: string; message: string } | undefined;
}

export type AnswerResult = 'answered' | Extract<LineErrorCode, 'taken' | 'gone' | 'busy'> | 'failed';

export type DeskNotice =
  | { type: 'new-customer'; ticketId: string; name: string }
  | { type: 'call'; call: CallMessage }
  | { type: 'call-ended'; callId: string; reason: string; durationMs: number }
  | { type: 'refused'; code: string; message: string };

export interface DeskClientOptions {
  endpoint: string;
  queue: string;
  token: () => Promise<string>;
  available: boolean;
  onChange: (state: DeskState) => void;
  onNotice: (notice: DeskNotice) => void;
}

export class DeskClient {
  readonly #o: DeskClientOptions;
  readonly #socket: LineSocket;
  #state: DeskState;
  #known = new Set<string>();
  #first = true;
  #pendingAnswer: ((result: AnswerResult) => void) | undefined;

  constructor(options: DeskClientOptions) {
    this.#o = options;
    this.#state = {
      status: 'connecting',
      line: undefined,
      clockOffset: 0,
      call: undefined,
      available: options.available,
      error: undefined,
    };
    this.#socket = new LineSocket({
      url: lineUrl(options.endpoint, options.queue),
      hello: async () => ({ type: 'agent', token: await options.token(), available: this.#state.available }),
      onMessage: (m) => this.#onMessage(m),
      onStatus: (status) => {
        // An answer in flight on a socket that dropped gets no reply: it failed (the line may have it; the
        // call comes back with the next sign-in if so).
        if (status !== 'open') this.#pendingAnswer?.('failed');
        this.#set({ status });
      },
      onEnd: (code, reason) =>
        this.#set({ error: this.#state.error ?? { code: 'closed', message: `${code} ${reason}` } }),
    });
  }

  get state(): DeskState {
    return this.#state;
  }

  start(): void {
    this.#socket.start();
  }

  close(): void {
    this.#socket.close();
    this.#pendingAnswer?.('failed');
  }

  setAvailable(available: boolean): void {
    this.#set({ available });
    this.#socket.send({ type: 'status', available });
  }

  /** Takes a waiting customer: `answered` (the call arrives as state), or why not. */
  answer(ticketId: string): Promise<AnswerResult> {
    if (this.#pendingAnswer) return Promise.resolve('busy');
    if (!this.#socket.send({ type: 'answer', ticketId })) return Promise.resolve('failed');
    return new Promise((resolve) => {
      this.#pendingAnswer = (result) => {
        this.#pendingAnswer = undefined;
        resolve(result);
      };
    });
  }

  transfer(to: string): void {
    const call = this.#state.call;
    if (call) this.#socket.send({ type: 'transfer', callId: call.callId, to });
  }

  /** Ends the current call (the customer's side hears `call-ended`). */
  end(): void {
    const call = this.#state.call;
    if (!call) return;
    this.#socket.send({ type: 'end', callId: call.callId });
    this.#set({ call: undefined });
  }

  #onMessage(m: LineServerMessage): void {
    switch (m.type) {
      case 'line': {
        const fresh = m.waiting.filter((w) => !this.#known.has(w.ticketId));
        this.#known = new Set(m.waiting.map((w) => w.ticketId));
        this.#set({ line: m, clockOffset: Date.now() - m.now });
        // The first list after signing in is what was there already: no alert for it.
        if (!this.#first) {
          for (const w of fresh)
            this.#o.onNotice({ type: 'new-customer', ticketId: w.ticketId, name: w.name });
        }
        this.#first = false;
        return;
      }
      case 'call':
        if (this.#state.call?.callId === m.callId) return;
        this.#set({ call: m });
        this.#pendingAnswer?.('answered');
        this.#o.onNotice({ type: 'call', call: m });
        return;
      case 'call-ended':
        if (this.#state.call?.callId === m.callId) this.#set({ call: undefined });
        this.#o.onNotice({
          type: 'call-ended',
          callId: m.callId,
          reason: m.reason,
          durationMs: m.durationMs,
        });
        return;
      case 'error':
        if (m.ref === 'answer') {
          const code = m.code;
          this.#pendingAnswer?.(code === 'taken' || code === 'gone' || code === 'busy' ? code : 'failed');
        }
        if (m.fatal) this.#set({ error: { code: m.code, message: m.message } });
        this.#o.onNotice({ type: 'refused', code: m.code, message: m.message });
        return;
      case 'agent-changed':
      case 'answered':
      case 'closed':
      case 'heartbeat-ack':
      case 'waiting':
        return;
    }
  }

  #set(patch: Partial<DeskState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#o.onChange(this.#state);
  }
}
