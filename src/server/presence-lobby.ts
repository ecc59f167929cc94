/**
 * The room's admission rules: `locked` (no new participants) and `lobby` (new participants wait until a
 * host admits them), the participants waiting, and the users already admitted. Pure like `PresenceRoom`.
 *
 * Hosts always enter. A user with a participant in the room enters again (a second tab, a reload within
 * the grace period), and so does a user a host admitted before (a reload after the grace period). Waiting
 * participants hold no Calls session: `mayCreateSession` is the proxy's rule for `sessions/new`.
 */
import type { RoomSettings, WaitingParticipant } from '../protocol/presence.ts';
import type { RoomRole } from '../protocol/token.ts';

export interface WaitingEntry<R> {
  id: string;
  sub: string;
  request: R;
  view: WaitingParticipant;
}

/** Participants one room lets wait at once; more are refused as if the room were full. */
export const MAX_WAITING = 100;

export type Gate = 'enter' | 'wait' | 'locked' | 'full';

export class Lobby<R> {
  settings: RoomSettings = { locked: false, lobby: false };
  readonly #waiting = new Map<string, WaitingEntry<R>>();
  readonly #admitted = new Set<string>();

  /** What happens to a join by `role` of user `sub` (`present`: the user has a participant in the room). */
  gate(role: RoomRole, sub: string, present: boolean): Gate {
    if (role === 'host' || present) return 'enter';
    if (this.settings.locked) return 'locked';
    if (!this.settings.lobby || this.#admitted.has(sub)) return 'enter';
    return this.#waiting.size >= MAX_WAITING ? 'full' : 'wait';
  }

  mayCreateSession(role: RoomRole, sub: string, present: boolean): boolean {
    return this.gate(role, sub, present) === 'enter';
  }

  wait(entry: WaitingEntry<R>): void {
    this.#waiting.set(entry.id, entry);
  }

  get(id: string): WaitingEntry<R> | undefined {
    return this.#waiting.get(id);
  }

  /** Removes a waiting participant (admitted, denied, gone). */
  take(id: string): WaitingEntry<R> | undefined {
    const entry = this.#waiting.get(id);
    this.#waiting.delete(id);
    return entry;
  }

  /** Lets the user in from now on (admitted, or in the room when the lobby was turned on). */
  admit(sub: string): void {
    this.#admitted.add(sub);
  }

  /** Everyone waiting, oldest first (and forgets them). */
  drain(): WaitingEntry<R>[] {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    return all;
  }

  list(): WaitingParticipant[] {
    return [...this.#waiting.values()].map((e) => structuredClone(e.view));
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** After a meeting ended: nothing waits, nobody is admitted, the room is open again. */
  reset(): void {
    this.settings = { locked: false, lobby: false };
    this.#waiting.clear();
    this.#admitted.clear();
  }
}
