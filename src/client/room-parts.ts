/**
 * The Room's parts, made and wired to each other (who reports what to whom): the composition root of a Room.
 * The Room holds them, answers the hooks below, and delegates its API to them.
 */
import type { LeaveReason, TrackKind, TrackSource } from '../protocol/presence.ts';
import { Activity } from './activity.ts';
import { Backend } from './backend.ts';
import { ChatLog } from './chat.ts';
import { Connection } from './connection.ts';
import { Devices } from './devices.ts';
import { Notifier } from './notifier.ts';
import { browserMedia, createSfuSession, type RoomDependencies } from './ports.ts';
import { PresenceClient } from './presence-client.ts';
import { PresenceLink, type PresenceLinkOptions } from './presence-link.ts';
import { Publisher } from './publisher.ts';
import { QualityMonitor } from './quality-monitor.ts';
import { ExponentialBackoff } from './reconnect-policy.ts';
import { RoomControl } from './room-control.ts';
import { RoomControls } from './room-controls.ts';
import { RoomPresence } from './room-presence.ts';
import { RoomSession } from './room-session.ts';
import { RoomStatusState } from './room-status.ts';
import type { RoomOptions } from './room-types.ts';
import { SessionScope } from './session-scope.ts';
import { roomSnapshot, type SnapshotParts } from './snapshot.ts';
import { VideoPreferences } from './subscriptions.ts';

/** What the parts ask of the Room itself. */
export interface RoomHooks {
  parts(): SnapshotParts;
  /** A host muted our microphone (`audio`) or camera. */
  mute(kind: TrackKind): void;
  /** The room ended for us (removed, replaced, refused). */
  end(code: string, message: string): void;
  leave(reason: LeaveReason): void;
  /** A join phase (User Timing mark, analytics). */
  mark(name: string): void;
}

export interface RoomParts {
  readonly o: Readonly<RoomOptions>;
  readonly backend: Backend;
  readonly out: Notifier;
  readonly st: RoomStatusState;
  readonly presence: PresenceLink;
  /** Made at the join (the socket's URL is checked then). */
  presenceOptions(): PresenceLinkOptions;
  readonly news: RoomPresence;
  readonly connection: Connection;
  readonly session: RoomSession;
  readonly publisher: Publisher;
  readonly prefs: VideoPreferences;
  readonly chat: ChatLog;
  readonly activity: Activity;
  readonly devices: Devices;
  readonly control: RoomControl;
  readonly controls: RoomControls;
  readonly quality: QualityMonitor;
  /** The overall connection state again, from the status and the two links. */
  updateConnection(): void;
}

export function makeRoomParts(
  options: RoomOptions,
  dependencies: RoomDependencies,
  hooks: RoomHooks,
): RoomParts {
  const o: Readonly<RoomOptions> = { ...options };
  const backend = new Backend(o);
  const out = new Notifier(() => roomSnapshot(hooks.parts()));
  const st = new RoomStatusState(out);
  const media = dependencies.media ?? browserMedia;
  const prefs = new VideoPreferences();
  const chat = new ChatLog();
  const control = new RoomControl();
  const updateConnection = (): void =>
    st.update(session.replacing, presence.port?.status, session.scope?.session.state);
  const connectionChanged = () => {
    updateConnection();
    out.changed();
  };
  const notifyTrack = (
    type: 'track-published' | 'track-unpublished',
    source: TrackSource,
    name: string,
  ): void => out.notify({ type, participantId: presence.roster.selfId ?? '', source, trackName: name });

  const controls = new RoomControls({
    status: () => st.status,
    role: () => st.role,
    selfId: () => presence.roster.selfId,
    send: (message) => presence.send(message),
    sendReaction: (payload) => {
      const reactions = session.live?.reactions;
      if (!reactions?.open) return false;
      reactions.send(payload);
      return true;
    },
    notify: (n) => out.notify(n),
  });
  controls.initialProfile(options.avatarUrl, options.metadata);
  const connection = new Connection({
    api: backend.api,
    iceServers: () => backend.iceServers(),
    createSession: dependencies.createSession ?? createSfuSession,
    policy: dependencies.reconnectPolicy ?? new ExponentialBackoff(),
    onLost: (lost) => void session.onLost(lost),
    onStateChange: connectionChanged,
    mark: (name) => hooks.mark(name),
  });
  const publisher: Publisher = new Publisher(
    { ...options, media },
    {
      scope: (): SessionScope | undefined =>
        st.status === 'joined' && !session.replacing ? session.scope : undefined,
      canPublish: () => st.role !== 'viewer',
      beforePublish: (scope) =>
        o.chat !== false && scope instanceof SessionScope ? scope.publishChannels() : Promise.resolve(),
      send: (message) => presence.send(message),
      published: (source, trackName) => notifyTrack('track-published', source, trackName),
      unpublished: (source, trackName) => notifyTrack('track-unpublished', source, trackName),
      fail: (error) => st.fail(error),
      changed: () => out.changed(),
    },
  );
  const activity = new Activity({
    changed: () => out.changed(),
    activeSpeakerChanged: (participantId) => out.notify({ type: 'active-speaker-change', participantId }),
  });
  const devices = new Devices(media, () => out.changed());
  const quality = new QualityMonitor({
    changed: () => out.changed(),
    qualityChanged: (participantId, q) => out.notify({ type: 'network-quality-change', participantId, ...q }),
    sampled: (samples) => out.notify({ type: 'stats', samples }),
  });
  const news: RoomPresence = new RoomPresence({
    out,
    st,
    session: () => session,
    control,
    publisher,
    activity,
    quality,
    prefs,
    presence: () => presence,
    parts: () => hooks.parts(),
    mute: (kind) => hooks.mute(kind),
    end: (code, message) => hooks.end(code, message),
    leave: (reason) => hooks.leave(reason),
    connectionChanged,
  });
  const presence: PresenceLink = new PresenceLink(news);
  const session: RoomSession = new RoomSession({
    status: () => st.status,
    out,
    presence,
    connection,
    publisher,
    quality,
    prefs,
    chatLog: chat,
    reactions: controls.reactions,
    chat: o.chat !== false,
    fail: (error) => st.fail(error),
    gaveUp: (error) => {
      st.fail(error);
      hooks.leave('disconnected');
    },
    updateConnection,
  });
  const presenceOptions = (): PresenceLinkOptions => ({
    create: dependencies.createPresence ?? ((po) => new PresenceClient(po)),
    url: backend.roomUrl(o.room),
    token: () => backend.tokens.getToken(),
    state: () => publisher.presenceState(),
    profile: () => controls.profile,
  });
  return {
    o,
    backend,
    out,
    st,
    presence,
    presenceOptions,
    news,
    connection,
    session,
    publisher,
    prefs,
    chat,
    activity,
    devices,
    control,
    controls,
    quality,
    updateConnection,
  };
}
