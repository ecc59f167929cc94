/**
 * The Room: joins a room through the backend (token, presence, Calls proxy) and exposes it as immutable
 * `RoomState` snapshots plus typed notifications. A facade: it owns the status machine, the join, the
 * teardown and the listeners, and wires its parts' reports to named handlers (LiveKit's Room):
 * the Roster (presence mirror), the Connection (Calls sessions), the Publisher (what we send), one
 * SessionScope per session (what we receive, chat channels), Activity, Devices and the ChatLog.
 *
 * Pulls and chat subscriptions are not driven by individual presence messages but reconciled: after any
 * change, what should be received is compared with what is. That makes resumes, breakouts and session
 * replacements the same code path, and duplicates impossible.
 */
import type { LeaveReason, ParticipantRole, TrackSource } from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import { Activity } from './activity.ts';
import { loadCallAnalytics, type RoomAnalytics } from './analytics-loader.ts';
import { ChatLog } from './chat.ts';
import { roleOf } from './claims.ts';
import { Connection, connectionState } from './connection.ts';
import { Devices } from './devices.ts';
import { presenceEndCode, toRoomError, tokenError } from './errors.ts';
import {
  browserMedia,
  createSfuSession,
  type CallsSession,
  type PresencePort,
  type RoomDependencies,
} from './ports.ts';
import { PresenceClient } from './presence-client.ts';
import type { RecordingApiOptions } from './recorder/api.ts';
import { Publisher } from './publisher.ts';
import { ExponentialBackoff } from './reconnect-policy.ts';
import {
  RoomError,
  type ConnectionState,
  type RoomOptions,
  type RoomStatus,
  type RoomState,
  type VideoPreference,
} from './room-types.ts';
import { chatSession, rosterNotifications, type RosterDiff } from './roster.ts';
import { PresenceLink } from './presence-link.ts';
import { QualityMonitor } from './quality-monitor.ts';
import { SessionScope } from './session-scope.ts';
import { idleState, participantView, roomSnapshot, snapshotParts, type SnapshotParts } from './snapshot.ts';
import { Backend } from './backend.ts';
import { Notifier, type Listener } from './notifier.ts';
import { VideoPreferences } from './subscriptions.ts';
import { RoomControl } from './room-control.ts';
import { RoomControls } from './room-controls.ts';
import { participantUpdates } from './participant-updates.ts';

export * from './room-types.ts';
export type { RoomDependencies } from './ports.ts';
export { tileKey } from '../protocol/keys.ts';

export class Room {
  readonly #o: Readonly<RoomOptions>;
  readonly #backend: Backend;
  readonly #out: Notifier;
  readonly #createPresence: NonNullable<RoomDependencies['createPresence']>;
  readonly #presence: PresenceLink;
  readonly #connection: Connection;
  readonly #publisher: Publisher;
  readonly #prefs = new VideoPreferences();
  readonly #chat = new ChatLog();
  readonly #activity: Activity;
  readonly #devices: Devices;
  readonly #control = new RoomControl();
  /** Name, avatar, metadata, hand, reactions and the host's actions. */
  readonly controls: RoomControls;
  #waited = false;
  readonly #quality: QualityMonitor;
  readonly #analytics: RoomAnalytics | undefined;
  #scope: SessionScope | undefined;
  #join: Promise<void> | undefined;

  #status: RoomState['status'] = 'idle';
  #connectionState: ConnectionState = 'new';
  #role: ParticipantRole | undefined;
  #error: RoomError | undefined;
  #replacing = false;
  #recording: ActiveRecording | null = null;

  constructor(options: RoomOptions, dependencies: RoomDependencies = {}) {
    this.#o = { ...options };
    this.#backend = new Backend(this.#o);
    const media = dependencies.media ?? browserMedia;
    this.#createPresence = dependencies.createPresence ?? ((o) => new PresenceClient(o));
    this.#presence = new PresenceLink({
      roster: (diff) => this.#onRoster(diff),
      muteRequested: (kind) => {
        if (kind === 'audio') void this.setMicrophoneEnabled(false);
        else void this.setCameraEnabled(false);
        this.#out.notify({ type: 'muted-by-host', kind });
      },
      recording: (recording) => {
        if ((recording?.id ?? null) === (this.#recording?.id ?? null)) return;
        const previous = this.#recording;
        this.#recording = recording;
        this.#out.notify({ type: 'recording-change', recording, previous });
      },
      // Before the server's close: teardown closes our socket, so the close does not report it again.
      removed: () => this.#end('removed', 'removed by a host'),
      refused: (message) => this.#fail(new RoomError('presence-failed', message)),
      handled: () => {
        this.#reconcile();
        this.#out.changed();
      },
      status: () => {
        this.#updateConnection();
        this.#out.changed();
      },
      fatal: (code, message) => this.#end(code, message),
      control: (message) => {
        for (const n of this.#control.apply(message)) this.#out.notify(n);
      },
      waiting: () => {
        this.#waited = true;
        if (this.#status === 'joining') this.#status = 'waiting';
        this.#out.changed();
      },
      ended: () => this.leave('ended'),
    });
    this.controls = new RoomControls({
      status: () => this.#status,
      role: () => this.#role,
      selfId: () => this.#presence.roster.selfId,
      send: (message) => this.#presence.send(message),
      sendReaction: (payload) => {
        const reactions = this.#scope?.live ? this.#scope.reactions : undefined;
        if (!reactions?.open) return false;
        reactions.send(payload);
        return true;
      },
      notify: (n) => this.#out.notify(n),
    });
    this.controls.initialProfile(options.avatarUrl, options.metadata);
    this.#connection = new Connection({
      api: this.#backend.api,
      iceServers: () => this.#backend.iceServers(),
      createSession: dependencies.createSession ?? createSfuSession,
      policy: dependencies.reconnectPolicy ?? new ExponentialBackoff(),
      onLost: (session) => void this.#onSessionLost(session),
      onStateChange: () => {
        this.#updateConnection();
        this.#out.changed();
      },
      mark: (name) => this.#mark(name),
    });
    this.#publisher = new Publisher(
      { ...options, media },
      {
        scope: () => (this.#status === 'joined' && !this.#replacing ? this.#scope : undefined),
        canPublish: () => this.#role !== 'viewer',
        beforePublish: (scope) =>
          this.#o.chat !== false && scope instanceof SessionScope
            ? scope.publishChannels()
            : Promise.resolve(),
        send: (message) => this.#presence.send(message),
        published: (source, trackName) => this.#notifyTrack('track-published', source, trackName),
        unpublished: (source, trackName) => this.#notifyTrack('track-unpublished', source, trackName),
        fail: (error) => this.#fail(error),
        changed: () => this.#out.changed(),
      },
    );
    this.#activity = new Activity({
      changed: () => this.#out.changed(),
      activeSpeakerChanged: (participantId) =>
        this.#out.notify({ type: 'active-speaker-change', participantId }),
    });
    this.#devices = new Devices(media, () => this.#out.changed());
    this.#quality = new QualityMonitor({
      changed: () => this.#out.changed(),
      qualityChanged: (participantId, q) =>
        this.#out.notify({ type: 'network-quality-change', participantId, ...q }),
      sampled: (samples) => this.#out.notify({ type: 'stats', samples }),
    });
    this.#out = new Notifier(() => roomSnapshot(this.#parts()));
    let last = this.#out.state;
    this.#out.subscribe((n) => {
      if (n.type !== 'change') return;
      const before = last;
      last = n.state;
      for (const update of participantUpdates(before, n.state)) this.#out.notify(update);
    });
    this.#analytics = this.#o.analytics === false ? undefined : this.#newAnalytics();
  }

  #newAnalytics(): RoomAnalytics {
    const analytics = loadCallAnalytics({
      endpoint: this.#o.endpoint,
      room: this.#o.room,
      fetch: this.#o.fetch ?? ((input, init) => fetch(input, init)),
      token: () => this.#backend.tokens.getToken(),
      selfId: () => this.#presence.roster.selfId,
      sessionId: () => this.#scope?.session.sessionId,
      stats: () => this.getStats(),
    });
    this.#out.subscribe((n) => analytics.notified(n));
    return analytics;
  }

  /** The snapshot of a room not joined yet (what an element shows before it has a room). */
  static idleState(): RoomState {
    return idleState();
  }

  /** The current snapshot (taken now when a change is still waiting for its notification). */
  get state(): RoomState {
    return this.#out.state;
  }

  /** The current Calls session (replaced after a loss). */
  get sfuSession(): CallsSession | undefined {
    return this.#scope?.session;
  }

  /** The recording running in the room (everyone is shown it), or null. */
  get recording(): ActiveRecording | null {
    return this.#recording;
  }

  /** Where this room's recording routes are, with its token (for the recorder chunk's `RecordingApi`). */
  recordingAccess(): RecordingApiOptions {
    return {
      endpoint: this.#backend.endpoint,
      room: this.#o.room,
      token: () => this.#backend.tokens.getToken(),
      ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
    };
  }

  get presenceClient(): PresencePort | undefined {
    return this.#presence.port;
  }

  /** True once chat from that participant can be received (their channel is subscribed and open). */
  chatReady(participantId: string): boolean {
    const sessionId = chatSession(this.#presence.roster.get(participantId));
    return !!sessionId && !!this.#scope?.chat.ready(sessionId);
  }

  /** The simulcast layer (rid) asked of the SFU for a tile's video; undefined when not pulled. */
  requestedLayer(tileKey: string): string | undefined {
    return this.#scope?.subscriptions.requestedLayer(tileKey);
  }

  subscribe(listener: Listener): () => void {
    return this.#out.subscribe(listener);
  }

  // ---- joining and leaving -----------------------------------------------------------------------------

  /** Joins once; later calls share the first attempt. Rejects with a `RoomError` (also notified). */
  join(): Promise<void> {
    this.#join ??= this.#doJoin().catch((error: unknown) => {
      const roomError = toRoomError(error, 'sfu-failed', true);
      this.#failRoom(roomError);
      throw roomError;
    });
    return this.#join;
  }

  async #doJoin(): Promise<void> {
    this.#status = 'joining';
    this.#setConnection('connecting');
    this.#out.changed();
    let token: string;
    try {
      this.#mark('join');
      token = await this.#backend.tokens.getToken();
      this.#mark('token');
    } catch (error) {
      throw tokenError(error);
    }
    this.#role = roleOf(token);
    const media =
      this.#role !== 'viewer'
        ? this.#publisher.acquireInitial().finally(() => this.#mark('media'))
        : Promise.resolve([]);
    const mediaSettled = Promise.allSettled([media]).then(([r]) => r);
    // The session and presence in parallel; pulls start as soon as both exist, while the session's
    // transport is still connecting (they queue behind the data channels' exchange, which stays first).
    const [first, presence] = await Promise.allSettled([
      this.#connection.open(),
      this.#presence
        .connect({
          create: this.#createPresence,
          url: this.#backend.roomUrl(this.#o.room),
          token: () => this.#backend.tokens.getToken(),
          state: () => this.#publisher.presenceState(),
          profile: () => this.controls.profile,
        })
        .finally(() => this.#mark('welcome')),
    ]);
    let opened = first;
    // The lobby held us: the proxy refused the session made meanwhile, and makes one now that we are in.
    if (this.#waited && opened.status === 'rejected' && presence.status === 'fulfilled') {
      if ((this.#status as RoomStatus) === 'waiting') this.#status = 'joining';
      [opened] = await Promise.allSettled([this.#connection.open()]);
    }
    if ((this.#status as RoomStatus) === 'waiting') this.#status = 'joining';
    if (opened.status === 'rejected' || presence.status === 'rejected') {
      if (opened.status === 'fulfilled') opened.value.session.closeSession();
      void mediaSettled.then((r) => {
        if (r.status === 'fulfilled') for (const t of r.value) t.stop();
      });
      throw presence.status === 'rejected' ? presence.reason : (opened as PromiseRejectedResult).reason;
    }
    const { session, ready } = opened.value;
    if (this.#status !== 'joining') {
      session.closeSession();
      throw new RoomError('not-joined', 'left while joining', true);
    }
    const scope = this.#newScope(session);
    this.#status = 'joined';
    this.#reconcile();
    await ready;
    // Joined means we hear everyone's chat: the pulls exist at the SFU, which holds messages until they open.
    await Promise.race([scope.chat.subscribed(), new Promise((r) => setTimeout(r, 5000))]);
    this.#updateConnection();
    this.#activity.start(() =>
      this.#status === 'joined' && this.#scope?.live
        ? this.#scope.activitySource(this.#presence.roster, this.#publisher)
        : undefined,
    );
    this.#quality.start(() =>
      this.#status === 'joined' && this.#scope?.live && !this.#replacing
        ? this.#scope.statsSource(this.#presence.roster, this.#publisher)
        : undefined,
    );
    this.#out.notify({
      type: 'joined',
      participantId: this.#presence.roster.selfId ?? '',
      room: this.#o.room,
    });
    this.#out.changed();
    void this.#devices.refresh();
    const mediaResult = await mediaSettled;
    const tracks = mediaResult.status === 'fulfilled' ? mediaResult.value : [];
    if (mediaResult.status === 'rejected') this.#fail(toRoomError(mediaResult.reason, 'media-failed'));
    if (scope.live) await this.#publisher.publish(scope, tracks);
    else for (const t of tracks) t.stop();
  }

  /** Leaves the room: presence `leave`, the Calls session closed, local media stopped. */
  leave(reason: LeaveReason = 'left'): void {
    if (this.#status === 'left' || this.#status === 'idle') return;
    this.#teardown();
    this.#status = 'left';
    this.#setConnection('disconnected');
    this.#out.notify({ type: 'left', reason });
    this.#out.changed();
  }

  #teardown(): void {
    this.#activity.stop();
    this.#quality.stop();
    this.#presence.close();
    this.#scope?.dispose();
    this.#publisher.stop();
    this.#backend.tokens.close();
    this.#devices.dispose();
  }

  // ---- actions -----------------------------------------------------------------------------------------

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.#publisher.setMicrophoneEnabled(enabled);
  }

  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#publisher.setCameraEnabled(enabled);
  }

  startScreenShare(): Promise<void> {
    return this.#publisher.startScreenShare();
  }

  stopScreenShare(): Promise<void> {
    return this.#publisher.stopScreenShare();
  }

  /** Sends chat text (a string) or any JSON-serializable data to everyone in our breakout. */
  send(data: unknown): void {
    const scope = this.#scope;
    if (!scope?.live || !scope.chat.open) throw new RoomError('chat-failed', 'chat unavailable');
    const { selfId = '', self } = {
      selfId: this.#presence.roster.selfId,
      self: this.#presence.roster.self(),
    };
    const { payload, delivery } = this.#chat.outgoing(data, { id: selfId, name: self?.name ?? this.#o.name });
    scope.chat.send(payload);
    this.#out.notify({ type: 'message', ...delivery });
    this.#out.changed();
  }

  selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void> {
    return this.#publisher.selectDevice(kind, deviceId);
  }

  /** New camera limits, applied to the live sender's encodings (every simulcast layer scaled): no renegotiation. */
  setCameraLimits(maxBitrate?: number, maxFramerate?: number): Promise<void> {
    return this.#publisher.setCameraLimits(maxBitrate, maxFramerate);
  }

  /** A tile says how big it is and whether it is visible: picks the layer, or stops the video. */
  setVideoPreference(tileKey: string, preference: VideoPreference): void {
    if (!this.#prefs.set(tileKey, preference)) return;
    this.#reconcile();
    this.#out.changed();
  }

  /** Host: breakout per participant id (null = main room). */
  assignBreakouts(assignments: Record<string, string | null>): void {
    this.#presence.send({ type: 'assign-breakouts', assignments });
  }

  endBreakouts(): void {
    this.#presence.send({ type: 'end-breakouts' });
  }

  muteParticipant(participantId: string, kind: 'audio' | 'video' = 'audio'): void {
    this.#presence.send({ type: 'mute-request', participantId, kind });
  }

  removeParticipant(participantId: string): void {
    this.#presence.send({ type: 'remove', participantId });
  }

  async getStats(): Promise<RTCStatsReport | undefined> {
    return this.#scope?.session.peerConnection.getStats();
  }

  // ---- presence ----------------------------------------------------------------------------------------

  /** The room ended for us (removed, replaced, refused): one `error` and one `left`, whichever comes first. */
  #end(code: string, message: string): void {
    this.#failRoom(new RoomError(presenceEndCode(code), message, true));
    this.#out.notify({ type: 'left', reason: code === 'removed' ? 'removed' : 'disconnected' });
  }

  #failRoom(error: RoomError): void {
    this.#teardown();
    this.#status = 'failed';
    this.#setConnection('disconnected');
    this.#fail(error);
  }

  #onRoster(diff: RosterDiff): void {
    if (diff.welcome && !diff.welcome.resumed) {
      // A new participant (the old one expired): announce what this session already publishes.
      const tracks = this.#publisher.announcements();
      if (tracks.length > 0) this.#presence.send({ type: 'publish', tracks });
      if (this.#scope?.chat.published) this.#announceChat();
    }
    this.#activity.prune(diff.gone);
    this.#quality.prune(diff.gone);
    this.#prefs.prune(diff.gone);
    const parts = this.#parts();
    for (const n of rosterNotifications(diff, (p) => participantView(p, parts))) this.#out.notify(n);
  }

  /** Chat is pulled from the announced session, so participants without tracks are heard too. */
  #announceChat(): void {
    const sessionId = this.#scope?.session.sessionId;
    if (sessionId) this.#presence.send({ type: 'session', session: { sessionId, chat: true } });
  }

  // ---- the Calls session -------------------------------------------------------------------------------

  #newScope(session: CallsSession): SessionScope {
    this.#scope = new SessionScope(session, this.#prefs, {
      changed: () => this.#out.changed(),
      notify: (n) => this.#out.notify(n),
      fail: (error) => this.#status === 'joined' && this.#fail(error),
      reconcile: () => this.#reconcile(),
      announceChat: () => this.#announceChat(),
      chatReceived: (sessionId, raw) => {
        const delivery = this.#chat.incoming(raw, this.#presence.roster.byChatSession(sessionId));
        if (!delivery) return;
        this.#out.notify({ type: 'message', ...delivery });
        this.#out.changed();
      },
      reactionReceived: (sessionId, raw) => {
        const from = this.#presence.roster.byChatSession(sessionId)?.id;
        const emoji = this.controls.reactions.incoming(raw, from);
        if (emoji && from) this.#out.notify({ type: 'reaction', participantId: from, emoji });
      },
    });
    return this.#scope;
  }

  /** A lost session (ICE failure): a new one re-publishes and re-pulls; presence announces the change. */
  async #onSessionLost(lost: CallsSession): Promise<void> {
    if (this.#scope?.session !== lost || this.#replacing || this.#status !== 'joined') return;
    this.#replacing = true;
    this.#updateConnection();
    this.#scope.dispose();
    this.#publisher.suspend();
    this.#quality.reset();
    this.#out.changed();
    let session: CallsSession | undefined;
    try {
      session = await this.#connection.replace(() => this.#status === 'joined');
    } catch (error) {
      this.#replacing = false;
      this.#fail(toRoomError(error, 'sfu-failed', true));
      this.leave('disconnected');
      return;
    }
    if (!session) return;
    const scope = this.#newScope(session);
    await this.#publisher.republish(scope);
    this.#replacing = false;
    this.#reconcile();
    this.#out.notify({ type: 'session-replaced', sessionId: session.sessionId });
    this.#updateConnection();
    this.#out.changed();
  }

  #reconcile(): void {
    const scope = this.#scope;
    if (!scope?.live || this.#status !== 'joined' || this.#replacing) return;
    scope.subscriptions.reconcile(this.#presence.roster.others());
    if (this.#o.chat !== false) {
      scope.chat.reconcile(this.#presence.roster.chatSessions());
      scope.reactions.reconcile(this.#presence.roster.chatSessions());
    }
  }

  // ---- snapshots and notifications ---------------------------------------------------------------------

  #parts(): SnapshotParts {
    return snapshotParts({
      status: this.#status,
      connection: this.#connectionState,
      room: this.#o.room,
      role: this.#role,
      chatOption: this.#o.chat !== false,
      error: this.#error,
      roster: this.#presence.roster,
      publisher: this.#publisher,
      subscriptions: this.#scope?.live ? this.#scope.subscriptions : undefined,
      activity: this.#activity,
      quality: this.#quality.quality,
      chat: this.#chat,
      devices: this.#devices,
      control: this.#control,
    });
  }

  #updateConnection(): void {
    const state = connectionState(
      this.#status,
      this.#replacing,
      this.#presence.port?.status,
      this.#scope?.session.state,
    );
    if (state) this.#setConnection(state);
  }

  #setConnection(state: ConnectionState): void {
    if (state === this.#connectionState) return;
    const previous = this.#connectionState;
    this.#connectionState = state;
    this.#out.notify({ type: 'connection-state-change', state, previous });
    this.#out.changed();
  }

  #fail(error: RoomError): void {
    this.#error = error;
    this.#out.notify({ type: 'error', error });
    this.#out.changed();
  }

  /** A join phase: a User Timing mark, and the analytics' join phases. */
  #mark(name: string): void {
    mark(name);
    this.#analytics?.mark(name);
  }

  #notifyTrack(type: 'track-published' | 'track-unpublished', source: TrackSource, trackName: string): void {
    this.#out.notify({ type, participantId: this.#presence.roster.selfId ?? '', source, trackName });
  }
}

/** Join phases as User Timing marks (`calls-room:token` …), for `bench:join` and the browser's profiler. */
function mark(name: string): void {
  globalThis.performance?.mark?.(`calls-room:${name}`);
}
