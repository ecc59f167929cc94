import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { DeskClient, type DeskNotice, type DeskState } from '../client/desk-client.ts';
import { TokenSource } from '../client/token-source.ts';
import type { WaitingCustomer } from '../protocol/queue.ts';
import { chime } from './desk-chime.ts';
import { deskStyles } from './calls-desk.styles.ts';
import { CallsDeskCallEvent } from './queue-events.ts';
import { resolveDeskStrings, type DeskStrings } from './desk-strings.ts';
import './calls-room.ts';

/**
 * The agent's side of a support line: a live list of waiting customers (name, waiting time, the page's
 * metadata), a chime and an announced notice when someone new waits, Answer on each, available/away, how many
 * agents are available. Answering opens the call here (a `<calls-room>` for it); after the call the desk
 * returns to the list. In a call, the agent can transfer it to another available agent.
 *
 * Needs an agent token for the queue (`token`, or `token-endpoint` asked for `{room: queue, name, agent: true}`).
 *
 * @summary An agent's desk for a support line.
 *
 * @fires {CallsDeskCallEvent} calls-desk-call - A call was `answered` (with `waitedMs`, `customer`), `ended` (with `durationMs`) or `transferred` away.
 * @fires {CallsErrorEvent} calls-error - From the call's `<calls-room>`.
 *
 * @csspart base - The desk's wrapper.
 * @csspart header - The line with the availability toggle and the agent count.
 * @csspart available-toggle - The available/away checkbox.
 * @csspart agents - How many agents are available.
 * @csspart notice - The latest notice (someone new waits, a customer was taken).
 * @csspart list - The list of waiting customers.
 * @csspart customer - One waiting customer.
 * @csspart answer-button - A customer's Answer button.
 * @csspart call - The call: its heading, the room and the call's actions.
 * @csspart transfer-select - The agent to transfer to.
 * @csspart transfer-button - The transfer button.
 * @csspart end-button - Ends the call.
 * @csspart live-region - The visually hidden live region.
 *
 * @cssprop --calls-desk-padding - Padding inside the desk.
 * @cssprop --calls-desk-notice-background - Background of the notice.
 * @cssprop --calls-desk-call-min-height - Minimum height of the call's room.
 */
export class CallsDesk extends LitElement {
  static override styles = deskStyles;

  static override properties = {
    endpoint: { type: String },
    tokenEndpoint: { type: String, attribute: 'token-endpoint' },
    token: { type: String },
    queue: { type: String },
    name: { type: String },
    away: { type: Boolean },
    lang: { type: String },
    strings: { attribute: false },
    _state: { state: true },
    _notice: { state: true },
    _announcement: { state: true },
    _tick: { state: true },
  };

  /** Backend base URL; `/api` on the page's origin by default. */
  declare endpoint: string;
  /** Token endpoint (`POST {room, name, agent: true}` → `{token, expiresAt}`); `{endpoint}/token` by default. */
  declare tokenEndpoint: string;
  /** An agent token minted by your backend (`createRoomToken({…, room: queue, agent: true})`). */
  declare token: string;
  /** The support line to answer. */
  declare queue: string;
  /** Your display name (when the token endpoint is asked). */
  declare name: string;
  /** Sign in as away (not available for calls). */
  declare away: boolean;
  /** Language of the built-in texts (`en`, `de`); the page's `<html lang>` by default. */
  declare lang: string;
  /** Overrides for any of the desk's texts (see `DeskStrings`); the call's room follows `lang`. */
  declare strings: Partial<DeskStrings> | undefined;

  declare _state: DeskState | undefined;
  declare _notice: string;
  declare _announcement: string;
  declare _tick: number;

  #client: DeskClient | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.endpoint = '/api';
    this.tokenEndpoint = '';
    this.token = '';
    this.queue = '';
    this.name = '';
    this.away = false;
    this.strings = undefined;
    this._notice = this._announcement = '';
    this._tick = 0;
  }

  /** The desk's connection state, line and call (tests and advanced use). */
  get state(): DeskState | undefined {
    return this._state;
  }

  /** The line client (advanced use and tests). */
  get client(): DeskClient | undefined {
    return this.#client;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Waiting times count up while anyone waits.
    this.#timer = setInterval(() => {
      if (this._state?.line?.waiting.length) this._tick++;
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#timer);
    this.#client?.close();
    this.#client = undefined;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (
      !this.#client &&
      this.isConnected &&
      this.queue &&
      (this.token || this.tokenEndpoint || this.endpoint)
    ) {
      this.#start();
    }
    if (changed.has('away') && changed.get('away') !== undefined) this.#client?.setAvailable(!this.away);
  }

  #strings(): DeskStrings {
    return resolveDeskStrings(this.lang || document.documentElement.lang, this.strings);
  }

  #start(): void {
    const endpoint = new URL(this.endpoint || '/api', location.href).href.replace(/\/+$/, '');
    const tokens = this.token
      ? TokenSource.fixed(this.token)
      : new TokenSource({
          endpoint: this.tokenEndpoint || `${endpoint}/token`,
          request: { room: this.queue, name: this.name || 'Agent', agent: true },
          attempts: 2,
        });
    const client = new DeskClient({
      endpoint,
      queue: this.queue,
      token: () => tokens.getToken(),
      available: !this.away,
      onChange: (state) => (this._state = state),
      onNotice: (notice) => this.#onNotice(notice),
    });
    this.#client = client;
    client.start();
  }

  /** Answers a waiting customer; resolves with `answered`, or `taken`/`gone`/`busy` (also shown). */
  async answer(ticketId: string): Promise<string> {
    const result = (await this.#client?.answer(ticketId)) ?? 'failed';
    const desk = this.#strings();
    if (result === 'taken' || result === 'gone' || result === 'busy') this.#notify(desk[result]);
    return result;
  }

  /** Hands the current call to another available agent (their id from the line). */
  transfer(agentId: string): void {
    this.#client?.transfer(agentId);
  }

  /** Ends the current call and returns to the list. */
  endCall(): void {
    this.#client?.end();
  }

  /** Sets yourself available for calls, or away. */
  setAvailable(available: boolean): void {
    this.away = !available;
  }

  #notify(text: string): void {
    this._notice = text;
    this._announcement = text;
  }

  #onNotice(notice: DeskNotice): void {
    const desk = this.#strings();
    switch (notice.type) {
      case 'new-customer':
        this.#notify(desk.newCustomer(notice.name));
        if (!this._state?.call) chime();
        return;
      case 'call':
        this._notice = '';
        this._announcement = desk.inCallWith(notice.call.customer.name);
        this.dispatchEvent(
          new CallsDeskCallEvent({
            state: 'answered',
            callId: notice.call.callId,
            ticketId: notice.call.ticketId,
            customer: notice.call.customer,
            waitedMs: notice.call.waitedMs,
          }),
        );
        return;
      case 'call-ended':
        this.#notify(desk.callEnded);
        this.dispatchEvent(
          new CallsDeskCallEvent({
            state: notice.reason === 'transferred' ? 'transferred' : 'ended',
            callId: notice.callId,
            durationMs: notice.durationMs,
            reason: notice.reason,
          }),
        );
        return;
      case 'refused':
        return;
    }
  }

  override render() {
    const desk = this.#strings();
    const state = this._state;
    const line = state?.line;
    return html`<div part="base" class="base">
      <div part="live-region" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        ${this._announcement}
      </div>
      <header part="header">
        <label
          ><input
            part="available-toggle"
            type="checkbox"
            .checked=${!this.away}
            @change=${(e: Event) => (this.away = !(e.target as HTMLInputElement).checked)}
          />
          ${this.away ? desk.away : desk.available}</label
        >
        <span part="agents">${line ? desk.agentsAvailable(line.agentsAvailable) : desk.connecting}</span>
      </header>
      ${
        state?.error
          ? html`<p part="notice" class="notice" role="alert">
              ${state.error.code === 'not-agent' ? desk.notAgent : desk.closed}
            </p>`
          : this._notice
            ? html`<p part="notice" class="notice">${this._notice}</p>`
            : nothing
      }
      ${state?.call ? this.#renderCall(desk, state) : this.#renderList(desk, line?.waiting ?? [])}
    </div>`;
  }

  #renderList(desk: DeskStrings, waiting: WaitingCustomer[]) {
    const offset = this._state?.clockOffset ?? 0;
    void this._tick;
    return html`<section aria-label=${desk.list}>
      ${waiting.length === 0 ? html`<p>${desk.empty}</p>` : nothing}
      <ul part="list" aria-label=${desk.list}>
        ${waiting.map(
          (w) =>
            html`<li part="customer" data-ticket=${w.ticketId}>
              <span class="name">${w.name}</span>
              <button
                part="answer-button"
                class="answer"
                aria-label=${desk.answerCustomer(w.name)}
                @click=${() => void this.answer(w.ticketId)}
              >
                ${desk.answer}
              </button>
              <span class="wait">${desk.waitingFor(Date.now() - offset - w.since)}</span>
              ${
                Object.keys(w.metadata).length
                  ? html`<dl>
                      ${Object.entries(w.metadata).map(
                        ([k, v]) =>
                          html`<dt>${k}</dt>
                            <dd>${String(v)}</dd>`,
                      )}
                    </dl>`
                  : nothing
              }
            </li>`,
        )}
      </ul>
    </section>`;
  }

  #renderCall(desk: DeskStrings, state: DeskState) {
    const call = state.call!;
    const others = (state.line?.agents ?? []).filter((a) => a.available && !a.busy && a.connected);
    const metadata = Object.entries(call.customer.metadata);
    return html`<section part="call" aria-label=${desk.inCallWith(call.customer.name)}>
      <h2>${desk.inCallWith(call.customer.name)}</h2>
      ${call.transferredFrom ? html`<p>${desk.transferredFrom(call.transferredFrom)}</p>` : nothing}
      ${
        metadata.length
          ? html`<dl>
              ${metadata.map(
                ([k, v]) =>
                  html`<dt>${k}</dt>
                    <dd>${String(v)}</dd>`,
              )}
            </dl>`
          : nothing
      }
      <calls-room
        endpoint=${this.endpoint}
        .token=${call.token}
        room=${call.room}
        lang=${this.lang ?? ''}
        @calls-left=${() => this.endCall()}
      ></calls-room>
      <div class="actions">
        ${
          others.length
            ? html`<label
                  >${desk.transferTo}
                  <select part="transfer-select">
                    ${others.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
                  </select></label
                >
                <button part="transfer-button" @click=${() => this.#transferSelected()}>
                  ${desk.transfer}
                </button>`
            : html`<span>${desk.nobodyToTransfer}</span>`
        }
        <button part="end-button" class="end" @click=${() => this.endCall()}>${desk.endCall}</button>
      </div>
    </section>`;
  }

  #transferSelected(): void {
    const select = this.renderRoot.querySelector<HTMLSelectElement>('select');
    if (select?.value) this.transfer(select.value);
  }
}

if (!customElements.get('calls-desk')) customElements.define('calls-desk', CallsDesk);

declare global {
  interface HTMLElementTagNameMap {
    'calls-desk': CallsDesk;
  }
}
