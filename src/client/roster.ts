/**
 * The presence mirror: who is in the room, what they publish, which breakout they are in. A pure state
 * machine like the server's room: `apply(message)` updates the mirror and returns what changed as the page
 * sees it (joins and leaves include breakouts hiding and showing people). No timers, no I/O.
 */
import { trackKey } from '../protocol/keys.ts';
import type { LeaveReason, Participant, PublishedTrack, ServerMessage } from '../protocol/presence.ts';
import type { ParticipantView, RoomNotification } from './room-types.ts';

export interface RosterDiff {
  /** Tracks announced or withdrawn, by participant (in message order). */
  readonly published: readonly { participant: Participant; track: PublishedTrack }[];
  readonly unpublished: readonly { participant: Participant; track: PublishedTrack }[];
  /** No longer visible to us, as they were: left the room, or in another breakout now. */
  readonly left: readonly { participant: Participant; reason: LeaveReason | 'breakout' }[];
  /** Visible now and not before. */
  readonly joined: readonly Participant[];
  /** Ids no longer in the room at all: whatever is kept per participant can go. */
  readonly gone: readonly string[];
  /** Set for a `welcome`. */
  readonly welcome?: { readonly resumed: boolean };
  /** False when the message changed nothing the roster keeps. */
  readonly changed: boolean;
}

const NOTHING: RosterDiff = Object.freeze({
  published: [],
  unpublished: [],
  left: [],
  joined: [],
  gone: [],
  changed: false,
});

export class Roster {
  #selfId: string | undefined;
  #participants = new Map<string, Participant>();

  get selfId(): string | undefined {
    return this.#selfId;
  }

  get(id: string): Participant | undefined {
    return this.#participants.get(id);
  }

  has(id: string): boolean {
    return this.#participants.has(id);
  }

  self(): Participant | undefined {
    return this.#selfId ? this.#participants.get(this.#selfId) : undefined;
  }

  /** The other participants in our breakout (or all in the main room), in join order. */
  others(): Participant[] {
    const breakout = this.self()?.breakout ?? null;
    return [...this.#participants.values()].filter((p) => p.id !== this.#selfId && p.breakout === breakout);
  }

  /** The Calls sessions whose chat we should receive: those of the others visible to us. */
  chatSessions(): Set<string> {
    const sessions = this.others().map(chatSession);
    return new Set(sessions.filter((s): s is string => s !== undefined));
  }

  /** The participant who announced chat on that Calls session. */
  byChatSession(sessionId: string): Participant | undefined {
    return [...this.#participants.values()].find((p) => chatSession(p) === sessionId);
  }

  apply(message: ServerMessage): RosterDiff {
    const before = this.#visible();
    const previous = this.#participants;
    const published: { participant: Participant; track: PublishedTrack }[] = [];
    const unpublished: { participant: Participant; track: PublishedTrack }[] = [];
    let leaveReason: LeaveReason = 'left';
    let welcome: RosterDiff['welcome'];
    const next = new Map(previous);
    const p = 'participantId' in message ? previous.get(message.participantId) : undefined;
    switch (message.type) {
      case 'welcome':
        this.#selfId = message.participantId;
        next.clear();
        for (const q of message.participants) next.set(q.id, q);
        welcome = { resumed: message.resumed };
        break;
      case 'participant-joined':
        next.set(message.participant.id, message.participant);
        break;
      case 'participant-left':
        next.delete(message.participantId);
        leaveReason = message.reason;
        break;
      case 'tracks-published': {
        if (!p) return NOTHING;
        const keys = new Set(message.tracks.map(trackKey));
        const tracks = [...p.tracks.filter((t) => !keys.has(trackKey(t))), ...message.tracks];
        const updated = { ...p, tracks };
        next.set(p.id, updated);
        for (const track of message.tracks) published.push({ participant: updated, track });
        break;
      }
      case 'tracks-unpublished': {
        if (!p) return NOTHING;
        const names = new Set(message.trackNames);
        const updated = { ...p, tracks: p.tracks.filter((t) => !names.has(t.trackName)) };
        next.set(p.id, updated);
        for (const track of p.tracks.filter((t) => names.has(t.trackName)))
          unpublished.push({ participant: updated, track });
        break;
      }
      case 'participant-session':
        if (!p) return NOTHING;
        next.set(p.id, { ...p, session: message.session });
        break;
      case 'participant-profile': {
        if (!p) return NOTHING;
        const { name, avatarUrl, metadata } = message;
        const { avatarUrl: _a, metadata: _m, ...rest } = p;
        next.set(p.id, {
          ...rest,
          name,
          ...(avatarUrl ? { avatarUrl } : {}),
          ...(metadata ? { metadata } : {}),
        });
        break;
      }
      case 'participant-state':
        if (!p) return NOTHING;
        next.set(p.id, { ...p, state: message.state, connected: message.connected });
        break;
      case 'breakouts':
        for (const [id, breakout] of Object.entries(message.assignments)) {
          const q = next.get(id);
          if (q && q.breakout !== breakout) next.set(id, { ...q, breakout });
        }
        break;
      case 'mute-requested':
      case 'removed':
      case 'error':
      case 'recording':
      case 'heartbeat-ack':
      case 'room-settings-changed':
      case 'hands':
      case 'waiting':
      case 'lobby':
      case 'ended':
        return NOTHING;
    }
    this.#participants = next;
    const after = this.#visible();
    const left: { participant: Participant; reason: LeaveReason | 'breakout' }[] = [];
    for (const id of before) {
      const was = previous.get(id);
      if (!after.has(id) && was)
        left.push({ participant: was, reason: next.has(id) ? 'breakout' : leaveReason });
    }
    const joined = [...after].filter((id) => !before.has(id)).map((id) => next.get(id)!);
    const gone = [...previous.keys()].filter((id) => !next.has(id));
    return Object.freeze({
      published,
      unpublished,
      left,
      joined,
      gone,
      changed: true,
      ...(welcome ? { welcome } : {}),
    });
  }

  #visible(): Set<string> {
    return new Set(this.others().map((p) => p.id));
  }
}

/** The Calls session a participant's chat is pulled from (announced with `session`), if any. */
export function chatSession(p: Participant | undefined): string | undefined {
  return p?.session?.chat ? p.session.sessionId : undefined;
}

/** A diff as the page's notifications: tracks first, then leaves, then joins. */
export function rosterNotifications(
  diff: RosterDiff,
  view: (p: Participant) => ParticipantView,
): RoomNotification[] {
  const track =
    (type: 'track-published' | 'track-unpublished') =>
    (x: { participant: Participant; track: PublishedTrack }) =>
      ({
        type,
        participantId: x.participant.id,
        source: x.track.source,
        trackName: x.track.trackName,
      }) as const;
  return [
    ...diff.published.map(track('track-published')),
    ...diff.unpublished.map(track('track-unpublished')),
    ...diff.left.map(
      ({ participant, reason }) =>
        ({ type: 'participant-left', participant: view(participant), reason }) as const,
    ),
    ...diff.joined.map((p) => ({ type: 'participant-joined', participant: view(p) }) as const),
  ];
}
