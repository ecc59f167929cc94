/**
 * What the Room does with presence's news (PresenceLink's reports, by name): roster changes announced to the
 * page and pruned from the parts that keep per-participant state, a host's mute, removal and end, the lobby,
 * the room's control news and its running recording.
 */
import type { LeaveReason, TrackKind } from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import type { Activity } from './activity.ts';
import type { Notifier } from './notifier.ts';
import type { PresenceFatalCode } from './presence-client.ts';
import type { PresenceLink, PresenceLinkListener } from './presence-link.ts';
import type { Publisher } from './publisher.ts';
import type { QualityMonitor } from './quality-monitor.ts';
import type { RoomControl, ControlMessage } from './room-control.ts';
import type { RoomSession } from './room-session.ts';
import type { RoomStatusState } from './room-status.ts';
import { RoomError } from './room-types.ts';
import { rosterNotifications, type RosterDiff } from './roster.ts';
import { participantView, type SnapshotParts } from './snapshot.ts';
import type { VideoPreferences } from './subscriptions.ts';

export interface RoomPresenceHost {
  readonly out: Notifier;
  readonly st: RoomStatusState;
  session(): RoomSession;
  readonly control: RoomControl;
  readonly publisher: Publisher;
  readonly activity: Activity;
  readonly quality: QualityMonitor;
  readonly prefs: VideoPreferences;
  presence(): PresenceLink;
  parts(): SnapshotParts;
  /** A host muted our microphone (`audio`) or camera. */
  mute(kind: TrackKind): void;
  /** The room ended for us (removed, replaced, refused). */
  end(code: PresenceFatalCode | 'removed', message: string): void;
  leave(reason: LeaveReason): void;
  connectionChanged(): void;
}

export class RoomPresence implements PresenceLinkListener {
  #recording: ActiveRecording | null = null;

  constructor(private readonly h: RoomPresenceHost) {}

  /** The recording running in the room (everyone is shown it), or null. */
  get current(): ActiveRecording | null {
    return this.#recording;
  }

  roster(diff: RosterDiff): void {
    const { h } = this;
    if (diff.welcome && !diff.welcome.resumed) {
      // A new participant (the old one expired): announce what this session already publishes.
      const tracks = h.publisher.announcements();
      if (tracks.length > 0) h.presence().send({ type: 'publish', tracks });
      if (h.session().scope?.chat.published) h.session().announceChat();
    }
    h.activity.prune(diff.gone);
    h.quality.prune(diff.gone);
    h.prefs.prune(diff.gone);
    const parts = h.parts();
    for (const n of rosterNotifications(diff, (p) => participantView(p, parts))) h.out.notify(n);
  }

  muteRequested(kind: TrackKind): void {
    this.h.mute(kind);
    this.h.out.notify({ type: 'muted-by-host', kind });
  }

  recording(recording: ActiveRecording | null): void {
    if ((recording?.id ?? null) === (this.#recording?.id ?? null)) return;
    const previous = this.#recording;
    this.#recording = recording;
    this.h.out.notify({ type: 'recording-change', recording, previous });
  }

  // Before the server's close: teardown closes our socket, so the close does not report it again.
  removed(): void {
    this.h.end('removed', 'removed by a host');
  }

  refused(message: string): void {
    this.h.st.fail(new RoomError('presence-failed', message));
  }

  handled(): void {
    this.h.session().reconcile();
    this.h.out.changed();
  }

  status(): void {
    this.h.connectionChanged();
  }

  fatal(code: PresenceFatalCode, message: string): void {
    this.h.end(code, message);
  }

  control(message: ControlMessage): void {
    for (const n of this.h.control.apply(message)) this.h.out.notify(n);
  }

  waiting(): void {
    const { st, out } = this.h;
    st.waited = true;
    if (st.status === 'joining') st.status = 'waiting';
    out.changed();
  }

  ended(): void {
    this.h.leave('ended');
  }
}
