/** The reactions shown on tiles: each participant's latest one for a moment, then gone. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** How long a reaction stays on its tile. */
export const REACTION_SHOW_MS = 2500;

export class ReactionBursts implements ReactiveController {
  #recent = new Map<string, { emoji: string; n: number }>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #n = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** A new map on every change (the room's context compares by identity). */
  get recent(): ReadonlyMap<string, { emoji: string; n: number }> {
    return this.#recent;
  }

  show(participantId: string, emoji: string): void {
    this.#update((m) => m.set(participantId, { emoji, n: ++this.#n }));
    clearTimeout(this.#timers.get(participantId));
    this.#timers.set(
      participantId,
      setTimeout(() => {
        this.#timers.delete(participantId);
        this.#update((m) => m.delete(participantId));
      }, REACTION_SHOW_MS),
    );
  }

  hostDisconnected(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#recent = new Map();
  }

  #update(change: (m: Map<string, { emoji: string; n: number }>) => void): void {
    const next = new Map(this.#recent);
    change(next);
    this.#recent = next;
    this.host.requestUpdate();
  }
}
