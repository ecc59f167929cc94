/**
 * Whether one more participant of a user fits in a room: at most `seatsPerUser` per user (at the cap, the
 * user's longest-dropped participant gives up its seat) and at most `sizeLimit` in all.
 */
import type { ErrorMessage } from '../protocol/presence.ts';
import { presenceError, type Member, type Members } from './presence-members.ts';

export interface SeatLimits {
  room: string;
  sizeLimit: number;
  seatsPerUser: number;
}

export type SeatResult = { ok: true; evict: Member | undefined } | { ok: false; error: ErrorMessage };

export function findSeat(members: Members, sub: string, limits: SeatLimits): SeatResult {
  const mine = members.ofUser(sub);
  let evict: Member | undefined;
  if (mine.length >= limits.seatsPerUser) {
    evict = mine
      .filter((m) => !m.p.connected)
      .sort((a, b) => (a.disconnectedAt ?? 0) - (b.disconnectedAt ?? 0))[0];
    if (!evict) {
      const why = `you already have ${mine.length} participants in room "${limits.room}" (at most ${limits.seatsPerUser} per user)`;
      return { ok: false, error: presenceError('seat-limit', why, 'join', true) };
    }
  }
  if (members.size - (evict ? 1 : 0) >= limits.sizeLimit) {
    const why = `room "${limits.room}" is full (${limits.sizeLimit} participants)`;
    return { ok: false, error: presenceError('room-full', why, 'join', true) };
  }
  return { ok: true, evict };
}
