/**
 * A host's room-wide actions: mute everyone, lock the room or turn its lobby on, admit or deny who waits,
 * end the meeting. The room checks that the sender is a host; this class turns the action into effects
 * through the few things of the room it needs (`ActionRoom`).
 */
import { PRESENCE_CLOSE_CODES, type Participant, type RoomSettings } from '../protocol/presence.ts';
import type { Lobby, WaitingEntry } from './presence-lobby.ts';
import { presenceError, sendTo, type RoomEffect } from './presence-members.ts';
import type { RoomMessage } from './presence-room.ts';

export type HostActionMessage = Extract<
  RoomMessage,
  { type: 'mute-all' | 'room-settings' | 'admit' | 'deny' | 'end-meeting' }
>;

export const HOST_ACTIONS = new Set<string>(['mute-all', 'room-settings', 'admit', 'deny', 'end-meeting']);

export const isHostAction = (m: RoomMessage): m is HostActionMessage => HOST_ACTIONS.has(m.type);

export interface ActionRoom<R> {
  readonly lobby: Lobby<R>;
  connectedIds(except?: string): string[];
  hostIds(): string[];
  /** Raised hands, oldest first. */
  hands(): string[];
  /** The users with a participant in the room. */
  presentUsers(): string[];
  /** Lets a waiting participant in: their welcome, and everyone else's news. */
  enter(entry: WaitingEntry<R>, now: number): RoomEffect[];
  /** Everyone leaves with reason `ended`; their sockets close. */
  endAll(by: string): RoomEffect[];
}

/** The waiting list, to the hosts. */
export function lobbyEffects<R>(room: ActionRoom<R>): RoomEffect[] {
  return sendTo(room.hostIds(), { type: 'lobby', waiting: room.lobby.list() });
}

/** The room's settings to everyone (after a change, `by` the host). */
export function settingsEffects<R>(room: ActionRoom<R>, by?: string): RoomEffect[] {
  return sendTo(room.connectedIds(), {
    type: 'room-settings-changed',
    settings: { ...room.lobby.settings },
    ...(by ? { by } : {}),
  });
}

export function handleHostAction<R>(
  room: ActionRoom<R>,
  host: Participant,
  msg: HostActionMessage,
  now: number,
): RoomEffect[] {
  const { lobby } = room;
  switch (msg.type) {
    case 'mute-all':
      return sendTo(room.connectedIds(host.id), { type: 'mute-requested', by: host.id, kind: 'audio' });
    case 'room-settings': {
      const next: RoomSettings = { ...lobby.settings, ...msg.settings };
      const before = lobby.settings;
      if (next.locked === before.locked && next.lobby === before.lobby) return [];
      lobby.settings = next;
      // Who is in the room when the lobby goes up stays admitted (a reload does not send them to it).
      if (next.lobby && !before.lobby) for (const sub of room.presentUsers()) lobby.admit(sub);
      const effects = settingsEffects(room, host.id);
      // The lobby went down: whoever waited comes in (unless the room is locked: then they stay).
      if (!next.lobby && before.lobby && !next.locked) {
        for (const entry of lobby.drain()) effects.push(...room.enter(entry, now));
        effects.push(...lobbyEffects(room));
      }
      return effects;
    }
    case 'admit':
    case 'deny': {
      const entry = lobby.take(msg.participantId);
      if (!entry) {
        const e = presenceError('unknown-participant', 'nobody with that id waits in the lobby', msg.type);
        return sendTo([host.id], e);
      }
      if (msg.type === 'admit') {
        lobby.admit(entry.sub);
        return [...room.enter(entry, now), ...lobbyEffects(room)];
      }
      const denied = presenceError('denied', 'a host did not let you in', 'join', true);
      return [
        ...sendTo([entry.id], denied),
        { kind: 'close', participantId: entry.id, code: PRESENCE_CLOSE_CODES.denied, reason: 'denied' },
        ...lobbyEffects(room),
      ];
    }
    case 'end-meeting':
      return room.endAll(host.id);
  }
}
