/**
 * What a participant announces about their media: the tracks they publish or withdraw, and the Calls session
 * others pull from. With `requireBoundSessions`, only sessions the proxy bound to the user may be announced.
 */
import { PRESENCE_LIMITS, type ErrorMessage, type PublishedTrack } from '../protocol/presence.ts';
import { presenceError, type Member, type Members, type RoomEffect } from './presence-members.ts';
import type { RoomMessage } from './presence-room.ts';

export type MediaMessage = Extract<RoomMessage, { type: 'publish' | 'unpublish' | 'session' }>;

export const isMediaMessage = (m: RoomMessage): m is MediaMessage =>
  m.type === 'publish' || m.type === 'unpublish' || m.type === 'session';

/** Whether user `sub` may announce Calls session `sessionId` (always true unless sessions must be bound). */
export type SessionCheck = (sessionId: string, sub: string) => boolean;

export function handleMedia(
  members: Members,
  member: Member,
  msg: MediaMessage,
  owns: SessionCheck,
): RoomEffect[] {
  const reply = (e: ErrorMessage): RoomEffect[] => [{ kind: 'send', to: [member.p.id], message: e }];
  switch (msg.type) {
    case 'publish':
      return publish(members, member, msg.tracks, owns, reply);
    case 'unpublish': {
      const names = new Set(msg.trackNames);
      const gone = member.p.tracks.filter((t) => names.has(t.trackName)).map((t) => t.trackName);
      if (gone.length === 0) return [];
      member.p.tracks = member.p.tracks.filter((t) => !names.has(t.trackName));
      return members.toOthers(member, {
        type: 'tracks-unpublished',
        participantId: member.p.id,
        trackNames: gone,
      });
    }
    case 'session': {
      const { sessionId, chat } = msg.session;
      if (member.p.role === 'viewer' && chat) {
        return reply(presenceError('forbidden', 'viewers cannot send chat', msg.type));
      }
      if (!owns(sessionId, member.p.userId)) {
        return reply(presenceError('forbidden', `session ${sessionId} is not yours in this room`, msg.type));
      }
      member.p.session = { sessionId, chat };
      return members.toOthers(member, {
        type: 'participant-session',
        participantId: member.p.id,
        session: { sessionId, chat },
      });
    }
  }
}

function publish(
  members: Members,
  member: Member,
  tracks: PublishedTrack[],
  owns: SessionCheck,
  reply: (e: ErrorMessage) => RoomEffect[],
): RoomEffect[] {
  if (member.p.role === 'viewer') {
    return reply(presenceError('forbidden', 'viewers cannot publish tracks', 'publish'));
  }
  const foreign = tracks.find((t) => !owns(t.sessionId, member.p.userId));
  if (foreign) {
    return reply(
      presenceError('forbidden', `session ${foreign.sessionId} is not yours in this room`, 'publish'),
    );
  }
  const key = (t: PublishedTrack) => `${t.sessionId}/${t.trackName}`;
  const incoming = new Map(tracks.map((t) => [key(t), t]));
  const kept = member.p.tracks.filter((t) => !incoming.has(key(t)));
  if (kept.length + incoming.size > PRESENCE_LIMITS.maxTracksPerParticipant) {
    return reply(
      presenceError(
        'invalid-message',
        `at most ${PRESENCE_LIMITS.maxTracksPerParticipant} tracks per participant`,
        'publish',
      ),
    );
  }
  const added = [...incoming.values()].map((t) => structuredClone(t));
  member.p.tracks = [...kept, ...added];
  return members.toOthers(member, { type: 'tracks-published', participantId: member.p.id, tracks: added });
}
