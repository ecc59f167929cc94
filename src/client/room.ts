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
import type { LeaveReason, ParticipantRole, ServerMessage, TrackSource } from '../protocol/presence.ts';
import { Activity } from './activity.ts';
import { CallsApi } from './calls-api.ts';
import { ChatLog } from './chat.ts';
import { roleOf } from './claims.ts';
import { Connection, connectionState } from './connection.ts';
import { Devices } from './devices.ts';
import { presenceEndCode, presenceJoinError, toRoomError, tokenError } from './errors.ts';
import {
  browserMedia,
  createSfuSession,
  type CallsSession,
  type PresencePort,
  type RoomDependencies,
} from './ports.ts';
import { PresenceClient } from './presence-client.ts';
import { Publisher } from './publisher.ts';
import { ExponentialBackoff } from './reconnect-policy.ts';
import {
  RoomError,
  type ConnectionState,
  type RoomErrorCode,
  type RoomNotification,
  type RoomOptions,
  type RoomState,
  type VideoPreference,
} from './room-types.ts';
import { chatSession, Roster } from './roster.ts';
import { SessionScope } from './session-scope.ts';
import { idleState, participantView, roomSnapshot, type SnapshotParts } from './snapshot.ts';
import { VideoPreferences } from './subscriptions.ts';
import { TokenSource } from './token-source.ts';

export * from './room-types.ts';
export type { RoomDependencies } from './ports.ts';
export { tileKey } from '../protocol/keys.ts';

type Listener = (notification: RoomNotification) => void;

export class Room {
  readonly #o: Readonly<RoomOptions>;
  readonly #endpoint: string;
  readonly #tokens: TokenSource;
  readonly #listeners = new Set<Listener>();
  readonly #deps: Required<Pick<RoomDependencies, 'createPresence'>>;
  readonly #connection: Connection;
  readonly #roster = new Roster();
  readonly #publisher: Publisher;
  readonly #prefs = new VideoPreferences();
  readonly #chat = new ChatLog();
  readonly #activity: Activity;
  readonly #devices: Devices;
  #presence: PresencePort | undefined;
  #scope: SessionScope | undefined;
  #join: Promise<void> | undefined;

  #status: RoomState['status'] = 'idle';
  #connectionState: ConnectionState = 'new';
  #role: ParticipantRole | undefined;
  #error: RoomError | undefined;
  #replacing = false;
  #changeQueued = false;
  #state: RoomState;

  constructor(options: RoomOptions, dependencies: RoomDependencies = {}) {
    this.#o = { ...options };
    const f = options.fetch ?? globalThis.fetch;
    const fetcher: typeof fetch = (input, init) => f(input, init);
    this.#endpoint = new URL(options.endpoint || '/api', globalThis.location?.href).href.replace(/\/+$/, '');
    this.#tokens = options.token
      ? TokenSource.fixed(options.token)
      : new TokenSource({
          endpoint: options.tokenEndpoint || `${this.#endpoint}/token`,
          request: { room: options.room, name: options.name },
          fetch: fetcher,
          attempts: 2,
          initialDelayMs: 200,
        });
    const api = new CallsApi({
      baseUrl: `${this.#endpoint}/calls`,
      authorization: () => this.#tokens.getToken(),
      fetch: fetcher,
      retry: { attempts: 2 },
    });
    const media = dependencies.media ?? browserMedia;
    this.#deps = { createPresence: dependencies.createPresence ?? ((o) => new PresenceClient(o)) };
    this.#connection = new Connection({
      api,
      iceServers: () => this.#fetchIceServers(fetcher),
      createSession: dependencies.createSession ?? createSfuSession,
      policy: dependencies.reconnectPolicy ?? new ExponentialBackoff(),
      onLost: (session) => void this.#onSessionLost(session),
      onStateChange: () => {
        this.#updateConnection();
        this.#changed();
      },
      mark,
    });
    this.#publisher = new Publisher(
      {
        media,
        microphoneOn: !options.muted,
        cameraOn: !options.cameraOff,
        simulcast: options.simulcast !== false,
        maxBitrate: options.maxBitrate,
        maxFramerate: options.maxFramerate,
      },
      {
        scope: () => (this.#status === 'joined' && !this.#replacing ? this.#scope : undefined),
        canPublish: () => this.#role !== 'viewer',
        beforePublish: (scope) =>
          this.#o.chat !== false && scope instanceof SessionScope ? scope.chat.publish() : Promise.resolve(),
        send: (message) => this.#presence?.send(message),
        published: (source, trackName) => this.#notifyTrack('track-published', source, trackName),
        unpublished: (source, trackName) => this.#notifyTrack('track-unpublished', source, trackName),
        fail: (error) => this.#fail(error),
        changed: () => this.#changed(),
      },
    );
    this.#activity = new Activity({
      changed: () => this.#changed(),
      activeSpeakerChanged: (participantId) => this.#notify({ type: 'active-speaker-change', participantId }),
    });
    this.#devices = new Devices(media, () => this.#changed());
    this.#state = this.#snapshot();
  }

  /** The snapshot of a room not joined yet (what an element shows before it has a room). */
  static idleState(): RoomState {
    return idleState();
  }

  /** The current snapshot (taken now when a change is still waiting for its notification). */
  get state(): RoomState {
    if (this.#changeQueued) this.#state = this.#snapshot();
    return this.#state;
  }

  /** The current Calls session (replaced after a loss). */
  get sfuSession(): CallsSession | undefined {
    return this.#scope?.session;
  }

  get presenceClient(): PresencePort | undefined {
    return this.#presence;
  }

  /** True once chat from that participant can be received (their channel is subscribed and open). */
  chatReady(participantId: string): boolean {
    const sessionId = chatSession(this.#roster.get(participantId));
    return !!sessionId && !!this.#scope?.chat.ready(sessionId);
  }

  /** The simulcast layer (rid) asked of the SFU for a tile's video; undefined when not pulled. */
  requestedLayer(tileKey: string): string | undefined {
    return this.#scope?.subscriptions.requestedLayer(tileKey);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- joining and leaving -----------------------------------------------------------------------------

  /** Joins once; later calls share the first attempt. Rejects with a `RoomError` (also notified). */
  join(): Promise<void> {
    this.#join ??= this.#doJoin().catch((error: unknown) => {
      const roomError = toRoomError(error, 'sfu-failed', true);
      this.#teardown();
      this.#status = 'failed';
      this.#setConnection('disconnected');
      this.#fail(roomError);
      throw roomError;
    });
    return this.#join;
  }

  async #doJoin(): Promise<void> {
    this.#status = 'joining';
    this.#setConnection('connecting');
    this.#changed();
    let token: string;
    try {
      mark('join');
      token = await this.#tokens.getToken();
      mark('token');
    } catch (error) {
      throw tokenError(error);
    }
    this.#role = roleOf(token);
    const media =
      this.#role !== 'viewer'
        ? this.#publisher.acquireInitial().finally(() => mark('media'))
        : Promise.resolve([]);
    const mediaSettled = Promise.allSettled([media]).then(([r]) => r);
    // The session and presence in parallel; pulls start as soon as both exist, while the session's
    // transport is still connecting (they queue behind the data channels' exchange, which stays first).
    const [opened, presence] = await Promise.allSettled([
      this.#connection.open(),
      this.#connectPresence().finally(() => mark('welcome')),
    ]);
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
    this.#updateConnection();
    this.#activity.start(() =>
      this.#status === 'joined' && this.#scope?.live
        ? this.#scope.activitySource(this.#roster, this.#publisher)
        : undefined,
    );
    this.#notify({ type: 'joined', participantId: this.#roster.selfId ?? '', room: this.#o.room });
    this.#changed();
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
    this.#notify({ type: 'left', reason });
    this.#changed();
  }

  #teardown(): void {
    this.#activity.stop();
    this.#presence?.close(true);
    this.#scope?.dispose();
    this.#publisher.stop();
    this.#tokens.close();
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
    const from = { id: this.#roster.selfId ?? '', name: this.#roster.self()?.name ?? this.#o.name };
    const scope = this.#scope;
    if (!scope?.live || !scope.chat.open) throw new RoomError('chat-failed', 'chat unavailable');
    const { payload, delivery } = this.#chat.outgoing(data, from);
    scope.chat.send(payload);
    this.#notify({ type: 'message', ...delivery });
    this.#changed();
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
    this.#changed();
  }

  /** Host: breakout per participant id (null = main room). */
  assignBreakouts(assignments: Record<string, string | null>): void {
    this.#presence?.send({ type: 'assign-breakouts', assignments });
  }

  endBreakouts(): void {
    this.#presence?.send({ type: 'end-breakouts' });
  }

  muteParticipant(participantId: string, kind: 'audio' | 'video' = 'audio'): void {
    this.#presence?.send({ type: 'mute-request', participantId, kind });
  }

  removeParticipant(participantId: string): void {
    this.#presence?.send({ type: 'remove', participantId });
  }

  async getStats(): Promise<RTCStatsReport | undefined> {
    return this.#scope?.session.peerConnection.getStats();
  }

  // ---- presence ----------------------------------------------------------------------------------------

  async #connectPresence(): Promise<void> {
    const url = new URL(`${this.#endpoint}/rooms/${encodeURIComponent(this.#o.room)}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#presence = this.#deps.createPresence({
      url: url.href,
      token: () => this.#tokens.getToken(),
      state: () => this.#publisher.presenceState(),
      onMessage: (message) => this.#onPresence(message),
      onStatus: () => {
        this.#updateConnection();
        this.#changed();
      },
      onFatal: (code, message) => this.#end(code, message),
    });
    try {
      await this.#presence.connect();
    } catch (error) {
      throw presenceJoinError(error);
    }
  }

  /** The room ended for us (removed, replaced, refused): one `error` and one `left`, whichever comes first. */
  #end(code: string, message: string): void {
    this.#teardown();
    this.#status = 'failed';
    this.#setConnection('disconnected');
    this.#fail(new RoomError(presenceEndCode(code), message, true));
    this.#notify({ type: 'left', reason: code === 'removed' ? 'removed' : 'disconnected' });
  }

  #onPresence(message: ServerMessage): void {
    switch (message.type) {
      case 'mute-requested':
        if (message.kind === 'audio') void this.setMicrophoneEnabled(false);
        else void this.setCameraEnabled(false);
        this.#notify({ type: 'muted-by-host', kind: message.kind });
        break;
      case 'removed':
        // Before the server's close: teardown closes our socket, so the close does not report it again.
        this.#end('removed', 'removed by a host');
        break;
      case 'error':
        if (!message.fatal) this.#fail(new RoomError('presence-failed', message.message));
        break;
      case 'heartbeat-ack':
        return;
      case 'welcome':
      case 'participant-joined':
      case 'participant-left':
      case 'participant-session':
      case 'participant-state':
      case 'tracks-published':
      case 'tracks-unpublished':
      case 'breakouts':
        this.#onRoster(message);
    }
    this.#reconcile();
    this.#changed();
  }

  #onRoster(message: ServerMessage): void {
    const diff = this.#roster.apply(message);
    if (diff.welcome && !diff.welcome.resumed) {
      // A new participant (the old one expired): announce what this session already publishes.
      const tracks = this.#publisher.announcements();
      if (tracks.length > 0) this.#presence?.send({ type: 'publish', tracks });
      if (this.#scope?.chat.published) this.#announceChat();
    }
    this.#activity.prune(diff.gone);
    this.#prefs.prune(diff.gone);
    for (const { participant: p, track: t } of diff.published)
      this.#notify({
        type: 'track-published',
        participantId: p.id,
        source: t.source,
        trackName: t.trackName,
      });
    for (const { participant: p, track: t } of diff.unpublished)
      this.#notify({
        type: 'track-unpublished',
        participantId: p.id,
        source: t.source,
        trackName: t.trackName,
      });
    const parts = this.#parts();
    for (const { participant, reason } of diff.left)
      this.#notify({ type: 'participant-left', participant: participantView(participant, parts), reason });
    for (const participant of diff.joined)
      this.#notify({ type: 'participant-joined', participant: participantView(participant, parts) });
  }

  /** Chat is pulled from the announced session, so participants without tracks are heard too. */
  #announceChat(): void {
    const sessionId = this.#scope?.session.sessionId;
    if (sessionId) this.#presence?.send({ type: 'session', session: { sessionId, chat: true } });
  }

  // ---- the Calls session -------------------------------------------------------------------------------

  #fetchIceServers(fetcher: typeof fetch): Promise<RTCIceServer[]> {
    return (async () => {
      const response = await fetcher(`${this.#endpoint}/ice-servers`, {
        headers: { authorization: `Bearer ${await this.#tokens.getToken()}` },
      });
      if (!response.ok) return [];
      const body = (await response.json()) as { iceServers?: RTCIceServer[] };
      return body.iceServers ?? [];
    })();
  }

  #newScope(session: CallsSession): SessionScope {
    const scope: SessionScope = new SessionScope(session, this.#prefs, {
      subscriptions: {
        changed: () => this.#changed(),
        subscribed: (pull) => this.#notify({ type: 'track-subscribed', ...pull }),
        failed: (error, code) => this.#softFail(scope, error, code),
        retry: () => this.#reconcile(),
      },
      chat: {
        published: () => {
          this.#announceChat();
          this.#changed();
        },
        received: (sessionId, raw) => {
          const delivery = this.#chat.incoming(raw, this.#roster.byChatSession(sessionId));
          if (!delivery) return;
          this.#notify({ type: 'message', ...delivery });
          this.#changed();
        },
        failed: (error, code) => this.#softFail(scope, error, code),
      },
    });
    this.#scope = scope;
    return scope;
  }

  /** A lost session (ICE failure): a new one re-publishes and re-pulls; presence announces the change. */
  async #onSessionLost(lost: CallsSession): Promise<void> {
    if (this.#scope?.session !== lost || this.#replacing || this.#status !== 'joined') return;
    this.#replacing = true;
    this.#updateConnection();
    this.#scope.dispose();
    this.#publisher.suspend();
    this.#activity.reset();
    this.#changed();
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
    this.#notify({ type: 'session-replaced', sessionId: session.sessionId });
    this.#updateConnection();
    this.#changed();
  }

  #reconcile(): void {
    const scope = this.#scope;
    if (!scope?.live || this.#status !== 'joined' || this.#replacing) return;
    const others = this.#roster.others();
    scope.subscriptions.reconcile(others);
    if (this.#o.chat === false) return;
    const wanted = new Set<string>();
    for (const p of others) {
      const chat = chatSession(p);
      if (chat) wanted.add(chat);
    }
    scope.chat.reconcile(wanted);
  }

  /** A failure that does not end the room; ignored when its session is already gone. */
  #softFail(scope: SessionScope, error: unknown, code: RoomErrorCode): void {
    if (this.#status === 'joined' && scope.reportable()) this.#fail(toRoomError(error, code));
  }

  // ---- snapshots and notifications ---------------------------------------------------------------------

  #parts(): SnapshotParts {
    const publisher = this.#publisher;
    const scope = this.#scope;
    return {
      status: this.#status,
      connection: this.#connectionState,
      room: this.#o.room,
      selfId: this.#roster.selfId,
      self: this.#roster.self(),
      others: this.#roster.others(),
      role: this.#role,
      chatOption: this.#o.chat !== false,
      local: {
        microphoneOn: publisher.microphoneOn,
        cameraOn: publisher.cameraOn,
        has: (source) => publisher.has(source),
        track: (source) => publisher.track(source),
      },
      remoteTrack: (id, source) => (scope?.live ? scope.subscriptions.track(id, source) : undefined),
      speaking: this.#activity.speaking,
      quality: this.#activity.quality,
      activeSpeakerId: this.#activity.activeSpeaker,
      messages: this.#chat.messages,
      devices: this.#devices.list,
      selectedDevices: publisher.selectedDevices,
      error: this.#error,
    };
  }

  #snapshot(): RoomState {
    return roomSnapshot(this.#parts());
  }

  /** Coalesces a burst of changes into one snapshot and one notification. */
  #changed(): void {
    if (this.#changeQueued) return;
    this.#changeQueued = true;
    queueMicrotask(() => {
      this.#changeQueued = false;
      this.#state = this.#snapshot();
      this.#notify({ type: 'change', state: this.#state });
    });
  }

  #updateConnection(): void {
    const state = connectionState(
      this.#status,
      this.#replacing,
      this.#presence?.status,
      this.#scope?.session.state,
    );
    if (state) this.#setConnection(state);
  }

  #setConnection(state: ConnectionState): void {
    if (state === this.#connectionState) return;
    const previous = this.#connectionState;
    this.#connectionState = state;
    this.#notify({ type: 'connection-state-change', state, previous });
    this.#changed();
  }

  #fail(error: RoomError): void {
    this.#error = error;
    this.#notify({ type: 'error', error });
    this.#changed();
  }

  #notifyTrack(type: 'track-published' | 'track-unpublished', source: TrackSource, trackName: string): void {
    this.#notify({ type, participantId: this.#roster.selfId ?? '', source, trackName });
  }

  #notify(notification: RoomNotification): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(notification);
      } catch (error) {
        // A page's handler must not break the room; surface it asynchronously, like a DOM event would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** Join phases as User Timing marks (`calls-room:token` …), for `bench:join` and the browser's profiler. */
function mark(name: string): void {
  globalThis.performance?.mark?.(`calls-room:${name}`);
}
