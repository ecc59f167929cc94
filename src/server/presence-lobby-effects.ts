/**
 * The lobby's side of presence: a join the lobby holds (`waiting`, and the hosts' list), what a waiting
 * socket may still say (cancel, heartbeat), and what a (re)welcomed participant learns beyond the welcome.
 */
import { PRESENCE_CLOSE_CODES, type Participant } from '../protocol/presence.ts';
import { lobbyEffects, type ActionRoom } from './presence-host-actions.ts';
import { presenceError, type RoomEffect } from './presence-members.ts';
import type { JoinRequest, RoomMessage } from './presence-room.ts';
import { joinProfile } from './presence-profile.ts';

/** Holds a join in the lobby under `id` (the id its welcome will have). */
export function knock(
  room: ActionRoom<JoinRequest>,
  id: string,
  req: JoinRequest,
  now: number,
): RoomEffect[] {
  const profile = joinProfile(req.profile);
  room.lobby.wait({
    id,
    sub: req.sub,
    request: req,
    view: { id, name: profile.name ?? req.name, role: req.role, ...profile.extra, since: now },
  });
  return [{ kind: 'send', to: [id], message: { type: 'waiting', participantId: id } }, ...lobbyEffects(room)];
}

/** A waiting participant may only cancel (`leave`) and keep its socket alive. */
export function fromWaiting(room: ActionRoom<JoinRequest>, id: string, msg: RoomMessage): RoomEffect[] {
  if (msg.type === 'heartbeat') return [{ kind: 'send', to: [id], message: { type: 'heartbeat-ack' } }];
  if (msg.type === 'leave') {
    room.lobby.take(id);
    return [
      { kind: 'close', participantId: id, code: PRESENCE_CLOSE_CODES.left, reason: 'left' },
      ...lobbyEffects(room),
    ];
  }
  const e = presenceError('not-joined', 'you are waiting in the lobby until a host lets you in', msg.type);
  return [{ kind: 'send', to: [id], message: e }];
}

/** What a (re)welcomed participant needs beyond the welcome, when it is not the default. */
export function welcomeExtras(room: ActionRoom<JoinRequest>, p: Participant): RoomEffect[] {
  const to = [p.id];
  const { locked, lobby } = room.lobby.settings;
  const effects: RoomEffect[] = [];
  if (locked || lobby)
    effects.push({
      kind: 'send',
      to,
      message: { type: 'room-settings-changed', settings: { locked, lobby } },
    });
  const order = room.hands();
  if (order.length > 0) effects.push({ kind: 'send', to, message: { type: 'hands', order } });
  if (p.role === 'host' && room.lobby.size > 0)
    effects.push({ kind: 'send', to, message: { type: 'lobby', waiting: room.lobby.list() } });
  return effects;
}
