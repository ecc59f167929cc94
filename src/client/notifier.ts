/** The Room's listeners: typed notifications, and bursts of changes coalesced into one snapshot each. */
import type { RoomNotification, RoomState } from './room-types.ts';

export type Listener = (notification: RoomNotification) => void;

export class Notifier {
  readonly #listeners = new Set<Listener>();
  #queued = false;
  #state: RoomState | undefined;

  /** `snapshot` is first called when the state is first read, so it may read parts made after the Notifier. */
  constructor(private readonly snapshot: () => RoomState) {}

  /** The current snapshot (taken now when a change is still waiting for its notification). */
  get state(): RoomState {
    if (this.#queued || !this.#state) this.#state = this.snapshot();
    return this.#state;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Coalesces a burst of changes into one snapshot and one `change` notification. */
  changed(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#state = this.snapshot();
      this.notify({ type: 'change', state: this.#state });
    });
  }

  notify(notification: RoomNotification): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(notification);
      } catch (error) {
        // A page's handler must not break the room; surface it asynchronously, like a DOM event would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
