/** The status area of `<calls-room>`: the visible error with its dismiss button, and the status line. */
import { html, nothing, type TemplateResult } from 'lit';
import type { RoomError, RoomState } from '../client/room.ts';
import type { CallsStrings } from './strings.ts';

export interface StatusView {
  state: RoomState;
  /** The error the user dismissed: not shown again. */
  dismissed: RoomError | undefined;
  /** Shown until the user toggles their media (a host muted them); `ended`: a host ended the meeting. */
  notice: 'audio' | 'video' | 'ended' | '';
  strings: CallsStrings;
  dismiss: (error: RoomError) => void;
}

export function renderStatus({ state, dismissed, notice, strings, dismiss }: StatusView): TemplateResult {
  const error = state.error && state.error !== dismissed ? state.error : undefined;
  const { status, connection } = state;
  const text =
    status === 'joining'
      ? strings.joining
      : status === 'left'
        ? notice === 'ended'
          ? strings.ended
          : strings.left
        : connection === 'reconnecting'
          ? strings.reconnecting
          : notice && notice !== 'ended' && strings.mutedByHost[notice];
  return html`<div>
    ${
      error
        ? html`<p part="error" class="error" role="alert">
            <span>${strings.errors[error.code] ?? error.message}</span>
            <button part="error-dismiss" @click=${() => dismiss(error)}>${strings.dismiss}</button>
          </p>`
        : nothing
    }
    ${text ? html`<p part="status" class="status">${text}</p>` : nothing}
  </div>`;
}
