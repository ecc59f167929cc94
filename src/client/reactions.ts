/**
 * Reactions over each participant's `reactions` data channel: unordered, no retransmits (a late reaction is
 * worth less than none). Only the fixed set is sent or shown, and each sender is rate-limited on both ends.
 */
import { isReaction, REACTIONS_CHANNEL, ReactionLimiter, type Reaction } from '../protocol/reactions.ts';
import type { ChannelKind } from './chat.ts';
import { RoomError } from './room-types.ts';

export const REACTIONS_KIND: ChannelKind = {
  name: REACTIONS_CHANNEL,
  reliability: { ordered: false, maxRetransmits: 0 },
  waitForAck: false,
};

export class Reactions {
  readonly #sent = new ReactionLimiter();
  readonly #received = new ReactionLimiter();

  /** Our reaction's payload; throws `invalid-input` for one outside the set, `rate-limited` for a flood. */
  outgoing(emoji: unknown, now = Date.now()): { payload: string; emoji: Reaction } {
    if (!isReaction(emoji)) throw new RoomError('invalid-input', `reactions are one of a fixed set`);
    if (!this.#sent.take('', now)) throw new RoomError('rate-limited', 'too many reactions: wait a moment');
    return { payload: JSON.stringify({ emoji }), emoji };
  }

  /** A received payload from `from`; undefined when it is not a reaction or the sender is over the limit. */
  incoming(raw: unknown, from: string | undefined, now = Date.now()): Reaction | undefined {
    if (typeof raw !== 'string' || raw.length > 64 || !from) return undefined;
    let emoji: unknown;
    try {
      emoji = (JSON.parse(raw) as { emoji?: unknown }).emoji;
    } catch {
      return undefined;
    }
    return isReaction(emoji) && this.#received.take(from, now) ? emoji : undefined;
  }
}
