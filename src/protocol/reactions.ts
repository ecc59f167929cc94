/**
 * Reactions: a small fixed set of emoji sent over each participant's `reactions` data channel (unordered, no
 * retransmits: a lost reaction is not worth a late one). Receivers drop anything else and what exceeds the
 * rate, so a page cannot flood the others' screens.
 */

export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export type Reaction = (typeof REACTIONS)[number];

export const REACTIONS_CHANNEL = 'reactions';

/** At most `burst` reactions per participant, refilled at `perSecond`. */
export const REACTION_LIMITS = { burst: 5, perSecond: 1 } as const;

export function isReaction(value: unknown): value is Reaction {
  return typeof value === 'string' && (REACTIONS as readonly string[]).includes(value);
}

/** A token bucket per sender: `take` is false once a sender is over the limit. */
export class ReactionLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  take(sender: string, now: number): boolean {
    const b = this.#buckets.get(sender) ?? { tokens: REACTION_LIMITS.burst, at: now };
    b.tokens = Math.min(REACTION_LIMITS.burst, b.tokens + ((now - b.at) / 1000) * REACTION_LIMITS.perSecond);
    b.at = now;
    this.#buckets.set(sender, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
