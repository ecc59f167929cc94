/**
 * Everything tied to one Calls session, created with it and dropped whole when it is replaced or the room
 * is left: its pulls and its chat channels. Work that finishes after that sees `live` false and does nothing,
 * instead of comparing sessions everywhere.
 */
import type { ActivitySource } from './activity.ts';
import { ChatChannels, type Scope } from './chat.ts';
import { toRoomError } from './errors.ts';
import { REACTIONS_KIND } from './reactions.ts';
import type { CallsSession } from './ports.ts';
import type { Publisher } from './publisher.ts';
import { receiverLevel } from './room-media.ts';
import type { RoomError, RoomNotification } from './room-types.ts';
import type { Roster } from './roster.ts';
import type { StatsSource } from './quality-monitor.ts';
import type { StatEntry } from './stats-sampler.ts';
import { Subscriptions, type VideoPreferences } from './subscriptions.ts';

/** What a session's parts report to the Room. */
export interface ScopeHost {
  changed(): void;
  notify(notification: RoomNotification): void;
  /** A failure that does not end the room. */
  fail(error: RoomError): void;
  reconcile(): void;
  /** Our chat channel is published: tell the others where to pull it from. */
  announceChat(): void;
  chatReceived(sessionId: string, raw: unknown): void;
  reactionReceived(sessionId: string, raw: unknown): void;
}

export class SessionScope implements Scope {
  #live = true;
  readonly subscriptions: Subscriptions;
  readonly chat: ChatChannels;
  /** Unordered and unreliable; failures only cost reactions, so they are not reported. */
  readonly reactions: ChatChannels;

  constructor(
    readonly session: CallsSession,
    prefs: VideoPreferences,
    host: ScopeHost,
  ) {
    // Failures of a session already gone are moot: its replacement does the work again.
    const failed = (error: unknown, code: RoomError['code']) => {
      if (this.reportable()) host.fail(toRoomError(error, code));
    };
    this.subscriptions = new Subscriptions(this, prefs, {
      changed: () => host.changed(),
      subscribed: (pull) => host.notify({ type: 'track-subscribed', ...pull }),
      failed,
      retry: () => host.reconcile(),
    });
    this.chat = new ChatChannels(this, {
      published: () => {
        host.announceChat();
        host.changed();
      },
      received: (sessionId, raw) => host.chatReceived(sessionId, raw),
      failed,
    });
    this.reactions = new ChatChannels(
      this,
      {
        published: () => undefined,
        received: (sessionId, raw) => host.reactionReceived(sessionId, raw),
        failed: () => undefined,
      },
      REACTIONS_KIND,
    );
  }

  /** Our reactions channel, then our chat channel (whose publication announces both). */
  publishChannels(): Promise<void> {
    return this.reactions
      .publish()
      .catch(() => undefined)
      .then(() => this.chat.publish());
  }

  get live(): boolean {
    return this.#live;
  }

  /** A failure of this session's work that is worth reporting: not one of a session already gone. */
  reportable(): boolean {
    return this.#live && this.session.state !== 'lost' && this.session.state !== 'closed';
  }

  /** Drops the pulls and channels and closes the session. */
  dispose(): void {
    if (!this.#live) return;
    this.#live = false;
    this.subscriptions.dispose();
    this.chat.dispose();
    this.reactions.dispose();
    this.session.closeSession();
  }

  /** What Activity samples on this session. */
  activitySource(roster: Roster, publisher: Publisher): ActivitySource {
    const pc = this.session.peerConnection;
    return {
      levels: async () => {
        const levels = new Map<string, number>();
        const transceivers = pc.getTransceivers();
        for (const { participantId, mid } of this.subscriptions.audio()) {
          const p = roster.get(participantId);
          const receiver = transceivers.find((t) => t.mid === mid)?.receiver;
          if (receiver && p && !p.state.muted) levels.set(participantId, receiverLevel(receiver));
        }
        const selfId = roster.selfId;
        const mic = await publisher.microphoneLevel(pc);
        if (selfId && mic !== undefined) levels.set(selfId, mic);
        return levels;
      },
      present: (id) => roster.has(id),
    };
  }

  /** What the quality monitor samples on this session. */
  statsSource(roster: Roster, publisher: Publisher): StatsSource {
    const pc = this.session.peerConnection;
    return {
      stats: async () => {
        const report = await pc.getStats();
        return this.#live ? (report.values() as Iterable<StatEntry>) : undefined;
      },
      context: () => {
        const selfId = roster.selfId;
        if (!selfId || !this.#live) return undefined;
        const sourceFps = new Map<string, number>();
        for (const t of pc.getTransceivers()) {
          const rate = t.sender.track?.kind === 'video' ? t.sender.track.getSettings().frameRate : undefined;
          if (t.mid && rate) sourceFps.set(t.mid, rate);
        }
        return { selfId, inbound: this.subscriptions.inbound(), outbound: publisher.outbound(), sourceFps };
      },
    };
  }
}
