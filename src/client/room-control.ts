/**
 * What presence says about the room as a whole: lock and lobby, who waits in the lobby (hosts only), and
 * raised hands in order. A pure mirror like the Roster: `apply(message)` updates it and returns the
 * notifications the page should get.
 */
import type { ServerMessage } from '../protocol/presence.ts';
import type { RoomNotification, RoomState } from './room-types.ts';

export type ControlView = Pick<RoomState, 'locked' | 'lobby' | 'waiting' | 'hands'>;

/** The messages about the room as a whole (and the welcome, which starts a new participant afresh). */
export type ControlMessage = Extract<
  ServerMessage,
  { type: 'room-settings-changed' | 'lobby' | 'hands' | 'welcome' }
>;

export class RoomControl {
  #view: ControlView = Object.freeze({ locked: false, lobby: false, waiting: [], hands: [] });

  view(): ControlView {
    return this.#view;
  }

  /** The room's news in `message`, as notifications; an empty list when it was not about the room. */
  apply(message: ControlMessage): RoomNotification[] {
    const before = this.#view;
    const out: RoomNotification[] = [];
    switch (message.type) {
      case 'room-settings-changed':
        this.#set({ locked: message.settings.locked, lobby: message.settings.lobby });
        if (before.locked !== message.settings.locked)
          out.push({ type: 'locked-change', locked: message.settings.locked });
        break;
      case 'lobby': {
        const known = new Set(before.waiting.map((w) => w.id));
        this.#set({ waiting: Object.freeze(message.waiting.map((w) => Object.freeze({ ...w }))) });
        for (const w of message.waiting) if (!known.has(w.id)) out.push({ type: 'knock', participant: w });
        break;
      }
      case 'hands': {
        const order = message.order;
        this.#set({ hands: Object.freeze([...order]) });
        order.forEach((id, i) => {
          if (!before.hands.includes(id))
            out.push({ type: 'hand-raised', participantId: id, position: i + 1 });
        });
        break;
      }
      case 'welcome':
        // A new participant (not a resume) starts from the defaults; the messages after the welcome say more.
        if (!message.resumed) this.#set({ locked: false, lobby: false, waiting: [], hands: [] });
        break;
    }
    return out;
  }

  #set(change: Partial<ControlView>): void {
    this.#view = Object.freeze({ ...this.#view, ...change });
  }
}
