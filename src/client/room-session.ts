/**
 * The Room's current Calls session: its SessionScope (pulls, chat and reactions channels), reconciled against
 * the roster after any change, and its replacement after a loss (a new session re-publishes and re-pulls;
 * presence announces the change).
 *
 * Pulls and chat subscriptions are not driven by individual presence messages but reconciled: what should be
 * received is compared with what is. That makes resumes, breakouts and session replacements the same code
 * path, and duplicates impossible.
 */
import type { ChatLog } from './chat.ts';
import type { Connection } from './connection.ts';
import { toRoomError } from './errors.ts';
import type { Notifier } from './notifier.ts';
import type { CallsSession } from './ports.ts';
import type { PresenceLink } from './presence-link.ts';
import type { Publisher } from './publisher.ts';
import type { QualityMonitor } from './quality-monitor.ts';
import type { Reactions } from './reactions.ts';
import type { RoomError, RoomStatus } from './room-types.ts';
import { SessionScope } from './session-scope.ts';
import type { VideoPreferences } from './subscriptions.ts';

export interface RoomSessionHost {
  status(): RoomStatus;
  readonly out: Notifier;
  readonly presence: PresenceLink;
  readonly connection: Connection;
  readonly publisher: Publisher;
  readonly quality: QualityMonitor;
  readonly prefs: VideoPreferences;
  readonly chatLog: ChatLog;
  readonly reactions: Reactions;
  /** Chat is on (the Room's `chat` option). */
  readonly chat: boolean;
  fail(error: RoomError): void;
  /** No replacement could be made: the room is left. */
  gaveUp(error: RoomError): void;
  updateConnection(): void;
}

export class RoomSession {
  #scope: SessionScope | undefined;
  #replacing = false;

  constructor(private readonly h: RoomSessionHost) {}

  /** The current session's scope (a disposed one until its replacement is ready). */
  get scope(): SessionScope | undefined {
    return this.#scope;
  }

  /** The scope, while it is live. */
  get live(): SessionScope | undefined {
    return this.#scope?.live ? this.#scope : undefined;
  }

  /** A lost session is being replaced. */
  get replacing(): boolean {
    return this.#replacing;
  }

  /** A new session's scope, now the current one. */
  open(session: CallsSession): SessionScope {
    const { out, presence } = this.h;
    this.#scope = new SessionScope(session, this.h.prefs, {
      changed: () => out.changed(),
      notify: (n) => out.notify(n),
      fail: (error) => this.h.status() === 'joined' && this.h.fail(error),
      reconcile: () => this.reconcile(),
      announceChat: () => this.announceChat(),
      chatReceived: (sessionId, raw) => {
        const delivery = this.h.chatLog.incoming(raw, presence.roster.byChatSession(sessionId));
        if (!delivery) return;
        out.notify({ type: 'message', ...delivery });
        out.changed();
      },
      reactionReceived: (sessionId, raw) => {
        const from = presence.roster.byChatSession(sessionId)?.id;
        const emoji = this.h.reactions.incoming(raw, from);
        if (emoji && from) out.notify({ type: 'reaction', participantId: from, emoji });
      },
    });
    return this.#scope;
  }

  /** Pulls and chat subscriptions made to match the roster (nothing while joining or replacing). */
  reconcile(): void {
    const scope = this.#scope;
    if (!scope?.live || this.h.status() !== 'joined' || this.#replacing) return;
    const roster = this.h.presence.roster;
    scope.subscriptions.reconcile(roster.others());
    if (this.h.chat) {
      scope.chat.reconcile(roster.chatSessions());
      scope.reactions.reconcile(roster.chatSessions());
    }
  }

  /** Chat is pulled from the announced session, so participants without tracks are heard too. */
  announceChat(): void {
    const sessionId = this.#scope?.session.sessionId;
    if (sessionId) this.h.presence.send({ type: 'session', session: { sessionId, chat: true } });
  }

  dispose(): void {
    this.#scope?.dispose();
  }

  /** A lost session (ICE failure): a new one re-publishes and re-pulls; presence announces the change. */
  async onLost(lost: CallsSession): Promise<void> {
    const { out, publisher } = this.h;
    if (this.#scope?.session !== lost || this.#replacing || this.h.status() !== 'joined') return;
    this.#replacing = true;
    this.h.updateConnection();
    this.#scope.dispose();
    publisher.suspend();
    this.h.quality.reset();
    out.changed();
    let session: CallsSession | undefined;
    try {
      session = await this.h.connection.replace(() => this.h.status() === 'joined');
    } catch (error) {
      this.#replacing = false;
      this.h.gaveUp(toRoomError(error, 'sfu-failed', true));
      return;
    }
    if (!session) return;
    const scope = this.open(session);
    await publisher.republish(scope);
    this.#replacing = false;
    this.reconcile();
    out.notify({ type: 'session-replaced', sessionId: session.sessionId });
    this.h.updateConnection();
    out.changed();
  }
}
