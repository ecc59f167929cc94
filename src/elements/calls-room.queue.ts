/**
 * `<calls-room queue>`: the customer's side of a support line. Before the call, a waiting view (own camera
 * preview, place in line, estimated wait, agents available, a cancel button) and `calls-queue-change`
 * events; when an agent answers, the room joins the private call room with the token the line minted.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { QueueTicket, type TicketState } from '../client/queue-ticket.ts';
import { RoomError, type RoomErrorCode } from '../client/room-types.ts';
import type { TokenSource } from '../client/token-source.ts';
import { parseMetadataAttribute } from '../protocol/metadata.ts';
import { CallsQueueChangeEvent } from './queue-events.ts';
import type { CallsStrings } from './strings.ts';

export interface QueueHost extends ReactiveControllerHost, HTMLElement {
  endpoint: string;
  tokenEndpoint: string;
  token: string;
  queue: string;
  name: string;
  metadata: string;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

export interface QueueCallbacks {
  strings(): CallsStrings;
  /** An agent answered: join this room with this token. */
  answered(room: string, token: string): void;
  /** The call is over (the agent ended it): leave the room. */
  ended(): void;
  fail(error: RoomError): void;
  announce(text: string): void;
}

const CODES: Record<string, RoomErrorCode> = {
  'no-agents': 'queue-closed',
  'line-full': 'queue-full',
  'timed-out': 'queue-timeout',
};

export class QueueWaiting implements ReactiveController {
  #ticket: QueueTicket | undefined;
  #stream: MediaStream | undefined;
  #state: TicketState | undefined;

  constructor(
    private readonly host: QueueHost,
    private readonly on: QueueCallbacks,
    /** Handed in by calls-room.js, which holds it for the call engine too (no third chunk for it). */
    private readonly tokenSource: typeof TokenSource,
  ) {
    host.addController(this);
  }

  /** Shows the waiting view (not once the call has started). */
  get showing(): boolean {
    const s = this.#state?.status;
    return s !== undefined && s !== 'answered';
  }

  start(): void {
    this.stop();
    const host = this.host;
    const metadata = parseMetadataAttribute(host.metadata);
    if (!metadata.ok) {
      this.#set({ status: 'unavailable', code: 'failed', message: `metadata: ${metadata.problem}` });
      return;
    }
    const endpoint = new URL(host.endpoint || '/api', location.href).href.replace(/\/+$/, '');
    const TokenSource = this.tokenSource;
    const tokens = host.token
      ? TokenSource.fixed(host.token)
      : new TokenSource({
          endpoint: host.tokenEndpoint || `${endpoint}/token`,
          request: { room: host.queue, name: host.name || this.on.strings().you },
          attempts: 2,
        });
    const ticket = new QueueTicket({
      endpoint,
      queue: host.queue,
      token: () => tokens.getToken(),
      metadata: metadata.value,
      onChange: (state) => {
        if (this.#ticket === ticket) this.#set(state);
      },
    });
    this.#ticket = ticket;
    this.#set({ status: 'connecting' });
    ticket.start();
    void this.#startPreview();
  }

  /** Leaves the line, or hangs up the call. */
  stop(): void {
    this.#ticket?.cancel();
    this.#ticket = undefined;
    this.#stopPreview();
  }

  hostDisconnected(): void {
    this.stop();
  }

  hostUpdated(): void {
    const video = this.host.renderRoot.querySelector<HTMLVideoElement>('.queue video');
    if (video && video.srcObject !== (this.#stream ?? null)) video.srcObject = this.#stream ?? null;
  }

  #set(state: TicketState): void {
    const previous = this.#state;
    this.#state = state;
    this.host.requestUpdate();
    const strings = this.on.strings();
    switch (state.status) {
      case 'connecting':
        return;
      case 'waiting':
        if (previous?.status !== 'waiting' || previous.position !== state.position) {
          this.on.announce(`${strings.queue.waiting} ${strings.queue.position(state.position)}`);
        }
        this.#emit({
          state: 'waiting',
          position: state.position,
          estimatedWaitMs: state.estimatedWaitMs,
          agentsAvailable: state.agentsAvailable,
        });
        return;
      case 'answered':
        this.#stopPreview();
        this.on.announce(strings.queue.answered(state.agentName));
        this.#emit({ state: 'answered', waitedMs: state.waitedMs, agentName: state.agentName });
        this.on.answered(state.room, state.token);
        return;
      case 'ended':
        this.#emit({ state: 'ended' });
        this.on.ended();
        return;
      case 'cancelled':
        this.#stopPreview();
        this.on.announce(strings.queue.cancelled);
        this.#emit({ state: 'abandoned' });
        return;
      case 'unavailable': {
        this.#stopPreview();
        const code = CODES[state.code] ?? 'queue-failed';
        this.#emit({ state: 'unavailable', code });
        this.on.fail(new RoomError(code, state.message, true));
        return;
      }
    }
  }

  #emit(detail: ConstructorParameters<typeof CallsQueueChangeEvent>[0]): void {
    this.host.dispatchEvent(new CallsQueueChangeEvent(detail));
  }

  async #startPreview(): Promise<void> {
    const ticket = this.#ticket;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      if (
        this.#ticket !== ticket ||
        !ticket ||
        ticket.state.status === 'answered' ||
        !this.host.isConnected
      ) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.#stream = stream;
      this.host.requestUpdate();
    } catch {
      // No preview; the call reports media errors when it starts.
    }
  }

  #stopPreview(): void {
    if (!this.#stream) return;
    for (const t of this.#stream.getTracks()) t.stop();
    this.#stream = undefined;
    this.host.requestUpdate();
  }

  render(strings: CallsStrings) {
    const state = this.#state;
    if (!state || state.status === 'answered') return nothing;
    const q = strings.queue;
    const waiting = state.status === 'waiting' || state.status === 'connecting';
    return html`<div part="queue" class="prejoin queue">
      ${
        this.#stream
          ? html`<video part="queue-preview" autoplay playsinline muted aria-label=${q.preview}></video>`
          : nothing
      }
      ${state.status === 'connecting' ? html`<p part="queue-status">${q.connecting}</p>` : nothing}
      ${
        state.status === 'waiting'
          ? html`<p part="queue-status">${q.waiting}</p>
              <p part="queue-position">${q.position(state.position)}</p>
              ${
                state.estimatedWaitMs !== null
                  ? html`<p part="queue-estimate">${q.estimate(state.estimatedWaitMs)}</p>`
                  : nothing
              }
              <p part="queue-agents">${q.agentsAvailable(state.agentsAvailable)}</p>`
          : nothing
      }
      ${state.status === 'cancelled' ? html`<p part="queue-status">${q.cancelled}</p>` : nothing}
      ${state.status === 'ended' ? html`<p part="queue-status">${q.ended}</p>` : nothing}
      ${
        state.status === 'unavailable'
          ? html`<p part="error" class="error" role="alert">
              ${strings.errors[CODES[state.code] ?? 'queue-failed']}
            </p>`
          : nothing
      }
      ${
        waiting
          ? html`<button part="queue-cancel-button" @click=${() => this.stop()}>${q.cancel}</button>`
          : html`<button part="join-button" @click=${() => this.start()}>${q.callAgain}</button>`
      }
    </div>`;
  }
}
