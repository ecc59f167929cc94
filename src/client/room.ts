/**
 * The Room: joins a room through the backend (token, presence, Calls proxy) and exposes it as immutable
 * `RoomState` snapshots plus typed notifications. A facade: it owns the teardown and the listeners, and wires
 * its parts' reports to named handlers (LiveKit's Room): the status (room-status.ts), the join
 * (join-sequence.ts), the Roster (presence mirror), the Connection (Calls sessions), the current session and
 * its replacement (room-session.ts), the Publisher (what we send), Activity, Devices and the ChatLog.
 */
import type { LeaveReason } from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import { loadCallAnalytics, type RoomAnalytics } from './analytics-loader.ts';
import { presenceEndCode, toRoomError } from './errors.ts';
import { joinSequence } from './join-sequence.ts';
import type { CallsSession, PresencePort, RoomDependencies } from './ports.ts';
import type { RecordingApiOptions } from './recorder/api.ts';
import type { RoomControls } from './room-controls.ts';
import { makeRoomParts, type RoomParts } from './room-parts.ts';
import { RoomError, type RoomOptions, type RoomState, type VideoPreference } from './room-types.ts';
import { chatSession } from './roster.ts';
import { idleState, snapshotParts, type SnapshotParts } from './snapshot.ts';
import type { Listener } from './notifier.ts';
import { participantUpdates } from './participant-updates.ts';

export * from './room-types.ts';
export type { RoomDependencies } from './ports.ts';
export { tileKey } from '../protocol/keys.ts';

export class Room {
  readonly #p: RoomParts;
  /** Name, avatar, metadata, hand, reactions and the host's actions. */
  readonly controls: RoomControls;
  readonly #analytics: RoomAnalytics | undefined;
  #join: Promise<void> | undefined;

  constructor(options: RoomOptions, dependencies: RoomDependencies = {}) {
    this.#p = makeRoomParts(options, dependencies, {
      parts: () => this.#parts(),
      mute: (kind) =>
        void (kind === 'audio' ? this.setMicrophoneEnabled(false) : this.setCameraEnabled(false)),
      end: (code, message) => this.#end(code, message),
      leave: (reason) => this.leave(reason),
      mark: (name) => this.#mark(name),
    });
    this.controls = this.#p.controls;
    const { out } = this.#p;
    let last = out.state;
    out.subscribe((n) => {
      if (n.type !== 'change') return;
      const before = last;
      last = n.state;
      for (const update of participantUpdates(before, n.state)) out.notify(update);
    });
    this.#analytics = this.#p.o.analytics === false ? undefined : this.#newAnalytics();
  }

  #newAnalytics(): RoomAnalytics {
    const analytics = loadCallAnalytics({
      endpoint: this.#p.o.endpoint,
      room: this.#p.o.room,
      fetch: this.#p.o.fetch ?? ((input, init) => fetch(input, init)),
      token: () => this.#p.backend.tokens.getToken(),
      selfId: () => this.#p.presence.roster.selfId,
      sessionId: () => this.#p.session.scope?.session.sessionId,
      stats: () => this.getStats(),
    });
    this.#p.out.subscribe((n) => analytics.notified(n));
    return analytics;
  }

  /** The snapshot of a room not joined yet (what an element shows before it has a room). */
  static idleState(): RoomState {
    return idleState();
  }

  /** The current snapshot (taken now when a change is still waiting for its notification). */
  get state(): RoomState {
    return this.#p.out.state;
  }

  /** The current Calls session (replaced after a loss). */
  get sfuSession(): CallsSession | undefined {
    return this.#p.session.scope?.session;
  }

  /** The recording running in the room (everyone is shown it), or null. */
  get recording(): ActiveRecording | null {
    return this.#p.news.current;
  }

  /** Where this room's recording routes are, with its token (for the recorder chunk's `RecordingApi`). */
  recordingAccess(): RecordingApiOptions {
    return {
      endpoint: this.#p.backend.endpoint,
      room: this.#p.o.room,
      token: () => this.#p.backend.tokens.getToken(),
      ...(this.#p.o.fetch ? { fetch: this.#p.o.fetch } : {}),
    };
  }

  get presenceClient(): PresencePort | undefined {
    return this.#p.presence.port;
  }

  /** True once chat from that participant can be received (their channel is subscribed and open). */
  chatReady(participantId: string): boolean {
    const sessionId = chatSession(this.#p.presence.roster.get(participantId));
    return !!sessionId && !!this.#p.session.scope?.chat.ready(sessionId);
  }

  /** The simulcast layer (rid) asked of the SFU for a tile's video; undefined when not pulled. */
  requestedLayer(tileKey: string): string | undefined {
    return this.#p.session.scope?.subscriptions.requestedLayer(tileKey);
  }

  subscribe(listener: Listener): () => void {
    return this.#p.out.subscribe(listener);
  }

  // ---- joining and leaving -----------------------------------------------------------------------------

  /** Joins once; later calls share the first attempt. Rejects with a `RoomError` (also notified). */
  join(): Promise<void> {
    this.#join ??= joinSequence({
      ...this.#p,
      joined: () => this.#joined(),
      mark: (name) => this.#mark(name),
    }).catch((error: unknown) => {
      const roomError = toRoomError(error, 'sfu-failed', true);
      this.#failRoom(roomError);
      throw roomError;
    });
    return this.#join;
  }

  /** The transport is up and everyone's chat subscribed: the monitors start, and the page hears of it. */
  #joined(): void {
    this.#p.updateConnection();
    const live = () =>
      this.#p.st.status === 'joined' && !this.#p.session.replacing ? this.#p.session.live : undefined;
    this.#p.activity.start(() => live()?.activitySource(this.#p.presence.roster, this.#p.publisher));
    this.#p.quality.start(() => live()?.statsSource(this.#p.presence.roster, this.#p.publisher));
    this.#p.out.notify({
      type: 'joined',
      participantId: this.#p.presence.roster.selfId ?? '',
      room: this.#p.o.room,
    });
    this.#p.out.changed();
    void this.#p.devices.refresh();
  }

  /** Leaves the room: presence `leave`, the Calls session closed, local media stopped. */
  leave(reason: LeaveReason = 'left'): void {
    if (this.#p.st.status === 'left' || this.#p.st.status === 'idle') return;
    this.#teardown();
    this.#p.st.status = 'left';
    this.#p.st.setConnection('disconnected');
    this.#p.out.notify({ type: 'left', reason });
    this.#p.out.changed();
  }

  #teardown(): void {
    this.#p.activity.stop();
    this.#p.quality.stop();
    this.#p.presence.close();
    this.#p.session.dispose();
    this.#p.publisher.stop();
    this.#p.backend.tokens.close();
    this.#p.devices.dispose();
  }

  // ---- actions -----------------------------------------------------------------------------------------

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.#p.publisher.setMicrophoneEnabled(enabled);
  }

  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#p.publisher.setCameraEnabled(enabled);
  }

  startScreenShare(): Promise<void> {
    return this.#p.publisher.startScreenShare();
  }

  stopScreenShare(): Promise<void> {
    return this.#p.publisher.stopScreenShare();
  }

  /** Sends chat text (a string) or any JSON-serializable data to everyone in our breakout. */
  send(data: unknown): void {
    const scope = this.#p.session.live;
    if (!scope?.chat.open) throw new RoomError('chat-failed', 'chat unavailable');
    const { selfId = '', self } = {
      selfId: this.#p.presence.roster.selfId,
      self: this.#p.presence.roster.self(),
    };
    const { payload, delivery } = this.#p.chat.outgoing(data, {
      id: selfId,
      name: self?.name ?? this.#p.o.name,
    });
    scope.chat.send(payload);
    this.#p.out.notify({ type: 'message', ...delivery });
    this.#p.out.changed();
  }

  selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void> {
    return this.#p.publisher.selectDevice(kind, deviceId);
  }

  /** New camera limits, applied to the live sender's encodings (every simulcast layer scaled): no renegotiation. */
  setCameraLimits(maxBitrate?: number, maxFramerate?: number): Promise<void> {
    return this.#p.publisher.setCameraLimits(maxBitrate, maxFramerate);
  }

  /** A tile says how big it is and whether it is visible: picks the layer, or stops the video. */
  setVideoPreference(tileKey: string, preference: VideoPreference): void {
    if (!this.#p.prefs.set(tileKey, preference)) return;
    this.#p.session.reconcile();
    this.#p.out.changed();
  }

  /** Host: breakout per participant id (null = main room). */
  assignBreakouts(assignments: Record<string, string | null>): void {
    this.#p.presence.send({ type: 'assign-breakouts', assignments });
  }

  endBreakouts(): void {
    this.#p.presence.send({ type: 'end-breakouts' });
  }

  muteParticipant(participantId: string, kind: 'audio' | 'video' = 'audio'): void {
    this.#p.presence.send({ type: 'mute-request', participantId, kind });
  }

  removeParticipant(participantId: string): void {
    this.#p.presence.send({ type: 'remove', participantId });
  }

  async getStats(): Promise<RTCStatsReport | undefined> {
    return this.#p.session.scope?.session.peerConnection.getStats();
  }

  // ---- presence ----------------------------------------------------------------------------------------

  /** The room ended for us (removed, replaced, refused): one `error` and one `left`, whichever comes first. */
  #end(code: string, message: string): void {
    this.#failRoom(new RoomError(presenceEndCode(code), message, true));
    this.#p.out.notify({ type: 'left', reason: code === 'removed' ? 'removed' : 'disconnected' });
  }

  #failRoom(error: RoomError): void {
    this.#teardown();
    this.#p.st.status = 'failed';
    this.#p.st.setConnection('disconnected');
    this.#p.st.fail(error);
  }

  // ---- snapshots and notifications ---------------------------------------------------------------------

  #parts(): SnapshotParts {
    return snapshotParts({
      status: this.#p.st.status,
      connection: this.#p.st.connection,
      room: this.#p.o.room,
      role: this.#p.st.role,
      chatOption: this.#p.o.chat !== false,
      error: this.#p.st.error,
      roster: this.#p.presence.roster,
      publisher: this.#p.publisher,
      subscriptions: this.#p.session.live?.subscriptions,
      activity: this.#p.activity,
      quality: this.#p.quality.quality,
      chat: this.#p.chat,
      devices: this.#p.devices,
      control: this.#p.control,
    });
  }

  /** A join phase: a User Timing mark, and the analytics' join phases. */
  #mark(name: string): void {
    mark(name);
    this.#analytics?.mark(name);
  }
}

/** Join phases as User Timing marks (`calls-room:token` …), for `bench:join` and the browser's profiler. */
function mark(name: string): void {
  globalThis.performance?.mark?.(`calls-room:${name}`);
}
