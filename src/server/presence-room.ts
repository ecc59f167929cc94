/**
 * One presence room as a pure state machine: validated messages and the current time in, effects (messages to
 * send, sockets to close) out. No I/O, no timers, no clock of its own, so the Node server and the Durable
 * Object run the same code and tests drive time by hand.
 *
 * Its Calls session bindings (which user owns which session, who was removed) are a `SessionBindings`, which
 * asks the room where users are; the proxy decides with them who may touch or pull which session.
 *
 * Breakouts belong to users, not sockets: all participants of one user (`sub`) are always in the same
 * breakout. A user's new participant (a second tab, a rejoin) starts in the breakout the user is in, and
 * assigning one of a user's participants moves all of them. So a second presence socket can never widen what
 * its user may pull, and the proxy's pull rule needs only the user: the caller must be in presence, and in the
 * publisher's breakout.
 */
import {
  DEFAULT_PARTICIPANT_STATE,
  PRESENCE_CLOSE_CODES,
  PRESENCE_LIMITS,
  type ClientMessage,
  type ErrorMessage,
  type LeaveReason,
  type Participant,
  type ParticipantProfile,
  type ParticipantState,
} from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import type { RoomRole } from '../protocol/token.ts';
import { Hands } from './presence-hands.ts';
import {
  handleHostAction,
  HOST_ACTIONS,
  isHostAction,
  lobbyEffects,
  type ActionRoom,
} from './presence-host-actions.ts';
import { fromWaiting, knock, welcomeExtras } from './presence-lobby-effects.ts';
import { Lobby, type WaitingEntry } from './presence-lobby.ts';
import { Members, presenceError as error, type Member, type RoomEffect } from './presence-members.ts';
import { handleModeration, isModeration, MODERATION, type ModerationRoom } from './presence-moderation.ts';
import { joinProfile, profileChanged } from './presence-profile.ts';
import { PresenceRecording } from './presence-recording.ts';
import { findSeat } from './presence-seats.ts';
import { handleMedia, isMediaMessage } from './presence-tracks.ts';
import { SessionBindings } from './session-bindings.ts';

export type { RoomEffect } from './presence-members.ts';

export interface PresenceRoomOptions {
  name: string;
  sizeLimit: number;
  resumeGraceMs: number;
  staleAfterMs?: number;
  heartbeatIntervalMs?: number;
  /** Only let users announce tracks of Calls sessions bound to them through the proxy (on in production). */
  requireBoundSessions?: boolean;
  /** Participants one user (`sub`) may hold at once; a resume reuses its seat. Default 3. */
  seatsPerUser?: number;
  randomId?: () => string;
}

export interface JoinRequest {
  sub: string;
  name: string;
  role: RoomRole;
  resumeToken?: string;
  state?: Partial<ParticipantState>;
  profile?: ParticipantProfile;
}

/** `waiting`: the lobby holds the participant (their id gets the welcome once a host admits them). */
export type JoinResult =
  | { ok: true; participantId: string; resumed: boolean; waiting?: boolean; effects: RoomEffect[] }
  | { ok: false; error: ErrorMessage };

/** Joined message types the room handles (join is handled by `join`). */
export type RoomMessage = Exclude<ClientMessage, { type: 'join' }>;

export const DEFAULT_SEATS_PER_USER = 3;
const HOST_ONLY = new Set<string>([...MODERATION, ...HOST_ACTIONS]);

export class PresenceRoom {
  readonly name: string;
  /** The room's Calls session bindings and removed users (used by the proxy and restored from storage). */
  readonly bindings: SessionBindings;
  private readonly opts: Required<Omit<PresenceRoomOptions, 'name'>>;
  private readonly members = new Members();
  /** Who may come in (locked, lobby) and who waits. */
  readonly lobby = new Lobby<JoinRequest>();
  private readonly hands = new Hands();
  private readonly actions: ActionRoom<JoinRequest> = {
    lobby: this.lobby,
    connectedIds: (except) => this.members.connectedIds(except),
    hands: () => this.hands.order,
    hostIds: () => this.members.connectedIds().filter((id) => this.members.get(id)?.p.role === 'host'),
    presentUsers: () => this.members.users(),
    enter: (entry, now) => this.enterFromLobby(entry, now),
    endAll: (by) => this.endAll(by),
  };
  private readonly moderation: ModerationRoom = {
    members: this.members,
    ban: (sub) => this.bindings.ban(sub),
    remove: (member, reason, closeCode) => this.remove(member, reason, closeCode),
  };
  /** The recording everyone is shown (`RecordingService` sets it through `setRecording`). */
  private readonly recording = new PresenceRecording();

  constructor(options: PresenceRoomOptions) {
    this.name = options.name;
    this.opts = {
      sizeLimit: options.sizeLimit,
      resumeGraceMs: options.resumeGraceMs,
      staleAfterMs: options.staleAfterMs ?? PRESENCE_LIMITS.staleAfterMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? PRESENCE_LIMITS.heartbeatIntervalMs,
      requireBoundSessions: options.requireBoundSessions ?? false,
      seatsPerUser: options.seatsPerUser ?? DEFAULT_SEATS_PER_USER,
      randomId: options.randomId ?? (() => crypto.randomUUID()),
    };
    this.bindings = new SessionBindings((sub) => this.members.breakoutOf(sub));
  }

  get size(): number {
    return this.members.size;
  }

  /** Nothing worth keeping: no participants, session bindings, removed users or running recording. */
  get idle(): boolean {
    return this.members.size === 0 && this.bindings.empty && this.recording.current === null;
  }

  /** A recording started or ended: everyone connected is told, and later joiners get it in the welcome. */
  setRecording(recording: ActiveRecording | null): RoomEffect[] {
    const message = this.recording.set(recording);
    return message ? this.members.toAll(message) : [];
  }

  participants(): Participant[] {
    return this.members.all().map((m) => structuredClone(m.p));
  }

  participant(id: string): Participant | undefined {
    const m = this.members.get(id);
    return m ? structuredClone(m.p) : undefined;
  }

  // ---- presence ------------------------------------------------------------------------------------

  join(req: JoinRequest, now: number): JoinResult {
    if (this.bindings.isBanned(req.sub)) {
      return { ok: false, error: error('removed', 'you were removed from this room', 'join', true) };
    }
    if (req.resumeToken !== undefined) {
      const member = this.members.ofUser(req.sub).find((m) => m.resumeToken === req.resumeToken);
      if (member) return this.resume(member, req, now);
    }
    const gate = this.lobby.gate(req.role, req.sub, this.members.hasUser(req.sub));
    if (gate === 'locked' || gate === 'full') {
      const why =
        gate === 'locked' ? `room "${this.name}" is locked` : `too many wait to join "${this.name}"`;
      return { ok: false, error: error(gate === 'locked' ? 'locked' : 'room-full', why, 'join', true) };
    }
    if (gate === 'wait') {
      const id = this.opts.randomId();
      return {
        ok: true,
        participantId: id,
        resumed: false,
        waiting: true,
        effects: knock(this.actions, id, req, now),
      };
    }
    return this.admitMember(req, now);
  }

  /** Whether the user may create a Calls session here (the proxy asks before `sessions/new`). */
  mayCreateSession(sub: string, role: RoomRole): boolean {
    return this.lobby.mayCreateSession(role, sub, this.members.hasUser(sub));
  }

  /** A waiting participant let in: their welcome, or their refusal when the room filled up meanwhile. */
  private enterFromLobby(entry: WaitingEntry<JoinRequest>, now: number): RoomEffect[] {
    const result = this.admitMember(entry.request, now, entry.id);
    if (result.ok) return result.effects;
    const waitingId = entry.id;
    const e = result.error;
    return [
      { kind: 'send', to: [waitingId], message: e },
      { kind: 'close', participantId: waitingId, code: PRESENCE_CLOSE_CODES.roomFull, reason: e.code },
    ];
  }

  private admitMember(req: JoinRequest, now: number, waitingId?: string): JoinResult {
    const seat = findSeat(this.members, req.sub, {
      room: this.name,
      sizeLimit: this.opts.sizeLimit,
      seatsPerUser: this.opts.seatsPerUser,
    });
    if (!seat.ok) return seat;
    // The user's breakout, wherever their other participants are (breakouts are per user).
    const breakout = this.members.breakoutOf(req.sub) ?? null;
    const effects: RoomEffect[] = seat.evict ? this.remove(seat.evict, 'disconnected', undefined, true) : [];
    const id = waitingId ?? this.opts.randomId();
    const profile = joinProfile(req.profile);
    const member: Member = {
      p: {
        id,
        userId: req.sub,
        name: profile.name ?? req.name,
        ...profile.extra,
        role: req.role,
        state: { ...DEFAULT_PARTICIPANT_STATE, ...req.state },
        tracks: [],
        breakout,
        connected: true,
      },
      resumeToken: this.opts.randomId(),
      lastSeen: now,
      disconnectedAt: undefined,
    };
    this.members.add(member);
    effects.push(this.welcome(member, false), ...welcomeExtras(this.actions, member.p));
    effects.push(
      ...this.members.toOthers(member, {
        type: 'participant-joined',
        participant: structuredClone(member.p),
      }),
    );
    return { ok: true, participantId: id, resumed: false, effects };
  }

  private resume(member: Member, req: JoinRequest, now: number): JoinResult {
    const wasConnected = member.p.connected;
    member.p.connected = true;
    member.p.name = req.name;
    member.lastSeen = now;
    member.disconnectedAt = undefined;
    if (req.state) member.p.state = { ...member.p.state, ...req.state };
    const effects: RoomEffect[] = [this.welcome(member, true), ...welcomeExtras(this.actions, member.p)];
    if (!wasConnected || req.state) effects.push(...this.stateChanged(member));
    return { ok: true, participantId: member.p.id, resumed: true, effects };
  }

  private welcome(member: Member, resumed: boolean): RoomEffect {
    return {
      kind: 'send',
      to: [member.p.id],
      message: {
        type: 'welcome',
        room: this.name,
        participantId: member.p.id,
        resumeToken: member.resumeToken,
        resumed,
        participants: this.participants(),
        heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
        staleAfterMs: this.opts.staleAfterMs,
        recording: this.recording.current,
      },
    };
  }

  /** A message from a joined participant. Errors go back to the sender only. */
  handle(participantId: string, msg: RoomMessage, now: number): RoomEffect[] {
    const member = this.members.get(participantId);
    if (!member) return this.lobby.get(participantId) ? fromWaiting(this.actions, participantId, msg) : [];
    member.lastSeen = now;
    if (HOST_ONLY.has(msg.type) && member.p.role !== 'host') {
      const e = error('forbidden', `only a host may ${msg.type}`, msg.type);
      return [{ kind: 'send', to: [participantId], message: e }];
    }
    if (isHostAction(msg)) return handleHostAction(this.actions, member.p, msg, now);
    if (isModeration(msg)) return handleModeration(this.moderation, member, msg);
    if (isMediaMessage(msg)) {
      const owns = (sessionId: string, sub: string) =>
        !this.opts.requireBoundSessions || this.bindings.isOwnedBy(sessionId, sub);
      return handleMedia(this.members, member, msg, owns);
    }
    switch (msg.type) {
      case 'profile':
        return profileChanged(member.p, msg.profile).flatMap((message) => this.members.toAll(message));
      case 'heartbeat':
        return [{ kind: 'send', to: [participantId], message: { type: 'heartbeat-ack' } }];
      case 'leave':
        return this.remove(member, 'left', PRESENCE_CLOSE_CODES.left);
      case 'state':
        member.p.state = { ...member.p.state, ...msg.state };
        return [...this.stateChanged(member), ...this.handsChanged(member)];
    }
  }

  /** Everyone leaves with reason `ended` (waiting participants too); the room starts afresh. */
  private endAll(by: string): RoomEffect[] {
    const effects: RoomEffect[] = [];
    const ids = [...this.members.connectedIds(), ...this.lobby.drain().map((e) => e.id)];
    for (const id of ids) {
      effects.push(
        { kind: 'send', to: [id], message: { type: 'ended', by } },
        { kind: 'close', participantId: id, code: PRESENCE_CLOSE_CODES.ended, reason: 'ended' },
      );
    }
    for (const sub of this.members.users()) this.bindings.dropUser(sub);
    this.members.clear();
    this.hands.clear();
    this.lobby.reset();
    return effects;
  }

  /** The participant's socket closed without `leave`: keep them for the resume grace period. */
  disconnect(participantId: string, now: number): RoomEffect[] {
    if (this.lobby.take(participantId)) return lobbyEffects(this.actions);
    const member = this.members.get(participantId);
    if (!member || !member.p.connected) return [];
    if (this.opts.resumeGraceMs === 0) return this.remove(member, 'disconnected');
    member.p.connected = false;
    member.disconnectedAt = now;
    return this.stateChanged(member);
  }

  /** Removes stale participants (no message for staleAfterMs) and dropped ones past the grace period. */
  tick(now: number): RoomEffect[] {
    const effects: RoomEffect[] = [];
    for (const m of this.members.all()) {
      if (m.p.connected && now - m.lastSeen > this.opts.staleAfterMs) {
        effects.push(...this.remove(m, 'stale', PRESENCE_CLOSE_CODES.stale));
      } else if (
        !m.p.connected &&
        m.disconnectedAt !== undefined &&
        now - m.disconnectedAt > this.opts.resumeGraceMs
      ) {
        effects.push(...this.remove(m, 'disconnected'));
      }
    }
    this.bindings.expireUnjoined(new Set(this.members.users()), now);
    return effects;
  }

  private remove(
    member: Member,
    reason: LeaveReason,
    closeCode?: number,
    keepBindings = false,
  ): RoomEffect[] {
    this.members.delete(member.p.id);
    const effects: RoomEffect[] = [];
    if (closeCode !== undefined && member.p.connected) {
      effects.push({ kind: 'close', participantId: member.p.id, code: closeCode, reason });
    }
    effects.push(...this.members.toAll({ type: 'participant-left', participantId: member.p.id, reason }));
    if (!keepBindings && !this.members.hasUser(member.p.userId)) {
      this.bindings.dropUser(member.p.userId);
    }
    if (this.hands.set(member.p.id, false)) effects.push(...this.handsMessage());
    return effects;
  }

  private handsChanged(member: Member): RoomEffect[] {
    return this.hands.set(member.p.id, member.p.state.handRaised) ? this.handsMessage() : [];
  }

  private handsMessage(): RoomEffect[] {
    return this.members.toAll({ type: 'hands', order: this.hands.order });
  }

  private stateChanged(member: Member): RoomEffect[] {
    return this.members.toOthers(member, {
      type: 'participant-state',
      participantId: member.p.id,
      state: { ...member.p.state },
      connected: member.p.connected,
    });
  }
}
