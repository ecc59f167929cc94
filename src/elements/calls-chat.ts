import { LitElement, html } from 'lit';
import { consumeRoom } from './context.ts';
import { chatStyles } from './calls-chat.styles.ts';

/**
 * Chat over the room's Calls data channels: a log of messages (a live region) and a field to send one.
 * Names and texts are untrusted: they are only ever bound as text.
 *
 * @summary The room's chat.
 *
 * @csspart base - The wrapper.
 * @csspart log - The list of messages.
 * @csspart message - One message.
 * @csspart form - The form with the field and the send button.
 * @csspart input - The text field.
 * @csspart send-button - The send button.
 *
 * @cssprop --calls-chat-background - Background of the chat panel.
 */
export class CallsChat extends LitElement {
  static override styles = chatStyles;

  readonly #room = consumeRoom(this);

  /** Moves focus to the message field (when the chat opens). */
  override focus(options?: FocusOptions): void {
    this.renderRoot.querySelector('input')?.focus(options);
  }

  override render() {
    const context = this.#room.value;
    if (!context) return html``;
    const { state, strings } = context;
    return html`<div part="base" class="base">
      <ol part="log" class="log" role="log" aria-label=${strings.chatLog} aria-live="polite">
        ${state.messages.length === 0 ? html`<li class="empty">${strings.noMessages}</li>` : ''}
        ${state.messages.map(
          (m) =>
            html`<li part="message">
              <span class="from">${m.isLocal ? strings.you : m.fromName}</span
              ><span class="text">${m.text}</span>
            </li>`,
        )}
      </ol>
      ${
        state.canPublish
          ? html`<form part="form" @submit=${this.#submit}>
              <input
                part="input"
                name="text"
                autocomplete="off"
                maxlength="4000"
                aria-label=${strings.chatPlaceholder}
                placeholder=${strings.chatPlaceholder}
              />
              <button part="send-button" type="submit">${strings.send}</button>
            </form>`
          : ''
      }
    </div>`;
  }

  override updated(): void {
    const log = this.renderRoot.querySelector('.log');
    if (log) log.scrollTop = log.scrollHeight;
  }

  #submit(event: SubmitEvent): void {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const text = input?.value.trim();
    if (!input || !text || !this.#room.value) return;
    try {
      this.#room.value.actions.send(text);
      input.value = '';
    } catch {
      // The room reports the failure as calls-error.
    }
  }
}

if (!customElements.get('calls-chat')) customElements.define('calls-chat', CallsChat);

declare global {
  interface HTMLElementTagNameMap {
    'calls-chat': CallsChat;
  }
}
