/**
 * What presence tells everyone about recording: the running recording (or none), in every `welcome` (so late
 * joiners see it) and in a `recording` message to all connected participants when it changes. The
 * recording itself is `RecordingService`'s; this only mirrors what participants must be shown.
 */
import type { ServerMessage } from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';

export class PresenceRecording {
  #current: ActiveRecording | null = null;

  get current(): ActiveRecording | null {
    return this.#current ? structuredClone(this.#current) : null;
  }

  /** The message to send everyone, or undefined when nothing changed. */
  set(next: ActiveRecording | null): ServerMessage | undefined {
    if ((next?.id ?? null) === (this.#current?.id ?? null)) return undefined;
    this.#current = next ? structuredClone(next) : null;
    return { type: 'recording', recording: this.current };
  }
}
