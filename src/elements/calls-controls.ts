import { LitElement, html, nothing } from 'lit';
import { REACTIONS } from '../protocol/reactions.ts';
import { consumeRoom, type ControlName, type RoomContextValue } from './context.ts';
import { controlsStyles } from './calls-controls.styles.ts';
import { camIcon, camOffIcon, chatIcon, leaveIcon, micIcon, micOffIcon, screenIcon } from './icons.ts';

/**
 * The call's controls: microphone, camera, screen share, chat, raise hand, reactions, picture-in-picture,
 * device pickers (camera, microphone and, where the browser supports `setSinkId`, speaker), a host's room
 * actions (mute all, lock, end for all) and leave; `<calls-room controls="…">` picks which show. Toggles carry
 * `aria-pressed`. Keyboard shortcuts (handled by `<calls-room>` while focus is inside it): Ctrl/⌘+D
 * microphone, Ctrl/⌘+E camera.
 *
 * @summary Microphone, camera, screen share, chat, devices and leave.
 *
 * @csspart base - The toolbar.
 * @csspart mic-button - The microphone toggle.
 * @csspart camera-button - The camera toggle.
 * @csspart screen-button - The screen share toggle.
 * @csspart chat-button - The chat toggle.
 * @csspart hand-button - The raise-hand toggle.
 * @csspart reactions - The reactions' disclosure (also each `reaction-button`).
 * @csspart reaction-button - One reaction.
 * @csspart pip-button - The picture-in-picture toggle.
 * @csspart host-menu - Host only: the disclosure with mute all, lock and end for all.
 * @csspart leave-button - The leave button.
 * @csspart devices - The device pickers' disclosure.
 * @csspart device-select - Each device `<select>`.
 *
 * @cssprop --calls-controls-button-background - Background of the buttons.
 * @cssprop --calls-controls-button-off-background - Background of a device toggle that is off.
 * @cssprop --calls-controls-button-radius - Corner radius of the buttons.
 * @cssprop --calls-controls-leave-background - Background of the leave button.
 * @cssprop --calls-controls-leave-color - Text colour of the leave button.
 */
export class CallsControls extends LitElement {
  static override styles = controlsStyles;

  readonly #room = consumeRoom(this);

  /** Moves focus to the first control (after joining). */
  override focus(options?: FocusOptions): void {
    this.renderRoot.querySelector<HTMLElement>('button')?.focus(options);
  }

  override render() {
    const context = this.#room.value;
    if (!context || context.state.status !== 'joined') return nothing;
    const { state, actions, strings, ui } = context;
    const show = (name: ControlName) => ui.controls.has(name);
    const canScreen = state.canPublish && !!navigator.mediaDevices?.getDisplayMedia && show('screen');
    const raised = state.hands.includes(state.selfId ?? '');
    return html`<div part="base" class="base" role="toolbar" aria-label=${strings.controls}>
      ${
        state.canPublish && show('microphone')
          ? html`<button
              part="mic-button"
              class="device"
              aria-pressed=${state.microphoneEnabled ? 'true' : 'false'}
              aria-keyshortcuts="Control+D Meta+D"
              @click=${() => void actions.setMicrophoneEnabled(!state.microphoneEnabled)}
            >
              ${state.microphoneEnabled ? micIcon : micOffIcon}<span class="text">${strings.microphone}</span>
            </button>`
          : nothing
      }
      ${
        state.canPublish && show('camera')
          ? html`<button
              part="camera-button"
              class="device"
              aria-pressed=${state.cameraEnabled ? 'true' : 'false'}
              aria-keyshortcuts="Control+E Meta+E"
              @click=${() => void actions.setCameraEnabled(!state.cameraEnabled)}
            >
              ${state.cameraEnabled ? camIcon : camOffIcon}<span class="text">${strings.camera}</span>
            </button>`
          : nothing
      }
      ${
        canScreen
          ? html`<button
              part="screen-button"
              class="toggle"
              aria-pressed=${state.screenSharing ? 'true' : 'false'}
              @click=${() => void (state.screenSharing ? actions.stopScreenShare() : actions.startScreenShare())}
            >
              ${screenIcon}<span class="text">${strings.screenShare}</span>
            </button>`
          : nothing
      }
      ${
        ui.chat && show('chat')
          ? html`<button
              part="chat-button"
              class="toggle"
              aria-pressed=${ui.chatOpen ? 'true' : 'false'}
              @click=${() => actions.setChatOpen(!ui.chatOpen)}
            >
              ${chatIcon}<span class="text">${strings.chat}</span>
            </button>`
          : nothing
      }
      ${
        show('hand')
          ? html`<button
              part="hand-button"
              class="toggle"
              aria-pressed=${raised ? 'true' : 'false'}
              @click=${() => actions.setHand(!raised)}
            >
              <span aria-hidden="true">✋</span><span class="text">${strings.raiseHand}</span>
            </button>`
          : nothing
      }
      ${
        ui.reactions && ui.chat && state.canPublish && show('reactions')
          ? html`<details part="reactions">
              <summary>${strings.reactions}</summary>
              <div class="devices" role="group" aria-label=${strings.reactions}>
                <div>
                  ${REACTIONS.map(
                    (emoji) =>
                      html`<button part="reaction-button" @click=${() => actions.react(emoji)}>
                        ${emoji}
                      </button>`,
                  )}
                </div>
              </div>
            </details>`
          : nothing
      }
      ${
        show('pip')
          ? html`<button
              part="pip-button"
              class="toggle"
              aria-pressed=${ui.pip ? 'true' : 'false'}
              @click=${() => actions.togglePictureInPicture()}
            >
              <span aria-hidden="true">⧉</span><span class="text">${strings.pictureInPicture}</span>
            </button>`
          : nothing
      }
      ${show('devices') ? this.#devices(context) : nothing}
      ${state.role === 'host' && show('host') ? this.#host(context) : nothing}
      ${
        show('leave')
          ? html`<button part="leave-button" class="leave" @click=${() => actions.leave()}>
              ${leaveIcon}<span class="text">${strings.leave}</span>
            </button>`
          : nothing
      }
    </div>`;
  }

  #host({ state, actions, strings }: RoomContextValue) {
    return html`<details part="host-menu">
      <summary>${strings.participants}</summary>
      <div class="devices">
        <button @click=${() => actions.host('mute-all')}>${strings.muteAll}</button>
        <button
          aria-pressed=${state.locked ? 'true' : 'false'}
          @click=${() => actions.host(state.locked ? 'unlock' : 'lock')}
        >
          ${strings.lock}
        </button>
        <button class="leave" @click=${() => actions.host('end')}>${strings.endMeeting}</button>
      </div>
    </details>`;
  }

  #devices(context: RoomContextValue) {
    const { state, actions, strings } = context;
    const kinds: [MediaDeviceKind, string][] = [];
    if (state.canPublish) kinds.push(['videoinput', strings.camera], ['audioinput', strings.microphone]);
    if ('setSinkId' in HTMLMediaElement.prototype) kinds.push(['audiooutput', strings.speaker]);
    const lists = kinds
      .map(([kind, label]) => ({ kind, label, devices: state.devices.filter((d) => d.kind === kind) }))
      .filter((l) => l.devices.length > 0);
    if (lists.length === 0) return nothing;
    return html`<details part="devices">
      <summary>${strings.camera} / ${strings.microphone}</summary>
      <div class="devices">
        ${lists.map(
          (l) =>
            html`<label
              >${l.label}
              <select
                part="device-select"
                @change=${(e: Event) => void actions.selectDevice(l.kind, (e.target as HTMLSelectElement).value)}
              >
                ${l.devices.map(
                  (d, i) =>
                    html`<option
                      value=${d.deviceId}
                      ?selected=${state.selectedDevices[l.kind] === d.deviceId}
                    >
                      ${d.label || `${l.label} ${i + 1}`}
                    </option>`,
                )}
              </select></label
            >`,
        )}
      </div>
    </details>`;
  }
}

if (!customElements.get('calls-controls')) customElements.define('calls-controls', CallsControls);

declare global {
  interface HTMLElementTagNameMap {
    'calls-controls': CallsControls;
  }
}
