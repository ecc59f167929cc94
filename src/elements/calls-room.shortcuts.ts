/** Keyboard shortcuts of `<calls-room>` while focus is inside it: Ctrl/⌘+D microphone, Ctrl/⌘+E camera. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RoomState } from '../client/room.ts';

export interface ShortcutsHost extends ReactiveControllerHost, HTMLElement {
  readonly state: RoomState;
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
  setCameraEnabled(enabled: boolean): Promise<void>;
}

export class RoomShortcuts implements ReactiveController {
  constructor(private readonly host: ShortcutsHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('keydown', this.#onKeyDown);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('keydown', this.#onKeyDown);
  }

  readonly #onKeyDown = (event: KeyboardEvent): void => {
    const { state } = this.host;
    if (!(event.ctrlKey || event.metaKey) || event.altKey || state.status !== 'joined') return;
    const key = event.key.toLowerCase();
    if (key === 'd') {
      event.preventDefault();
      void this.host.setMicrophoneEnabled(!state.microphoneEnabled);
    } else if (key === 'e') {
      event.preventDefault();
      void this.host.setCameraEnabled(!state.cameraEnabled);
    }
  };
}
