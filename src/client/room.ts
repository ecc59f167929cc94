/**
 * The Room model: joins a room through the backend (token, presence, Calls proxy), publishes the local media
 * on one Calls session, pulls everyone else's, carries chat over Calls data channels, and exposes it all as
 * immutable `RoomState` snapshots plus typed notifications. No Lit, no DOM rendering.
 *
 * Pulls, closes and chat subscriptions are not driven by individual presence messages but reconciled: after
 * any change, what should be received (visible participants' tracks, minus tiles that are not visible) is
 * compared with what is, and the difference is pulled or closed. That makes resumes, breakouts and session
 * replacements the same code path, and duplicates impossible.
 */
import { tileKey, trackKey } from '../protocol/keys.ts';
import type {
  LeaveReason,
  Participant,
  ParticipantRole,
  PublishedTrack,
  ServerMessage,
  TrackSource,
} from '../protocol/presence.ts';
import type { SimulcastOptions } from '../protocol/calls.ts';
import { CallsApi } from './calls-api.ts';
import { roleOf } from './claims.ts';
import {
  presenceEndCode,
  presenceJoinError,
  sessionCreateError,
  toRoomError,
  tokenError,
  transportError,
} from './errors.ts';
import { PresenceClient, type PresenceStatus } from './presence-client.ts';
import {
  audioConstraints,
  cameraEncodings,
  getMedia,
  layerForHeight,
  receiverLevel,
  senderLevel,
  simulcastLayers,
  SpeakingDetector,
  videoConstraints,
} from './room-media.ts';
import {
  RoomError,
  type ChatMessage,
  type ConnectionState,
  type DeviceInfo,
  type NetworkQuality,
  type RoomErrorCode,
  type RoomNotification,
  type RoomOptions,
  type RoomState,
  type VideoPreference,
} from './room-types.ts';
import { chatSession, Roster } from './roster.ts';
import { idleState, participantView, roomSnapshot, type SnapshotParts } from './snapshot.ts';
import { SfuSession, SfuSessionLostEvent } from './sfu-session.ts';
import { TokenSource } from './token-source.ts';

export * from './room-types.ts';
export { tileKey } from '../protocol/keys.ts';

const CHAT_CHANNEL = 'chat';
const MAX_CHAT_CHARS = 4000;
const MAX_MESSAGES = 500;
/** How long a video pull waits for its tile's size (a headless Room has no tiles: then it pulls anyway). */
const TILE_SIZE_WAIT_MS = 150;

interface LocalPublication {
  source: TrackSource;
  track: MediaStreamTrack | undefined;
  trackName: string;
  mid: string;
  published: PublishedTrack;
}

interface Pull {
  key: string;
  participantId: string;
  published: PublishedTrack;
  mid: string | undefined;
  track: MediaStreamTrack | undefined;
  rid: string | undefined;
  closed: boolean;
}

type Listener = (notification: RoomNotification) => void;

export class Room {
  readonly #o: RoomOptions;
  readonly #endpoint: string;
  readonly #tokens: TokenSource;
  readonly #api: CallsApi;
  readonly #listeners = new Set<Listener>();
  #presence: PresenceClient | undefined;
  #session: SfuSession | undefined;
  #iceServers: Promise<RTCIceServer[]> | undefined;
  #join: Promise<void> | undefined;

  #status: RoomState['status'] = 'idle';
  #connection: ConnectionState = 'new';
  #role: ParticipantRole | undefined;
  readonly #roster = new Roster();
  readonly #local = new Map<TrackSource, LocalPublication>();
  readonly #pulls = new Map<string, Pull>();
  readonly #prefs = new Map<string, VideoPreference>();
  readonly #sizeWait = new Map<string, number>();
  readonly #quality = new Map<string, NetworkQuality>();
  readonly #lossSeen = new Map<string, { lost: number; received: number }>();
  #ticks = 0;
  #chatOut: RTCDataChannel | undefined;
  readonly #chatIn = new Map<string, RTCDataChannel | 'pending'>();
  #messages: ChatMessage[] = [];
  #micOn: boolean;
  #camOn: boolean;
  #devices: DeviceInfo[] = [];
  #selected: Partial<Record<MediaDeviceKind, string>> = {};
  #error: RoomError | undefined;
  readonly #detectors = new Map<string, SpeakingDetector>();
  readonly #speaking = new Set<string>();
  #activeSpeaker: string | undefined;
  #levelTimer: ReturnType<typeof setInterval> | undefined;
  #replacing = false;
  #changeQueued = false;
  #state: RoomState;

  constructor(options: RoomOptions) {
    this.#o = options;
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
    this.#api = new CallsApi({
      baseUrl: `${this.#endpoint}/calls`,
      authorization: () => this.#tokens.getToken(),
      fetch: fetcher,
      retry: { attempts: 2 },
    });
    this.#micOn = !options.muted;
    this.#camOn = !options.cameraOff;
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
  get sfuSession(): SfuSession | undefined {
    return this.#session;
  }

  get presenceClient(): PresenceClient | undefined {
    return this.#presence;
  }

  /** True once chat from that participant can be received (their channel is subscribed and open). */
  chatReady(participantId: string): boolean {
    const sessionId = chatSession(this.#roster.get(participantId));
    const channel = sessionId ? this.#chatIn.get(sessionId) : undefined;
    return channel !== undefined && channel !== 'pending' && channel.readyState === 'open';
  }

  /** The simulcast layer (rid) asked of the SFU for a tile's video; undefined when not pulled. */
  requestedLayer(tileKey: string): string | undefined {
    for (const pull of this.#pulls.values()) {
      if (pull.published.kind === 'video' && keyOf(pull) === tileKey) return pull.mid ? pull.rid : undefined;
    }
    return undefined;
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
    const canPublish = this.#role !== 'viewer';
    const media = canPublish ? this.#acquireInitialMedia().finally(() => mark('media')) : Promise.resolve([]);
    const mediaSettled = Promise.allSettled([media]).then(([r]) => r);
    // The session and presence in parallel; pulls start as soon as both exist, while the session's
    // transport is still connecting (they queue behind the data channels' exchange, which stays first).
    const created = this.#newSession();
    const presence = this.#connectPresence().finally(() => mark('welcome'));
    const [sessionResult, presenceResult] = await Promise.allSettled([created, presence]);
    if (sessionResult.status === 'rejected' || presenceResult.status === 'rejected') {
      if (sessionResult.status === 'fulfilled') sessionResult.value.session.closeSession();
      void mediaSettled.then((r) => {
        if (r.status === 'fulfilled') for (const t of r.value) t.stop();
      });
      const error: unknown =
        presenceResult.status === 'rejected'
          ? presenceResult.reason
          : sessionResult.status === 'rejected'
            ? sessionResult.reason
            : undefined;
      throw error;
    }
    const { session, ready } = sessionResult.value;
    if (this.#status !== 'joining') {
      session.closeSession();
      throw new RoomError('not-joined', 'left while joining', true);
    }
    this.#session = session;
    this.#status = 'joined';
    this.#reconcile();
    await ready;
    this.#updateConnection();
    this.#startLevels();
    this.#notify({ type: 'joined', participantId: this.#roster.selfId ?? '', room: this.#o.room });
    this.#changed();
    void this.#refreshDevices();
    const mediaResult = await mediaSettled;
    const tracks = mediaResult.status === 'fulfilled' ? mediaResult.value : [];
    if (mediaResult.status === 'rejected') this.#fail(toRoomError(mediaResult.reason, 'media-failed'));
    await this.#publishAll(session, tracks);
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
    clearInterval(this.#levelTimer);
    this.#presence?.close(true);
    this.#session?.closeSession();
    for (const pub of this.#local.values()) pub.track?.stop();
    this.#local.clear();
    for (const pull of this.#pulls.values()) pull.closed = true;
    this.#pulls.clear();
    this.#chatIn.clear();
    this.#chatOut = undefined;
    this.#tokens.close();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#onDeviceChange);
  }

  // ---- actions -----------------------------------------------------------------------------------------

  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.#micOn = enabled;
    const pub = this.#local.get('microphone');
    if (pub?.track) pub.track.enabled = enabled;
    else if (enabled && this.#session && this.#role !== 'viewer') {
      try {
        const stream = await getMedia({ audio: audioConstraints(this.#selected.audioinput) });
        await this.#publishAll(this.#session, stream.getTracks());
      } catch (error) {
        this.#micOn = false;
        this.#fail(toRoomError(error, 'media-failed'));
      }
    }
    this.#presence?.send({ type: 'state', state: { muted: !this.#micOn } });
    this.#changed();
  }

  async setCameraEnabled(enabled: boolean): Promise<void> {
    this.#camOn = enabled;
    const pub = this.#local.get('camera');
    const session = this.#session;
    try {
      if (!enabled && pub?.track) {
        pub.track.stop();
        pub.track = undefined;
        if (session) await session.replaceTrack(pub.mid, null);
      } else if (enabled && !pub?.track && session && this.#role !== 'viewer') {
        const stream = await getMedia({ video: videoConstraints(this.#selected.videoinput) });
        const track = stream.getVideoTracks()[0]!;
        if (pub) {
          pub.track = track;
          await session.replaceTrack(pub.mid, track);
        } else {
          await this.#publishAll(session, [track]);
        }
      }
    } catch (error) {
      this.#camOn = false;
      this.#fail(toRoomError(error, 'media-failed'));
    }
    this.#presence?.send({ type: 'state', state: { cameraOff: !this.#camOn } });
    this.#changed();
  }

  async startScreenShare(): Promise<void> {
    const session = this.#session;
    if (!session || this.#local.has('screen') || this.#role === 'viewer') return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (error) {
      const denied = error instanceof Error && error.name === 'NotAllowedError';
      this.#fail(
        new RoomError('screen-share-failed', denied ? 'screen share denied' : String(error), false, error),
      );
      return;
    }
    const track = stream.getVideoTracks()[0]!;
    track.contentHint = 'detail';
    track.addEventListener('ended', () => void this.stopScreenShare());
    await this.#publishAll(session, [track], 'screen');
  }

  async stopScreenShare(): Promise<void> {
    const pub = this.#local.get('screen');
    if (!pub) return;
    this.#local.delete('screen');
    pub.track?.stop();
    this.#presence?.send({ type: 'unpublish', trackNames: [pub.trackName] });
    this.#notify({
      type: 'track-unpublished',
      participantId: this.#roster.selfId ?? '',
      source: 'screen',
      trackName: pub.trackName,
    });
    this.#changed();
    await this.#session?.close([pub.mid]).catch(() => undefined);
  }

  /** Sends chat text (a string) or any JSON-serializable data to everyone in our breakout. */
  send(data: unknown): void {
    const channel = this.#chatOut;
    if (!channel || channel.readyState !== 'open') {
      throw new RoomError('chat-failed', 'chat unavailable');
    }
    const text = typeof data === 'string' ? data.slice(0, MAX_CHAT_CHARS) : undefined;
    const payload = {
      id: crypto.randomUUID(),
      at: Date.now(),
      ...(text !== undefined ? { text } : { data }),
    };
    channel.send(JSON.stringify(payload));
    this.#receive(
      {
        id: payload.id,
        from: this.#roster.selfId ?? '',
        fromName: this.#roster.self()?.name ?? this.#o.name,
        at: payload.at,
      },
      text,
      text ?? data,
      true,
    );
  }

  async selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void> {
    this.#selected = { ...this.#selected, [kind]: deviceId };
    const session = this.#session;
    const source = kind === 'videoinput' ? 'camera' : kind === 'audioinput' ? 'microphone' : undefined;
    const pub = source ? this.#local.get(source) : undefined;
    if (session && pub?.track) {
      try {
        const stream = await getMedia(
          kind === 'videoinput'
            ? { video: videoConstraints(deviceId) }
            : { audio: audioConstraints(deviceId) },
        );
        const track = stream.getTracks()[0]!;
        track.enabled = pub.track.enabled;
        await session.replaceTrack(pub.mid, track);
        pub.track.stop();
        pub.track = track;
      } catch (error) {
        this.#fail(toRoomError(error, 'media-failed'));
      }
    }
    this.#changed();
  }

  /** New camera limits, applied to the live sender's encodings (every simulcast layer scaled): no renegotiation. */
  async setCameraLimits(maxBitrate?: number, maxFramerate?: number): Promise<void> {
    Object.assign(this.#o, { maxBitrate, maxFramerate });
    const pub = this.#local.get('camera');
    if (!pub || !this.#session) return;
    const encodings = cameraEncodings(this.#o.simulcast !== false, maxBitrate, maxFramerate);
    await this.#session
      .setEncodings(
        pub.mid,
        encodings.map((e) => ({ maxFramerate: undefined, ...e })),
      )
      .catch((error: unknown) => this.#fail(toRoomError(error, 'publish-failed')));
  }

  /** A tile says how big it is and whether it is visible: picks the layer, or stops the video. */
  setVideoPreference(tileKey: string, preference: VideoPreference): void {
    const previous = this.#prefs.get(tileKey);
    if (previous && previous.visible === preference.visible && previous.height === preference.height) return;
    this.#prefs.set(tileKey, { ...preference });
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
    return this.#session?.peerConnection.getStats();
  }

  // ---- presence ----------------------------------------------------------------------------------------

  async #connectPresence(): Promise<void> {
    const url = new URL(`${this.#endpoint}/rooms/${encodeURIComponent(this.#o.room)}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.#presence = new PresenceClient({
      url: url.href,
      token: () => this.#tokens.getToken(),
      state: () => ({ muted: !this.#micOn, cameraOff: !this.#camOn }),
      onMessage: (message) => this.#onPresence(message),
      onStatus: (status) => this.#onPresenceStatus(status),
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
    const roomCode = presenceEndCode(code);
    this.#teardown();
    this.#status = 'failed';
    this.#setConnection('disconnected');
    this.#fail(new RoomError(roomCode, message, true));
    this.#notify({ type: 'left', reason: code === 'removed' ? 'removed' : 'disconnected' });
  }

  #onPresenceStatus(_status: PresenceStatus): void {
    this.#updateConnection();
    this.#changed();
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
      if (this.#local.size > 0) {
        // A new participant (the old one expired): announce what this session already publishes.
        this.#presence?.send({ type: 'publish', tracks: [...this.#local.values()].map((l) => l.published) });
      }
      if (this.#chatOut) this.#announceChat();
    }
    for (const id of diff.gone) this.#detectors.delete(id);
    for (const { participant, track } of diff.published)
      this.#notify({
        type: 'track-published',
        participantId: participant.id,
        source: track.source,
        trackName: track.trackName,
      });
    for (const { participant, track } of diff.unpublished)
      this.#notify({
        type: 'track-unpublished',
        participantId: participant.id,
        source: track.source,
        trackName: track.trackName,
      });
    const parts = this.#parts();
    for (const { participant, reason } of diff.left)
      this.#notify({ type: 'participant-left', participant: participantView(participant, parts), reason });
    for (const participant of diff.joined)
      this.#notify({ type: 'participant-joined', participant: participantView(participant, parts) });
  }

  // ---- the Calls session -------------------------------------------------------------------------------

  #fetchIceServers(): Promise<RTCIceServer[]> {
    this.#iceServers ??= (async () => {
      try {
        const response = await (this.#o.fetch ?? globalThis.fetch)(`${this.#endpoint}/ice-servers`, {
          headers: { authorization: `Bearer ${await this.#tokens.getToken()}` },
        });
        if (!response.ok) return [];
        const body = (await response.json()) as { iceServers?: RTCIceServer[] };
        return body.iceServers ?? [];
      } catch {
        return [];
      }
    })();
    return this.#iceServers;
  }

  /**
   * A new session whose data channels are established (the BUNDLE tag) before anything else. Returned as soon
   * as that exchange is queued, with `ready` for the connected transport.
   */
  async #newSession(): Promise<{ session: SfuSession; ready: Promise<void> }> {
    let session: SfuSession;
    try {
      const iceServers = this.#fetchIceServers().finally(() => mark('ice-servers'));
      session = await SfuSession.create(this.#api, { iceServers });
      mark('session');
    } catch (error) {
      throw sessionCreateError(error);
    }
    session.addEventListener(SfuSessionLostEvent.eventName, () => void this.#replaceSession(session));
    session.addEventListener('state-change', () => {
      this.#updateConnection();
      this.#changed();
    });
    // First, always: the data channel's m=application section becomes the BUNDLE tag, so later closes of
    // media m-lines never move the transport.
    const ready = session.establishDataChannels().then(
      () => mark('transport'),
      (error: unknown) => {
        const addresses = session.announcedAddresses;
        session.closeSession();
        throw transportError(error, addresses);
      },
    );
    // Whoever gives up on the join before awaiting it must not leave an unhandled rejection behind.
    ready.catch(() => undefined);
    return { session, ready };
  }

  /** A lost session (ICE failure): a new one re-publishes and re-pulls; presence announces the change. */
  async #replaceSession(lost: SfuSession): Promise<void> {
    if (this.#session !== lost || this.#replacing || this.#status !== 'joined') return;
    this.#replacing = true;
    this.#updateConnection();
    lost.closeSession();
    for (const pull of this.#pulls.values()) pull.closed = true;
    this.#pulls.clear();
    this.#chatIn.clear();
    this.#chatOut = undefined;
    const old = [...this.#local.values()];
    this.#local.clear();
    this.#changed();
    let delay = 250;
    for (let attempt = 0; this.#status === 'joined'; attempt++) {
      try {
        const { session, ready } = await this.#newSession();
        await ready;
        if (this.#status !== 'joined') {
          session.closeSession();
          return;
        }
        this.#session = session;
        this.#presence?.send({ type: 'unpublish', trackNames: old.map((p) => p.trackName) });
        const live = old.filter((p) => p.track && p.track.readyState === 'live');
        const screen = live.find((p) => p.source === 'screen');
        await this.#publishAll(
          session,
          live.filter((p) => p.source !== 'screen').map((p) => p.track!),
        );
        if (screen?.track) await this.#publishAll(session, [screen.track], 'screen');
        this.#replacing = false;
        this.#reconcile();
        this.#notify({ type: 'session-replaced', sessionId: session.sessionId });
        this.#updateConnection();
        this.#changed();
        return;
      } catch (error) {
        if (attempt >= 5) {
          this.#replacing = false;
          this.#fail(toRoomError(error, 'sfu-failed', true));
          this.leave('disconnected');
          return;
        }
        await new Promise((r) => setTimeout(r, Math.random() * delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  async #acquireInitialMedia(): Promise<MediaStreamTrack[]> {
    // A muted join does not open the microphone either (unmuting asks for it, like the camera).
    const wantVideo = this.#camOn;
    const wantAudio = this.#micOn;
    if (!wantVideo && !wantAudio) return [];
    try {
      const stream = await getMedia({
        ...(wantAudio ? { audio: audioConstraints() } : {}),
        ...(wantVideo ? { video: videoConstraints() } : {}),
      });
      return stream.getTracks();
    } catch (error) {
      if (!(error instanceof RoomError) || error.code !== 'media-not-found' || !wantVideo || !wantAudio)
        throw error;
      // One of the two is missing: take what exists, and say what does not.
      const tracks: MediaStreamTrack[] = [];
      for (const c of [{ audio: audioConstraints() }, { video: videoConstraints() }]) {
        try {
          tracks.push(...(await getMedia(c)).getTracks());
        } catch {
          // reported below
        }
      }
      if (tracks.length === 0) throw error;
      this.#fail(error);
      return tracks;
    }
  }

  /** Publishes media (one `tracks/new`) and, the first time, the chat channel; then announces through presence. */
  async #publishAll(session: SfuSession, tracks: MediaStreamTrack[], screen?: 'screen'): Promise<void> {
    if (this.#role === 'viewer') return;
    const chat = this.#o.chat !== false && !this.#chatOut ? this.#publishChat(session) : Promise.resolve();
    const simulcast = this.#o.simulcast !== false;
    const jobs = tracks.map(async (track) => {
      const source: TrackSource = screen ?? (track.kind === 'audio' ? 'microphone' : 'camera');
      if (source === 'microphone') track.enabled = this.#micOn;
      const video = track.kind === 'video';
      const encodings =
        source === 'camera'
          ? cameraEncodings(simulcast, this.#o.maxBitrate, this.#o.maxFramerate)
          : source === 'screen'
            ? [{ maxBitrate: 2_500_000, maxFramerate: 15 }]
            : undefined;
      const trackName = `${source}-${crypto.randomUUID().slice(0, 8)}`;
      const result = await session.publish(track, {
        trackName,
        ...(encodings ? { sendEncodings: encodings } : {}),
      });
      const published: PublishedTrack = {
        sessionId: result.sessionId,
        trackName,
        kind: video ? 'video' : 'audio',
        source,
        ...(source === 'camera' && simulcast ? { simulcast: simulcastLayers(track) } : {}),
      };
      if (source === 'camera' && !this.#camOn) {
        track.stop();
        await session.replaceTrack(result.mid, null);
      }
      const pub: LocalPublication = {
        source,
        track: source === 'camera' && !this.#camOn ? undefined : track,
        trackName,
        mid: result.mid,
        published,
      };
      return pub;
    });
    const settled = await Promise.allSettled([chat, ...jobs]);
    if (this.#session !== session || this.#status !== 'joined') {
      for (const t of tracks) t.stop();
      return;
    }
    const pubs: LocalPublication[] = [];
    for (const [i, r] of settled.entries()) {
      if (r.status === 'fulfilled' && r.value) pubs.push(r.value);
      else if (r.status === 'rejected') {
        if (i > 0) tracks[i - 1]?.stop();
        this.#fail(toRoomError(r.reason, i === 0 ? 'chat-failed' : 'publish-failed'));
      }
    }
    for (const pub of pubs) this.#local.set(pub.source, pub);
    if (pubs.length > 0) this.#presence?.send({ type: 'publish', tracks: pubs.map((p) => p.published) });
    for (const pub of pubs)
      this.#notify({
        type: 'track-published',
        participantId: this.#roster.selfId ?? '',
        source: pub.source,
        trackName: pub.trackName,
      });
    this.#changed();
  }

  async #publishChat(session: SfuSession): Promise<void> {
    const channel = await session.publishDataChannel(CHAT_CHANNEL, { ordered: true });
    if (this.#session !== session) return;
    this.#chatOut = channel;
    this.#announceChat();
    this.#changed();
  }

  /** Chat is pulled from the announced session, so participants without tracks are heard too. */
  #announceChat(): void {
    const sessionId = this.#session?.sessionId;
    if (sessionId) this.#presence?.send({ type: 'session', session: { sessionId, chat: true } });
  }

  // ---- reconciling pulls and chat subscriptions --------------------------------------------------------

  #reconcile(): void {
    const session = this.#session;
    if (!session || this.#status !== 'joined' || this.#replacing) return;
    const desired = new Map<string, { p: Participant; t: PublishedTrack }>();
    const chatSessions = new Set<string>();
    for (const p of this.#roster.others()) {
      const chat = chatSession(p);
      if (chat) chatSessions.add(chat);
      for (const t of p.tracks) {
        const pref = this.#prefs.get(tileKey(p.id, t.source));
        if (t.kind === 'video' && pref && !pref.visible) continue;
        desired.set(trackKey(t), { p, t });
      }
    }
    const closing: string[] = [];
    for (const [key, pull] of this.#pulls) {
      if (desired.has(key)) continue;
      pull.closed = true;
      this.#pulls.delete(key);
      if (pull.mid) closing.push(pull.mid);
    }
    if (closing.length > 0) session.close(closing).catch((e: unknown) => this.#softFail(session, e));
    for (const [key, { p, t }] of desired) {
      const existing = this.#pulls.get(key);
      if (!existing) {
        if (this.#awaitingTileSize(p.id, t)) continue;
        this.#startPull(session, key, p, t);
        continue;
      }
      // The same track announced by a new participant (a rejoin after the old one expired, a backend
      // restart): the pull stays and changes hands.
      existing.participantId = p.id;
      if (existing.mid && t.simulcast) this.#updateLayer(session, existing, t);
    }
    if (this.#o.chat !== false) this.#reconcileChat(session, chatSessions);
  }

  /**
   * A simulcast video whose tile has not reported its size yet waits for it, briefly: pulling a guessed
   * layer and switching a moment later costs a second keyframe wait before the first picture.
   */
  #awaitingTileSize(participantId: string, t: PublishedTrack): boolean {
    const key = tileKey(participantId, t.source);
    if (!t.simulcast || this.#prefs.has(key)) return false;
    const since = this.#sizeWait.get(key);
    const now = performance.now();
    if (since === undefined) {
      this.#sizeWait.set(key, now);
      setTimeout(() => this.#reconcile(), TILE_SIZE_WAIT_MS);
      return true;
    }
    return now - since < TILE_SIZE_WAIT_MS;
  }

  #wantedRid(participantId: string, t: PublishedTrack): string {
    const pref = this.#prefs.get(tileKey(participantId, t.source));
    return layerForHeight(t.simulcast, pref?.height ?? 360);
  }

  #startPull(session: SfuSession, key: string, p: Participant, t: PublishedTrack): void {
    const rid = t.simulcast ? this.#wantedRid(p.id, t) : undefined;
    const pull: Pull = {
      key,
      participantId: p.id,
      published: t,
      mid: undefined,
      track: undefined,
      rid,
      closed: false,
    };
    this.#pulls.set(key, pull);
    session
      .pull({
        sessionId: t.sessionId,
        trackName: t.trackName,
        // The tile's <video> gets the track while the exchange finishes: ready when the first frame comes.
        onTrack: (track) => {
          if (pull.closed || pull.track || this.#session !== session) return;
          pull.track = track;
          this.#changed();
        },
        ...(rid
          ? {
              simulcast: simulcastFor(rid),
            }
          : {}),
      })
      .then(({ track, mid }) => {
        if (pull.closed || this.#session !== session) {
          if (this.#session === session) session.close([mid]).catch(() => undefined);
          return;
        }
        pull.mid = mid;
        pull.track = track;
        this.#notify({
          type: 'track-subscribed',
          participantId: p.id,
          source: t.source,
          trackName: t.trackName,
          track,
        });
        this.#changed();
        // The tile may have changed size while the pull was under way.
        if (t.simulcast) this.#updateLayer(session, pull, t);
      })
      .catch((error: unknown) => {
        if (pull.closed || this.#session !== session) return;
        this.#pulls.delete(key);
        this.#changed(); // a track handed over early goes away with it
        this.#softFail(session, error, 'subscribe-failed');
      });
  }

  #updateLayer(session: SfuSession, pull: Pull, t: PublishedTrack): void {
    const rid = this.#wantedRid(pull.participantId, t);
    if (!pull.mid || rid === pull.rid) return;
    const previous = pull.rid;
    pull.rid = rid;
    session
      .updatePull(pull.mid, {
        simulcast: simulcastFor(rid),
      })
      .catch((error: unknown) => {
        pull.rid = previous;
        this.#softFail(session, error, 'subscribe-failed');
      });
  }

  #reconcileChat(session: SfuSession, wanted: Set<string>): void {
    for (const [sessionId, channel] of this.#chatIn) {
      if (wanted.has(sessionId)) continue;
      this.#chatIn.delete(sessionId);
      if (channel !== 'pending') session.closeDataChannel(channel).catch(() => undefined);
    }
    for (const sessionId of wanted) {
      if (this.#chatIn.has(sessionId)) continue;
      this.#chatIn.set(sessionId, 'pending');
      session
        .subscribeDataChannel(sessionId, CHAT_CHANNEL, { ordered: true })
        .then((channel) => {
          if (this.#session !== session || this.#chatIn.get(sessionId) !== 'pending') {
            if (this.#session === session) session.closeDataChannel(channel).catch(() => undefined);
            return;
          }
          this.#chatIn.set(sessionId, channel);
          channel.addEventListener('message', (event) => this.#onChat(sessionId, event.data));
        })
        .catch((error: unknown) => {
          // No longer wanted (that publisher replaced its session meanwhile): the failure is moot.
          if (this.#chatIn.get(sessionId) !== 'pending') return;
          this.#chatIn.delete(sessionId);
          this.#softFail(session, error, 'chat-failed');
        });
    }
  }

  #onChat(sessionId: string, raw: unknown): void {
    if (typeof raw !== 'string' || raw.length > MAX_CHAT_CHARS * 4) return;
    let body: { id?: unknown; at?: unknown; text?: unknown; data?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return;
    }
    const from = this.#roster.byChatSession(sessionId);
    if (!from) return;
    const text = typeof body.text === 'string' ? body.text.slice(0, MAX_CHAT_CHARS) : undefined;
    this.#receive(
      {
        id: typeof body.id === 'string' ? body.id : crypto.randomUUID(),
        from: from.id,
        fromName: from.name,
        at: typeof body.at === 'number' ? body.at : Date.now(),
      },
      text,
      text ?? body.data,
      false,
    );
  }

  #receive(
    meta: { id: string; from: string; fromName: string; at: number },
    text: string | undefined,
    data: unknown,
    isLocal: boolean,
  ): void {
    const message: ChatMessage = Object.freeze({ ...meta, text: text ?? '', isLocal });
    if (text !== undefined) this.#messages = [...this.#messages, message].slice(-MAX_MESSAGES);
    this.#notify({ type: 'message', message, data });
    this.#changed();
  }

  /** A failure that does not end the room; ignored when its session is already gone. */
  #softFail(session: SfuSession, error: unknown, code: RoomErrorCode = 'sfu-failed'): void {
    if (this.#session !== session || this.#status !== 'joined') return;
    if (session.state === 'lost' || session.state === 'closed') return;
    this.#fail(toRoomError(error, code));
  }

  // ---- audio levels and active speaker -----------------------------------------------------------------

  #startLevels(): void {
    clearInterval(this.#levelTimer);
    this.#levelTimer = setInterval(() => void this.#sampleLevels(), 200);
  }

  async #sampleLevels(): Promise<void> {
    const session = this.#session;
    if (!session || this.#status !== 'joined') return;
    const now = performance.now();
    if (++this.#ticks % 10 === 0) void this.#sampleQuality(session);
    const levels = new Map<string, number>();
    const transceivers = session.peerConnection.getTransceivers();
    for (const pull of this.#pulls.values()) {
      if (pull.published.kind !== 'audio' || !pull.mid) continue;
      const p = this.#roster.get(pull.participantId);
      const receiver = transceivers.find((t) => t.mid === pull.mid)?.receiver;
      if (receiver && p && !p.state.muted) levels.set(pull.participantId, receiverLevel(receiver));
    }
    const mic = this.#local.get('microphone');
    const selfId = this.#roster.selfId;
    if (mic?.track && this.#micOn && selfId) {
      const sender = transceivers.find((t) => t.mid === mic.mid)?.sender;
      if (sender) levels.set(selfId, await senderLevel(sender).catch(() => 0));
    }
    let changed = false;
    for (const id of new Set([...levels.keys(), ...this.#speaking])) {
      let detector = this.#detectors.get(id);
      if (!detector) this.#detectors.set(id, (detector = new SpeakingDetector()));
      const speaking = detector.update(levels.get(id) ?? 0, now);
      if (speaking !== this.#speaking.has(id)) {
        changed = true;
        if (speaking) this.#speaking.add(id);
        else this.#speaking.delete(id);
      }
    }
    let active = this.#activeSpeaker;
    if (!active || !this.#speaking.has(active)) {
      let best = 0;
      active = undefined;
      for (const id of this.#speaking) {
        const level = levels.get(id) ?? 0;
        if (level >= best) {
          best = level;
          active = id;
        }
      }
      active ??=
        this.#activeSpeaker && this.#roster.has(this.#activeSpeaker) ? this.#activeSpeaker : undefined;
    }
    if (active !== this.#activeSpeaker) {
      this.#activeSpeaker = active;
      this.#notify({ type: 'active-speaker-change', participantId: active });
      changed = true;
    }
    if (changed) this.#changed();
  }

  /** Network quality per remote participant from their pulls' packet loss over the last interval. */
  async #sampleQuality(session: SfuSession): Promise<void> {
    const stats = await session.peerConnection.getStats().catch(() => undefined);
    if (!stats || this.#session !== session) return;
    const byMid = new Map<string, { lost: number; received: number }>();
    stats.forEach((r: { type: string; mid?: string; packetsLost?: number; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.mid !== undefined) {
        byMid.set(r.mid, { lost: r.packetsLost ?? 0, received: r.packetsReceived ?? 0 });
      }
    });
    const totals = new Map<string, { lost: number; received: number }>();
    // Audio only where there is audio: a simulcast layer switch on the SFU may jump the video's sequence
    // numbers, which the receiver counts as lost packets.
    const withAudio = new Set(
      [...this.#pulls.values()]
        .filter((x) => x.published.kind === 'audio' && x.mid)
        .map((x) => x.participantId),
    );
    for (const pull of this.#pulls.values()) {
      if (pull.published.kind === 'video' && withAudio.has(pull.participantId)) continue;
      const s = pull.mid ? byMid.get(pull.mid) : undefined;
      if (!s) continue;
      const t = totals.get(pull.participantId) ?? { lost: 0, received: 0 };
      totals.set(pull.participantId, { lost: t.lost + s.lost, received: t.received + s.received });
    }
    let changed = false;
    for (const [id, total] of totals) {
      const previous = this.#lossSeen.get(id) ?? { lost: 0, received: 0 };
      this.#lossSeen.set(id, total);
      const lost = Math.max(0, total.lost - previous.lost);
      const received = Math.max(0, total.received - previous.received);
      const ratio = lost + received > 0 ? lost / (lost + received) : 0;
      const quality: NetworkQuality =
        received === 0 ? 'poor' : ratio < 0.02 ? 'good' : ratio < 0.08 ? 'fair' : 'poor';
      if (this.#quality.get(id) !== quality) {
        this.#quality.set(id, quality);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  // ---- devices -----------------------------------------------------------------------------------------

  readonly #onDeviceChange = () => void this.#refreshDevices();

  async #refreshDevices(): Promise<void> {
    const media = navigator.mediaDevices;
    if (!media?.enumerateDevices) return;
    media.removeEventListener('devicechange', this.#onDeviceChange);
    media.addEventListener('devicechange', this.#onDeviceChange);
    const list = await media.enumerateDevices().catch(() => []);
    this.#devices = list
      .filter((d) => d.deviceId !== '')
      .map((d) => Object.freeze({ kind: d.kind, deviceId: d.deviceId, label: d.label }));
    this.#changed();
  }

  // ---- snapshots and notifications ---------------------------------------------------------------------

  #parts(): SnapshotParts {
    const local = this.#local;
    const pulls = this.#pulls;
    return {
      status: this.#status,
      connection: this.#connection,
      room: this.#o.room,
      selfId: this.#roster.selfId,
      self: this.#roster.self(),
      others: this.#roster.others(),
      role: this.#role,
      chatOption: this.#o.chat !== false,
      local: {
        microphoneOn: this.#micOn,
        cameraOn: this.#camOn,
        has: (source) => local.has(source),
        track: (source) => local.get(source)?.track,
      },
      remoteTrack: (participantId, source) =>
        [...pulls.values()].find(
          (pull) => pull.participantId === participantId && pull.published.source === source && pull.track,
        )?.track,
      speaking: this.#speaking,
      quality: this.#quality,
      activeSpeakerId: this.#activeSpeaker,
      messages: this.#messages,
      devices: this.#devices,
      selectedDevices: this.#selected,
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
    if (this.#status === 'left' || this.#status === 'failed' || this.#status === 'idle') return;
    if (this.#status === 'joining') return this.#setConnection('connecting');
    const presence = this.#presence?.status;
    const sfu = this.#session?.state;
    const reconnecting =
      this.#replacing || presence === 'reconnecting' || sfu === 'disconnected' || sfu === 'lost';
    // Connected means the media transport is (ICE+DTLS): joined with a transport still coming up is not.
    this.#setConnection(reconnecting ? 'reconnecting' : sfu === 'connected' ? 'connected' : 'connecting');
  }

  #setConnection(state: ConnectionState): void {
    if (state === this.#connection) return;
    const previous = this.#connection;
    this.#connection = state;
    this.#notify({ type: 'connection-state-change', state, previous });
    this.#changed();
  }

  #fail(error: RoomError): void {
    this.#error = error;
    this.#notify({ type: 'error', error });
    this.#changed();
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

/** Asks for layer `rid`, falling back to the best one (rids sort best first, room-media.ts). */
function simulcastFor(rid: string): SimulcastOptions {
  return { preferredRid: rid, priorityOrdering: 'asciibetical', ridNotAvailable: 'asciibetical' };
}

function keyOf(pull: Pull): string {
  return tileKey(pull.participantId, pull.published.source);
}

/** Join phases as User Timing marks (`calls-room:token` …), for `bench:join` and the browser's profiler. */
function mark(name: string): void {
  globalThis.performance?.mark?.(`calls-room:${name}`);
}
