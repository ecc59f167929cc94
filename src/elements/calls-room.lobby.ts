/**
 * The lobby in `<calls-room>`: the waiting view of a participant the lobby holds (their own preview and a
 * cancel button), and a host's notice of who waits (Admit / Deny) with the list of raised hands.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { RoomState } from '../client/room.ts';
import type { RoomActions } from './context.ts';
import type { CallsStrings } from './strings.ts';

export function renderWaiting(strings: CallsStrings, preview: boolean, cancel: () => void): TemplateResult {
  return html`<div part="waiting" class="prejoin" role="status">
    ${preview ? html`<video autoplay playsinline muted aria-hidden="true"></video>` : nothing}
    <p>${strings.waiting}</p>
    <button part="cancel-button" @click=${cancel}>${strings.cancel}</button>
  </div>`;
}

/** Hosts only: who waits (Admit / Deny) and whose hands are up, in order. */
export function renderHostNotices(
  state: RoomState,
  strings: CallsStrings,
  actions: Pick<RoomActions, 'admit'>,
): TemplateResult | typeof nothing {
  if (state.role !== 'host' || (state.waiting.length === 0 && state.hands.length === 0)) return nothing;
  const name = (id: string) => state.participants.find((p) => p.id === id)?.name ?? id;
  return html`<div class="notices">
    ${
      state.waiting.length
        ? html`<ul part="lobby" aria-label=${strings.waiting}>
            ${state.waiting.map(
              (w) =>
                html`<li>
                  <span>${strings.knocking(w.name)}</span>
                  <button part="admit-button" @click=${() => actions.admit(w.id, true)}>
                    ${strings.admit}
                  </button>
                  <button part="deny-button" @click=${() => actions.admit(w.id, false)}>
                    ${strings.deny}
                  </button>
                </li>`,
            )}
          </ul>`
        : nothing
    }
    ${
      state.hands.length
        ? html`<ol part="hands" aria-label=${strings.hands}>
            ${state.hands.map((id) => html`<li>✋ ${name(id)}</li>`)}
          </ol>`
        : nothing
    }
  </div>`;
}
