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
  type PresenceErrorCode,
  type PublishedTrack,
  type ServerMessage,
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
import { joinProfile, profileChanged } from './presence-profile.ts';
import { PresenceRecording } from './presence-recording.ts';
import { SessionBindings } from './session-bindings.ts';

export type RoomEffect =
  | { kind: 'send'; to: string[]; message: ServerMessage }
  | { kind: 'close'; participantId: string; code: number; reason: string };

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

interface Member {
  p: Participant;
  resumeToken: string;
  lastSeen: number;
  disconnectedAt: number | undefined;
}

/** Joined message types the room handles (join is handled by `join`). */
export type RoomMessage = Exclude<ClientMessage, { type: 'join' }>;

export const DEFAULT_SEATS_PER_USER = 3;
const HOST_ONLY = new Set<RoomMessage['type']>([
  'mute-request',
  'remove',
  'assign-breakouts',
  'end-breakouts',
  ...(HOST_ACTIONS as Set<RoomMessage['type']>),
]);

function error(code: PresenceErrorCode, message: string, ref?: string, fatal?: boolean): ErrorMessage {
  const e: ErrorMessage = { type: 'error', code, message };
  if (ref !== undefined) e.ref = ref;
  if (fatal) e.fatal = true;
  return e;
}

export class PresenceRoom {
  readonly name: string;
  /** The room's Calls session bindings and removed users (used by the proxy and restored from storage). */
  readonly bindings: SessionBindings;
  private readonly opts: Required<Omit<PresenceRoomOptions, 'name'>>;
  private readonly members = new Map<string, Member>();
  /** Who may come in (locked, lobby) and who waits. */
  readonly lobby = new Lobby<JoinRequest>();
  private readonly hands = new Hands();
  private readonly actions: ActionRoom<JoinRequest> = {
    lobby: this.lobby,
    connectedIds: (except) => this.connectedIds(except),
    hands: () => this.hands.order,
    hostIds: () => this.connectedIds().filter((id) => this.members.get(id)?.p.role === 'host'),
    presentUsers: () => [...new Set([...this.members.values()].map((m) => m.p.userId))],
    enter: (entry, now) => this.enterFromLobby(entry, now),
    endAll: (by) => this.endAll(by),
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
    this.bindings = new SessionBindings((sub) => this.breakoutOf(sub));
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
    const to = this.connectedIds();
    return message && to.length > 0 ? [{ kind: 'send', to, message }] : [];
  }

  participants(): Participant[] {
    return [...this.members.values()].map((m) => structuredClone(m.p));
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
      const member = [...this.members.values()].find(
        (m) => m.resumeToken === req.resumeToken && m.p.userId === req.sub,
      );
      if (member) return this.resume(member, req, now);
    }
    const present = [...this.members.values()].some((m) => m.p.userId === req.sub);
    const gate = this.lobby.gate(req.role, req.sub, present);
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
    const present = [...this.members.values()].some((m) => m.p.userId === sub);
    return this.lobby.mayCreateSession(role, sub, present);
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
    const mine = [...this.members.values()].filter((m) => m.p.userId === req.sub);
    // At the cap, a seat the user left behind (a socket that dropped without resuming) is taken over.
    let evict: Member | undefined;
    if (mine.length >= this.opts.seatsPerUser) {
      evict = mine
        .filter((m) => !m.p.connected)
        .sort((a, b) => (a.disconnectedAt ?? 0) - (b.disconnectedAt ?? 0))[0];
      if (!evict) {
        return {
          ok: false,
          error: error(
            'seat-limit',
            `you already have ${mine.length} participants in room "${this.name}" (at most ${this.opts.seatsPerUser} per user)`,
            'join',
            true,
          ),
        };
      }
    }
    if (this.members.size - (evict ? 1 : 0) >= this.opts.sizeLimit) {
      return {
        ok: false,
        error: error(
          'room-full',
          `room "${this.name}" is full (${this.opts.sizeLimit} participants)`,
          'join',
          true,
        ),
      };
    }
    const effects: RoomEffect[] = evict ? this.remove(evict, 'disconnected', undefined, true) : [];
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
        // The user's breakout, wherever their other participants are (breakouts are per user).
        breakout: mine[0]?.p.breakout ?? null,
        connected: true,
      },
      resumeToken: this.opts.randomId(),
      lastSeen: now,
      disconnectedAt: undefined,
    };
    this.members.set(id, member);
    effects.push(this.welcome(member, false), ...welcomeExtras(this.actions, member.p));
    const others = this.connectedIds(id);
    if (others.length > 0) {
      effects.push({
        kind: 'send',
        to: others,
        message: { type: 'participant-joined', participant: structuredClone(member.p) },
      });
    }
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
    const reply = (e: ErrorMessage): RoomEffect[] => [{ kind: 'send', to: [participantId], message: e }];
    if (HOST_ONLY.has(msg.type) && member.p.role !== 'host') {
      return reply(error('forbidden', `only a host may ${msg.type}`, msg.type));
    }

    if (isHostAction(msg)) return handleHostAction(this.actions, member.p, msg, now);
    switch (msg.type) {
      case 'profile': {
        const to = this.connectedIds();
        return profileChanged(member.p, msg.profile).map((message) => ({ kind: 'send', to, message }));
      }
      case 'heartbeat':
        return [{ kind: 'send', to: [participantId], message: { type: 'heartbeat-ack' } }];
      case 'leave':
        return this.remove(member, 'left', PRESENCE_CLOSE_CODES.left);
      case 'state':
        member.p.state = { ...member.p.state, ...msg.state };
        return [...this.stateChanged(member), ...this.handsChanged(member)];
      case 'publish':
        return this.publish(member, msg.tracks);
      case 'session': {
        const { sessionId, chat } = msg.session;
        if (member.p.role === 'viewer' && chat) {
          return reply(error('forbidden', 'viewers cannot send chat', msg.type));
        }
        if (this.opts.requireBoundSessions && !this.bindings.isOwnedBy(sessionId, member.p.userId)) {
          return reply(error('forbidden', `session ${sessionId} is not yours in this room`, msg.type));
        }
        member.p.session = { sessionId, chat };
        return this.toOthers(member, {
          type: 'participant-session',
          participantId,
          session: { sessionId, chat },
        });
      }
      case 'unpublish': {
        const names = new Set(msg.trackNames);
        const gone = member.p.tracks.filter((t) => names.has(t.trackName)).map((t) => t.trackName);
        if (gone.length === 0) return [];
        member.p.tracks = member.p.tracks.filter((t) => !names.has(t.trackName));
        return this.toOthers(member, { type: 'tracks-unpublished', participantId, trackNames: gone });
      }
      case 'mute-request': {
        const target = this.members.get(msg.participantId);
        if (!target) return reply(error('unknown-participant', 'no such participant', msg.type));
        return [
          {
            kind: 'send',
            to: [target.p.id],
            message: { type: 'mute-requested', by: participantId, kind: msg.kind ?? 'audio' },
          },
        ];
      }
      case 'remove': {
        const target = this.members.get(msg.participantId);
        if (!target) return reply(error('unknown-participant', 'no such participant', msg.type));
        if (target.p.userId === member.p.userId) {
          return reply(error('invalid-message', 'a host cannot remove themselves; send leave', msg.type));
        }
        this.bindings.ban(target.p.userId);
        const effects: RoomEffect[] = [];
        for (const m of [...this.members.values()].filter((x) => x.p.userId === target.p.userId)) {
          if (m.p.connected) {
            effects.push({ kind: 'send', to: [m.p.id], message: { type: 'removed', by: participantId } });
          }
          effects.push(...this.remove(m, 'removed', PRESENCE_CLOSE_CODES.removed));
        }
        return effects;
      }
      case 'assign-breakouts': {
        const unknown = Object.keys(msg.assignments).filter((id) => !this.members.has(id));
        if (unknown.length > 0) {
          return reply(error('unknown-participant', `no such participant: ${unknown.join(', ')}`, msg.type));
        }
        // Per user: a participant's assignment moves all of its user's participants.
        const byUser = new Map<string, { id: string; breakout: string | null }>();
        for (const [id, breakout] of Object.entries(msg.assignments)) {
          const sub = this.members.get(id)?.p.userId ?? '';
          const other = byUser.get(sub);
          if (other && other.breakout !== breakout) {
            return reply(
              error(
                'invalid-message',
                `participants ${other.id} and ${id} are the same user: one user is in one breakout`,
                msg.type,
              ),
            );
          }
          byUser.set(sub, { id, breakout });
        }
        for (const m of this.members.values()) {
          const target = byUser.get(m.p.userId);
          if (target) m.p.breakout = target.breakout;
        }
        return this.breakoutsChanged();
      }
      case 'end-breakouts': {
        for (const m of this.members.values()) m.p.breakout = null;
        return this.breakoutsChanged();
      }
    }
  }

  private publish(member: Member, tracks: PublishedTrack[]): RoomEffect[] {
    const to = [member.p.id];
    if (member.p.role === 'viewer') {
      return [{ kind: 'send', to, message: error('forbidden', 'viewers cannot publish tracks', 'publish') }];
    }
    if (this.opts.requireBoundSessions) {
      const foreign = tracks.filter((t) => !this.bindings.isOwnedBy(t.sessionId, member.p.userId));
      if (foreign.length > 0) {
        return [
          {
            kind: 'send',
            to,
            message: error(
              'forbidden',
              `session ${foreign[0]?.sessionId} is not yours in this room`,
              'publish',
            ),
          },
        ];
      }
    }
    const key = (t: PublishedTrack) => `${t.sessionId}/${t.trackName}`;
    const incoming = new Map(tracks.map((t) => [key(t), t]));
    const kept = member.p.tracks.filter((t) => !incoming.has(key(t)));
    if (kept.length + incoming.size > PRESENCE_LIMITS.maxTracksPerParticipant) {
      return [
        {
          kind: 'send',
          to,
          message: error(
            'invalid-message',
            `at most ${PRESENCE_LIMITS.maxTracksPerParticipant} tracks per participant`,
            'publish',
          ),
        },
      ];
    }
    const added = [...incoming.values()].map((t) => structuredClone(t));
    member.p.tracks = [...kept, ...added];
    return this.toOthers(member, { type: 'tracks-published', participantId: member.p.id, tracks: added });
  }

  /** Everyone leaves with reason `ended` (waiting participants too); the room starts afresh. */
  private endAll(by: string): RoomEffect[] {
    const effects: RoomEffect[] = [];
    const ids = [...this.connectedIds(), ...this.lobby.drain().map((e) => e.id)];
    for (const id of ids) {
      effects.push(
        { kind: 'send', to: [id], message: { type: 'ended', by } },
        { kind: 'close', participantId: id, code: PRESENCE_CLOSE_CODES.ended, reason: 'ended' },
      );
    }
    for (const m of this.members.values()) this.bindings.dropUser(m.p.userId);
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
    for (const m of [...this.members.values()]) {
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
    this.bindings.expireUnjoined(new Set([...this.members.values()].map((m) => m.p.userId)), now);
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
    const others = this.connectedIds();
    if (others.length > 0) {
      effects.push({
        kind: 'send',
        to: others,
        message: { type: 'participant-left', participantId: member.p.id, reason },
      });
    }
    if (!keepBindings && ![...this.members.values()].some((m) => m.p.userId === member.p.userId)) {
      this.bindings.dropUser(member.p.userId);
    }
    if (this.hands.set(member.p.id, false)) effects.push(...this.handsMessage());
    return effects;
  }

  private handsChanged(member: Member): RoomEffect[] {
    return this.hands.set(member.p.id, member.p.state.handRaised) ? this.handsMessage() : [];
  }

  private handsMessage(): RoomEffect[] {
    const to = this.connectedIds();
    return to.length > 0 ? [{ kind: 'send', to, message: { type: 'hands', order: this.hands.order } }] : [];
  }

  private stateChanged(member: Member): RoomEffect[] {
    return this.toOthers(member, {
      type: 'participant-state',
      participantId: member.p.id,
      state: { ...member.p.state },
      connected: member.p.connected,
    });
  }

  private breakoutsChanged(): RoomEffect[] {
    const assignments: Record<string, string | null> = {};
    for (const m of this.members.values()) assignments[m.p.id] = m.p.breakout;
    const to = this.connectedIds();
    return to.length > 0 ? [{ kind: 'send', to, message: { type: 'breakouts', assignments } }] : [];
  }

  private toOthers(member: Member, message: ServerMessage): RoomEffect[] {
    const to = this.connectedIds(member.p.id);
    return to.length > 0 ? [{ kind: 'send', to, message }] : [];
  }

  private connectedIds(except?: string): string[] {
    const ids: string[] = [];
    for (const m of this.members.values()) if (m.p.connected && m.p.id !== except) ids.push(m.p.id);
    return ids;
  }

  /** The user's breakout (null: the main room); undefined when the user is not in presence. */
  private breakoutOf(sub: string): string | null | undefined {
    for (const m of this.members.values()) if (m.p.userId === sub) return m.p.breakout;
    return undefined;
  }
}
