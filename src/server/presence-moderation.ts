/**
 * A host's actions on one participant or on the room's breakouts: ask someone to mute, remove a user (all of
 * their participants), assign breakouts, end breakouts. The room checks that the sender is a host; these turn
 * the message into effects on the member table.
 */
import { PRESENCE_CLOSE_CODES, type ErrorMessage } from '../protocol/presence.ts';
import { presenceError, type Member, type Members, type RoomEffect } from './presence-members.ts';
import type { RoomMessage } from './presence-room.ts';

export type ModerationMessage = Extract<
  RoomMessage,
  { type: 'mute-request' | 'remove' | 'assign-breakouts' | 'end-breakouts' }
>;

export const MODERATION = new Set<string>(['mute-request', 'remove', 'assign-breakouts', 'end-breakouts']);

export const isModeration = (m: RoomMessage): m is ModerationMessage => MODERATION.has(m.type);

export interface ModerationRoom {
  readonly members: Members;
  /** Bars a user from coming back (their sessions are no longer theirs to use). */
  ban(sub: string): void;
  /** Takes a participant out of the room, closing their socket with `closeCode`. */
  remove(member: Member, reason: 'removed', closeCode: number): RoomEffect[];
}

export function handleModeration(room: ModerationRoom, host: Member, msg: ModerationMessage): RoomEffect[] {
  const reply = (e: ErrorMessage): RoomEffect[] => [{ kind: 'send', to: [host.p.id], message: e }];
  const { members } = room;
  switch (msg.type) {
    case 'mute-request': {
      const target = members.get(msg.participantId);
      if (!target) return reply(presenceError('unknown-participant', 'no such participant', msg.type));
      return [
        {
          kind: 'send',
          to: [target.p.id],
          message: { type: 'mute-requested', by: host.p.id, kind: msg.kind ?? 'audio' },
        },
      ];
    }
    case 'remove': {
      const target = members.get(msg.participantId);
      if (!target) return reply(presenceError('unknown-participant', 'no such participant', msg.type));
      if (target.p.userId === host.p.userId) {
        return reply(
          presenceError('invalid-message', 'a host cannot remove themselves; send leave', msg.type),
        );
      }
      room.ban(target.p.userId);
      const effects: RoomEffect[] = [];
      for (const m of members.ofUser(target.p.userId)) {
        if (m.p.connected) {
          effects.push({ kind: 'send', to: [m.p.id], message: { type: 'removed', by: host.p.id } });
        }
        effects.push(...room.remove(m, 'removed', PRESENCE_CLOSE_CODES.removed));
      }
      return effects;
    }
    case 'assign-breakouts': {
      const unknown = Object.keys(msg.assignments).filter((id) => !members.has(id));
      if (unknown.length > 0) {
        return reply(
          presenceError('unknown-participant', `no such participant: ${unknown.join(', ')}`, msg.type),
        );
      }
      // Per user: a participant's assignment moves all of its user's participants.
      const byUser = new Map<string, { id: string; breakout: string | null }>();
      for (const [id, breakout] of Object.entries(msg.assignments)) {
        const sub = members.get(id)?.p.userId ?? '';
        const other = byUser.get(sub);
        if (other && other.breakout !== breakout) {
          return reply(
            presenceError(
              'invalid-message',
              `participants ${other.id} and ${id} are the same user: one user is in one breakout`,
              msg.type,
            ),
          );
        }
        byUser.set(sub, { id, breakout });
      }
      for (const m of members.all()) {
        const target = byUser.get(m.p.userId);
        if (target) m.p.breakout = target.breakout;
      }
      return members.breakoutsMessage();
    }
    case 'end-breakouts': {
      for (const m of members.all()) m.p.breakout = null;
      return members.breakoutsMessage();
    }
  }
}
