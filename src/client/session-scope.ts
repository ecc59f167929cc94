/**
 * Everything tied to one Calls session, created with it and dropped whole when it is replaced or the room
 * is left: its pulls and its chat channels. Work that finishes after that sees `live` false and does nothing,
 * instead of comparing sessions everywhere.
 */
import type { ActivitySource, LossTotals } from './activity.ts';
import { ChatChannels, type ChatChannelsListener, type Scope } from './chat.ts';
import type { CallsSession } from './ports.ts';
import type { Publisher } from './publisher.ts';
import { receiverLevel } from './room-media.ts';
import type { Roster } from './roster.ts';
import { Subscriptions, type SubscriptionsListener, type VideoPreferences } from './subscriptions.ts';

export class SessionScope implements Scope {
  #live = true;
  readonly subscriptions: Subscriptions;
  readonly chat: ChatChannels;

  constructor(
    readonly session: CallsSession,
    prefs: VideoPreferences,
    listeners: { subscriptions: SubscriptionsListener; chat: ChatChannelsListener },
  ) {
    this.subscriptions = new Subscriptions(this, prefs, listeners.subscriptions);
    this.chat = new ChatChannels(this, listeners.chat);
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
      lossTotals: async () => {
        const stats = await pc.getStats().catch(() => undefined);
        if (!stats || !this.#live) return undefined;
        const byMid = new Map<string, LossTotals>();
        stats.forEach((r: { type: string; mid?: string; packetsLost?: number; packetsReceived?: number }) => {
          if (r.type === 'inbound-rtp' && r.mid !== undefined)
            byMid.set(r.mid, { lost: r.packetsLost ?? 0, received: r.packetsReceived ?? 0 });
        });
        return this.subscriptions.lossTotals(byMid);
      },
      present: (id) => roster.has(id),
    };
  }
}
