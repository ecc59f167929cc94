/** The device preview before joining: the camera stream while the host shows it, and its form. */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { CallsStrings } from './strings.ts';

/** What the preview edits on its room: the values the room joins with. */
export interface PrejoinHost extends ReactiveControllerHost, HTMLElement {
  name: string;
  muted: boolean;
  cameraOff: boolean;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

export class PrejoinPreview implements ReactiveController {
  #stream: MediaStream | undefined;

  /** `wanted`: false once the room has a model (joining or joined), so a late stream is dropped. */
  constructor(
    private readonly host: PrejoinHost,
    private readonly wanted: () => boolean,
  ) {
    host.addController(this);
  }

  /** The preview has a camera stream to show. */
  get streaming(): boolean {
    return !!this.#stream;
  }

  async start(): Promise<void> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      if (!this.wanted() || !this.host.isConnected) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.#stream = stream;
      this.host.requestUpdate();
    } catch {
      // No preview; joining reports media errors.
    }
  }

  stop(): void {
    if (!this.#stream) return;
    for (const t of this.#stream.getTracks()) t.stop();
    this.#stream = undefined;
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.stop();
  }

  hostUpdated(): void {
    const video = this.host.renderRoot.querySelector<HTMLVideoElement>('.prejoin video');
    if (video && video.srcObject !== (this.#stream ?? null)) video.srcObject = this.#stream ?? null;
  }

  render(strings: CallsStrings, join: () => void) {
    const host = this.host;
    return html`<div part="prejoin" class="prejoin">
      ${this.#stream ? html`<video autoplay playsinline muted aria-hidden="true"></video>` : nothing}
      <label
        >${strings.yourName}
        <input
          autocomplete="name"
          .value=${host.name}
          @input=${(e: Event) => (host.name = (e.target as HTMLInputElement).value)}
      /></label>
      <div class="toggles">
        <label
          ><input
            type="checkbox"
            .checked=${!host.muted}
            @change=${(e: Event) => (host.muted = !(e.target as HTMLInputElement).checked)}
          />
          ${strings.microphone}</label
        >
        <label
          ><input
            type="checkbox"
            .checked=${!host.cameraOff}
            @change=${(e: Event) => (host.cameraOff = !(e.target as HTMLInputElement).checked)}
          />
          ${strings.camera}</label
        >
      </div>
      <button part="join-button" @click=${join}>${strings.join}</button>
    </div>`;
  }
}
