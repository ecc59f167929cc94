import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { ParticipantView } from '../client/room-types.ts';
import { tileKey } from '../protocol/keys.ts';
import { consumeRoom } from './context.ts';
import { tileStyles } from './calls-tile.styles.ts';
import { leaveIcon, micOffIcon, pinIcon } from './icons.ts';
import type { CallsStrings } from './strings.ts';

/**
 * One participant's video and audio: their camera, or their screen share in a tile of its own. The tile
 * tells the room how big it is rendered and whether it is visible, so that the room pulls the simulcast
 * layer it needs, and no video at all while it is scrolled away.
 *
 * @summary A participant's video, audio, name and state.
 *
 * @csspart base - The tile's wrapper.
 * @csspart video - The `<video>` element.
 * @csspart avatar - The placeholder shown without video (the name's initial, or their `avatar-url` image).
 * @csspart hand - The raised hand, with its place in the queue.
 * @csspart reaction - A reaction they just sent, rising briefly (still under `prefers-reduced-motion`).
 * @csspart metadata - The `metadata` their page attached, as `key: value` text.
 * @csspart bar - The bar with the name and state.
 * @csspart name - The participant's name.
 * @csspart muted-icon - The icon shown while the microphone is muted.
 * @csspart pin-button - The pin toggle.
 * @csspart mute-button - Host only: asks the participant to mute (on others' camera tiles).
 * @csspart remove-button - Host only: removes the participant from the room.
 * @csspart quality - The network quality dot (remote participants, once measured).
 *
 * @cssprop --calls-tile-aspect-ratio - Aspect ratio of the tile (default `16 / 9`).
 * @cssprop --calls-tile-background - Background behind the video and avatar.
 * @cssprop --calls-tile-object-fit - `object-fit` of camera video (default `cover`; screens use `contain`).
 * @cssprop --calls-tile-speaking-color - Outline colour while the participant speaks.
 * @cssprop --calls-tile-quality-good - Colour of the quality dot when the connection is good (also `-fair`, `-poor`).
 *
 * @cssstate speaking - The participant is speaking.
 * @cssstate muted - Their microphone is muted.
 * @cssstate camera-off - Their camera is off (or no video has arrived yet).
 * @cssstate local - The tile shows the local participant.
 * @cssstate pinned - The tile is pinned (spotlight).
 * @cssstate active-speaker - The participant is the room's active speaker.
 * @cssstate poor-connection - Their network quality is poor.
 * @cssstate hand-raised - Their hand is raised.
 */
export class CallsTile extends LitElement {
  static override styles = tileStyles;

  static override properties = {
    participantId: { type: String, attribute: 'participant-id', reflect: true },
    source: { type: String, reflect: true },
  };

  /** The participant whose media this tile shows. */
  declare participantId: string;
  /** `camera` (with audio) or `screen`. */
  declare source: 'camera' | 'screen';

  readonly #room = consumeRoom(this);
  readonly #internals: ElementInternals;
  #resize: ResizeObserver | undefined;
  #intersect: IntersectionObserver | undefined;
  #visible = true;
  #height = 0;
  #last = 0;
  #seen = false;

  constructor() {
    super();
    this.participantId = '';
    this.source = 'camera';
    this.#internals = this.attachInternals();
  }

  /** The tile's key in the room model (`participantId:source`). */
  get tileKey(): string {
    return tileKey(this.participantId, this.source);
  }

  /** The participant shown, from the room's current state. */
  get participant(): ParticipantView | undefined {
    return this.#room.value?.state.participants.find((p) => p.id === this.participantId);
  }

  /** The `<video>` element (tests count its decoded frames). */
  get video(): HTMLVideoElement | null {
    return this.renderRoot.querySelector('video');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (!box) return;
      this.#height = Math.round(box.height * (globalThis.devicePixelRatio || 1));
      this.#report();
    });
    this.#resize.observe(this);
    this.#intersect = new IntersectionObserver((entries) => {
      const entry = entries[entries.length - 1];
      if (!entry) return;
      this.#visible = entry.isIntersecting;
      this.#report();
    });
    this.#intersect.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#intersect?.disconnect();
    this.#resize = undefined;
    this.#intersect = undefined;
  }

  #report(): void {
    const p = this.participant;
    if (!p || p.isLocal) return;
    // Not rendered (display: none) counts as not visible; a size is only known once laid out.
    const visible = this.#visible && this.#height > 0;
    if (visible || this.#seen) {
      this.#room.value?.actions.setVideoPreference(this.tileKey, {
        visible,
        height: this.#height || this.#last,
      });
    }
    if (visible) {
      this.#seen = true;
      this.#last = this.#height;
    }
  }

  override render() {
    const context = this.#room.value;
    const p = this.participant;
    if (!context || !p) return nothing;
    const strings = context.strings;
    const screen = this.source === 'screen';
    const track = screen ? p.screen : p.camera;
    const showVideo = !!track && (screen || !p.state.cameraOff);
    const name = p.isLocal ? `${p.name} (${strings.you})` : p.name;
    const label = screen ? strings.screenOf(p.name) : name;
    const pinned = context.ui.pinned === this.tileKey;
    const hand = screen ? 0 : context.state.hands.indexOf(p.id) + 1;
    const reaction = screen ? undefined : context.ui.recentReactions.get(p.id);
    const metadata = Object.entries(p.metadata ?? {});
    return html`<div part="base" class="base" role="group" aria-label=${label}>
      <video
        part="video"
        class=${p.isLocal && !screen ? 'mirror' : ''}
        ?hidden=${!showVideo}
        autoplay
        playsinline
        muted
        aria-hidden="true"
      ></video>
      ${!p.isLocal && !screen ? html`<audio aria-hidden="true" autoplay></audio>` : nothing}
      ${
        showVideo
          ? nothing
          : html`<div part="avatar" class="avatar" aria-hidden="true">
              ${p.avatarUrl ? html`<img src=${p.avatarUrl} alt="" referrerpolicy="no-referrer" />` : initial(p.name)}
            </div>`
      }
      ${
        reaction
          ? html`<span
              part="reaction"
              class="reaction"
              role="img"
              aria-label=${`${p.name}: ${reaction.emoji}`}
              >${reaction.emoji}</span
            >`
          : nothing
      }
      <div part="bar" class="bar">
        ${
          !screen && p.state.muted
            ? html`<span part="muted-icon" role="img" aria-label=${strings.muted}>${micOffIcon}</span>`
            : nothing
        }
        ${
          hand
            ? html`<span part="hand" role="img" aria-label=${`${strings.raiseHand} (${hand})`}
                >✋${hand}</span
              >`
            : nothing
        }
        <span part="name" class="name">${label}</span>
        ${
          metadata.length && !screen
            ? html`<span part="metadata" class="metadata"
                >${metadata.map(([k, v]) => `${k}: ${String(v)}`).join(' · ')}</span
              >`
            : nothing
        }
        ${
          p.quality !== 'unknown' && !screen
            ? html`<span
                part="quality"
                class="quality ${p.quality}"
                role="img"
                aria-label=${qualityLabel(p, strings)}
                title=${qualityLabel(p, strings)}
              ></span>`
            : nothing
        }
        ${p.speaking && !screen ? html`<span class="visually-hidden">${strings.speaking}</span>` : nothing}
        <button
          part="pin-button"
          class="pin"
          aria-pressed=${pinned ? 'true' : 'false'}
          aria-label=${`${strings.pin}: ${label}`}
          title=${pinned ? strings.unpin : strings.pin}
          @click=${() => context.actions.setPinned(pinned ? undefined : this.tileKey)}
        >
          ${pinIcon}
        </button>
        ${
          context.state.role === 'host' && !p.isLocal && !screen
            ? (
                [
                  ['mute', micOffIcon],
                  ['remove', leaveIcon],
                ] as const
              ).map(
                ([action, icon]) =>
                  html`<button
                    part="${action}-button"
                    class="pin"
                    aria-label=${`${strings[action]}: ${label}`}
                    title=${strings[action]}
                    @click=${() => context.actions.moderate(p.id, action)}
                  >
                    ${icon}
                  </button>`,
              )
            : nothing
        }
      </div>
    </div>`;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const context = this.#room.value;
    const p = this.participant;
    const states = this.#internals.states;
    const toggle = (name: string, on: boolean) => (on ? states.add(name) : states.delete(name));
    toggle('speaking', !!p?.speaking && this.source === 'camera');
    toggle('muted', !!p?.state.muted);
    toggle('camera-off', this.source === 'camera' && (!p?.camera || !!p.state.cameraOff));
    toggle('local', !!p?.isLocal);
    toggle('pinned', context?.ui.pinned === this.tileKey);
    toggle('active-speaker', !!p && context?.state.activeSpeakerId === p.id);
    toggle('poor-connection', p?.quality === 'poor');
    toggle('hand-raised', !!p?.state.handRaised);
    if (!p) return;
    const track = this.source === 'screen' ? p.screen : p.camera;
    attach(this.renderRoot.querySelector('video'), track);
    const audio = this.renderRoot.querySelector('audio');
    if (audio) {
      attach(audio, p.microphone);
      const sinkId = context?.ui.sinkId;
      if (sinkId !== undefined && audio.sinkId !== sinkId && 'setSinkId' in audio) {
        audio.setSinkId(sinkId).catch(() => undefined);
      }
    }
    // A new participant or track: tell the room what this tile needs.
    this.#report();
  }
}

function attach(element: HTMLMediaElement | null, track: MediaStreamTrack | undefined): void {
  if (!element) return;
  const current = (element.srcObject as MediaStream | null)?.getTracks()[0];
  if (current === track) return;
  element.srcObject = track ? new MediaStream([track]) : null;
  if (track) element.play().catch(() => undefined);
}

function initial(name: string): string {
  return [...name.trim()][0]?.toUpperCase() ?? '?';
}

if (!customElements.get('calls-tile')) customElements.define('calls-tile', CallsTile);

declare global {
  interface HTMLElementTagNameMap {
    'calls-tile': CallsTile;
  }
}

/** `Poor connection (packet loss)`: the tile's quality dot says what the page's event says. */
function qualityLabel(p: ParticipantView, strings: CallsStrings): string {
  if (p.quality === 'unknown') return '';
  const reason = p.qualityReason ? ` (${strings.qualityReason[p.qualityReason]})` : '';
  return `${strings.quality[p.quality]}${reason}`;
}
