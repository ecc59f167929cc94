/**
 * One Calls session and its one RTCPeerConnection, driven the way partytracks drives Cloudflare's SFU
 * (calls-clients.md §1): pushes with client offers, pulls with SFU offers answered through `/renegotiate`,
 * negotiated closes with a client offer, all serialized on one negotiation queue and batched per tick.
 */
import type { SessionDescription } from '../protocol/calls.ts';
import { SERVER_EVENTS_CHANNEL } from '../protocol/calls.ts';
import {
  CallsApiError,
  CallsItemError,
  isSessionGone,
  type CallsApi,
  type NewSessionOptions,
} from './calls-api.ts';
import { NegotiationQueue, type ItemOutcome } from './negotiation-queue.ts';
import { SessionDataChannels } from './sfu-data-channels.ts';
import { IncomingTracks } from './sfu-incoming-tracks.ts';
import { answerOffer, offerAndApply, waitForBytesSent } from './sfu-exchange.ts';
import { candidateAddresses, SessionHealth } from './sfu-session-health.ts';
import {
  closeOutcomes,
  DEFAULTS,
  simulcastOf,
  SfuSessionError,
  SfuSessionLostEvent,
  SfuSessionStateEvent,
  takePullResult,
  type CloseOptions,
  type DataChannelReliability,
  type PublishOptions,
  type PublishResult,
  type PulledTrack,
  type PullRequest,
  type PullUpdate,
  type SfuSessionEventMap,
  type SfuSessionOptions,
  type SfuSessionState,
  type SubscribeDataChannelOptions,
} from './sfu-session-types.ts';

export * from './sfu-session-types.ts';

interface PublishItem {
  track: MediaStreamTrack;
  trackName: string;
  sendEncodings?: RTCRtpEncodingParameters[];
}

interface PullItemResult {
  mid: string;
  track: Promise<MediaStreamTrack>;
}

/** Typed listeners for the session's events (declarations only: EventTarget's own methods do the work). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SfuSession {
  addEventListener<K extends keyof SfuSessionEventMap>(
    type: K,
    listener: (event: SfuSessionEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof SfuSessionEventMap>(
    type: K,
    listener: (event: SfuSessionEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SfuSession extends EventTarget {
  readonly sessionId: string;
  readonly peerConnection: RTCPeerConnection;
  /** The `server-events` channel (ours, or the SFU's where it opened it), once `establishDataChannels` has run. */
  serverEvents: RTCDataChannel | undefined;

  readonly #api: CallsApi;
  readonly #options: typeof DEFAULTS;
  readonly #queue = new NegotiationQueue();
  readonly #incoming: IncomingTracks;
  readonly #pulls = new Map<string, PullRequest>();
  readonly #health: SessionHealth;
  readonly #channels: SessionDataChannels;

  static async create(api: CallsApi, options: SfuSessionOptions = {}): Promise<SfuSession> {
    const request: NewSessionOptions = options.correlationId ? { correlationId: options.correlationId } : {};
    const [{ sessionId }, iceServers] = await Promise.all([
      api.newSession(request),
      options.iceServers ?? [],
    ]);
    if (typeof sessionId !== 'string' || sessionId === '') {
      throw new SfuSessionError('bad_response', 'sessions/new: no sessionId');
    }
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers });
    return new SfuSession(api, sessionId, pc, options);
  }

  private constructor(api: CallsApi, sessionId: string, pc: RTCPeerConnection, options: SfuSessionOptions) {
    super();
    this.#api = api;
    this.sessionId = sessionId;
    this.peerConnection = pc;
    // An option given as undefined keeps its default.
    this.#options = { ...DEFAULTS };
    for (const [key, value] of Object.entries(options) as [keyof typeof DEFAULTS, number][])
      if (value !== undefined && key in DEFAULTS) this.#options[key] = value;
    this.#incoming = new IncomingTracks(pc, this.#options.trackTimeoutMs);
    pc.addEventListener('datachannel', (event) => {
      if (event.channel.label === SERVER_EVENTS_CHANNEL) this.serverEvents = event.channel;
    });
    this.#channels = new SessionDataChannels({
      api,
      sessionId,
      pc,
      queue: this.#queue,
      health: () => this.#health,
      serverEvents: (channel) => (this.serverEvents = channel),
    });
    this.#health = new SessionHealth({
      pc,
      options: this.#options,
      probe: (signal) => this.#api.getSession(this.sessionId, { signal }),
      lost: (reason) => this.#queue.close(new SfuSessionError('session_lost', `session lost: ${reason}`)),
      stateChanged: (state) => {
        this.dispatchEvent(new SfuSessionStateEvent(state));
        if (state === 'lost') this.dispatchEvent(new SfuSessionLostEvent(this.#health.lostReason));
      },
    });
  }

  get state(): SfuSessionState {
    return this.#health.state;
  }

  /**
   * The addresses the SFU announced as ICE candidates (from its last description), in its order: where the
   * media transport tries to connect.
   */
  get announcedAddresses(): string[] {
    return candidateAddresses(this.peerConnection.remoteDescription?.sdp ?? '');
  }

  /** Lost or closed: nothing can be done on this session any more. */
  get #ended(): boolean {
    return this.#health.ended;
  }

  /**
   * Publishes `track`. Resolves only once the sender has sent bytes, so that nobody it is announced to pulls
   * a publication the SFU has no packets for yet (`not_found_track_error`; partytracks #237).
   */
  async publish(track: MediaStreamTrack, options: PublishOptions = {}): Promise<PublishResult> {
    const trackName = options.trackName ?? crypto.randomUUID();
    const item: PublishItem = { track, trackName };
    if (options.sendEncodings) item.sendEncodings = options.sendEncodings;
    const { mid, transceiver } = await this.#publishBatch(item);
    try {
      await waitForBytesSent(transceiver.sender, this.#options.publishTimeoutMs, () =>
        this.#health.assertUsable(),
      );
    } catch (error) {
      // The caller never learns this mid, so the publication is ours to take back.
      void this.close([mid]).catch(() => undefined);
      throw error;
    }
    return { sessionId: this.sessionId, trackName, mid };
  }

  /** Pulls someone's publication into this session. Calls made in the same tick share one `tracks/new`. */
  async pull(request: PullRequest): Promise<PulledTrack> {
    const { mid, track } = await this.#pullBatch({ ...request });
    const { onTrack: _, ...kept } = request;
    this.#pulls.set(mid, kept);
    try {
      return { track: await track, mid };
    } catch (error) {
      void this.close([mid]).catch(() => undefined);
      throw error;
    }
  }

  /** `tracks/update` on a pull: no SDP, so it bypasses the queue as partytracks does. */
  async updatePull(mid: string, update: PullUpdate): Promise<void> {
    this.#health.assertUsable();
    const current = this.#pulls.get(mid);
    if (!current) throw new SfuSessionError('unknown_mid', `no pull on mid ${mid}`);
    const next: PullRequest =
      'sessionId' in update ? { ...update } : { ...current, simulcast: update.simulcast };
    const response = await this.#health.watch(
      this.#api.updateTracks(this.sessionId, {
        tracks: [
          {
            location: 'remote',
            mid,
            sessionId: next.sessionId,
            trackName: next.trackName,
            ...simulcastOf(next),
          },
        ],
      }),
    );
    const item = response.tracks?.find((t) => t.mid === mid) ?? response.tracks?.[0];
    if (item?.errorCode) throw new CallsItemError(item.errorCode, item.errorDescription ?? '', `mid ${mid}`);
    this.#pulls.set(mid, next);
  }

  /**
   * Closes publications or pulls by their mids on this session. Negotiated by default (stop the transceivers,
   * offer, `tracks/close`, apply the answer); `force` tells the SFU to stop forwarding without SDP. A mid
   * that is already closed counts as closed; on a lost or closed session there is nothing left to close.
   */
  async close(mids: readonly string[], options: CloseOptions = {}): Promise<void> {
    if (this.#ended) return;
    const batch = options.force ? this.#forceCloseBatch : this.#closeBatch;
    try {
      await Promise.all(mids.map((mid) => batch(mid)));
    } catch (error) {
      // Lost while the close waited its turn, or because of it (a 410): nothing is left to close.
      const ended =
        isSessionGone(error) ||
        (error instanceof SfuSessionError &&
          (error.code === 'session_lost' || error.code === 'session_closed'));
      if (!ended) throw error;
    }
  }

  /** Swaps the source of a publication (device switch, mute to black) without renegotiation. */
  async replaceTrack(mid: string, track: MediaStreamTrack | null): Promise<void> {
    await this.#transceiver(mid).sender.replaceTrack(track);
  }

  /** Changes a publication's encodings (bitrate, frame rate, active layers) without renegotiation. */
  async setEncodings(mid: string, encodings: readonly Partial<RTCRtpEncodingParameters>[]): Promise<void> {
    const sender = this.#transceiver(mid).sender;
    const parameters = sender.getParameters();
    // The number of encodings and their rids are fixed at negotiation; only their settings may change.
    parameters.encodings = parameters.encodings.map((current, i) => ({ ...current, ...encodings[i] }));
    await sender.setParameters(parameters);
  }

  /** Sets up the session's SCTP transport (`datachannels/establish`) once; later calls share the first. */
  establishDataChannels(): Promise<void> {
    return this.#channels.establish();
  }

  /** Publishes a data channel; every subscriber receives what is sent on the returned channel. */
  publishDataChannel(name: string, options: DataChannelReliability = {}): Promise<RTCDataChannel> {
    return this.#channels.publish(name, options);
  }

  /** Subscribes to another session's data channel. Without `canReply`, what is sent on it is dropped. */
  subscribeDataChannel(
    sessionId: string,
    name: string,
    options: SubscribeDataChannelOptions = {},
  ): Promise<RTCDataChannel> {
    return this.#channels.subscribe(sessionId, name, options);
  }

  /** Closes a data channel this session published or subscribed to. */
  closeDataChannel(channel: RTCDataChannel): Promise<void> {
    return this.#channels.close(channel);
  }

  /** Ends the session. Calls has no delete-session: the SFU drops it once the connection is gone. */
  closeSession(): void {
    if (!this.#health.close()) return;
    this.#queue.close(new SfuSessionError('session_closed', 'session closed'));
    this.peerConnection.close();
    this.#health.closed();
  }

  readonly #publishBatch = this.#queue.batcher<PublishItem, { mid: string; transceiver: RTCRtpTransceiver }>(
    async (items) => {
      this.#health.assertUsable();
      const pc = this.peerConnection;
      const transceivers = items.map((item) =>
        pc.addTransceiver(item.track, {
          direction: 'sendonly',
          ...(item.sendEncodings ? { sendEncodings: item.sendEncodings } : {}),
        }),
      );
      const response = await this.#offer(
        'tracks/new',
        (sessionDescription) =>
          this.#api.newTracks(this.sessionId, {
            sessionDescription,
            tracks: items.map((item, i) => ({
              location: 'local',
              mid: transceivers[i]?.mid ?? '',
              trackName: item.trackName,
            })),
          }),
        () => {
          for (const t of transceivers) t.stop();
        },
      );
      const results = response.tracks ?? [];
      return items.map((item, i): ItemOutcome<{ mid: string; transceiver: RTCRtpTransceiver }> => {
        const transceiver = transceivers[i];
        const mid = transceiver?.mid;
        // A failed item comes back with `mid: ""` but keeps its trackName (calls-api.md §3).
        const result =
          results.find((r) => r.trackName === item.trackName) ?? results.find((r) => r.mid === mid);
        if (!transceiver || !mid || !result) {
          return { ok: false, error: new SfuSessionError('bad_response', `no result for ${item.trackName}`) };
        }
        if (result.errorCode) {
          return {
            ok: false,
            error: new CallsItemError(result.errorCode, result.errorDescription ?? '', item.trackName),
          };
        }
        return { ok: true, value: { mid, transceiver } };
      });
    },
  );

  readonly #pullBatch = this.#queue.batcher<PullRequest, PullItemResult>(async (items) => {
    this.#health.assertUsable();
    const response = await this.#health.watch(
      this.#api.newTracks(this.sessionId, {
        tracks: items.map((item) => ({
          location: 'remote',
          sessionId: item.sessionId,
          trackName: item.trackName,
          ...simulcastOf(item),
        })),
      }),
    );
    const remaining = [...(response.tracks ?? [])];
    const outcomes = items.map((item): ItemOutcome<PullItemResult> => {
      const taken = takePullResult(remaining, item);
      if (!taken.ok) return taken;
      // Registered before setRemoteDescription, which fires the `track` events.
      const track = this.#incoming.wait(taken.value);
      if (item.onTrack) track.then(item.onTrack, () => undefined);
      return { ok: true, value: { mid: taken.value, track } };
    });
    if (response.sessionDescription?.type === 'offer') {
      try {
        await this.#answerSfuOffer(response.sessionDescription);
      } catch (error) {
        for (const o of outcomes) if (o.ok) this.#incoming.forget(o.value.mid);
        throw error;
      }
    } else if (outcomes.some((o) => o.ok)) {
      throw new SfuSessionError('bad_response', 'tracks/new: no offer');
    }
    return outcomes;
  });

  readonly #closeBatch = this.#queue.batcher<string, void>(async (mids) => {
    if (this.#ended) return mids.map(() => ({ ok: true, value: undefined }));
    // partytracks skips the exchange on a PC that is not connected; the SFU still needs telling, without SDP.
    if (this.peerConnection.connectionState !== 'connected') return this.#forceClose(mids);
    const known = mids.filter((mid) => this.#findTransceiver(mid));
    for (const mid of known) this.#findTransceiver(mid)?.stop();
    let outcomes: ItemOutcome<void>[] = [];
    if (known.length > 0) {
      const response = await this.#offer('tracks/close', (sessionDescription) =>
        this.#api.closeTracks(this.sessionId, {
          tracks: known.map((mid) => ({ mid })),
          force: false,
          sessionDescription,
        }),
      );
      outcomes = closeOutcomes(known, response.tracks);
    }
    for (const mid of known) this.#pulls.delete(mid);
    return mids.map((mid) => {
      const i = known.indexOf(mid);
      return i >= 0
        ? (outcomes[i] ?? { ok: true, value: undefined })
        : { ok: false, error: new SfuSessionError('unknown_mid', `no transceiver with mid ${mid}`) };
    });
  });

  readonly #forceCloseBatch = this.#queue.batcher<string, void>((mids) => {
    if (this.#ended) {
      return Promise.resolve(mids.map(() => ({ ok: true as const, value: undefined })));
    }
    return this.#forceClose(mids);
  });

  async #forceClose(mids: readonly string[]): Promise<ItemOutcome<void>[]> {
    let outcomes: ItemOutcome<void>[];
    try {
      const response = await this.#health.watch(
        this.#api.closeTracks(this.sessionId, {
          tracks: mids.map((mid) => ({ mid })),
          force: true,
        }),
      );
      outcomes = closeOutcomes(mids, response.tracks);
    } catch (error) {
      // 410: the session is gone on the SFU, and with it everything it forwarded.
      if (!(error instanceof CallsApiError && error.status === 410)) throw error;
      outcomes = mids.map(() => ({ ok: true, value: undefined }));
    }
    // No SDP: the m-lines stay as they are, but local media stops so the page sees the close.
    for (const mid of mids) {
      const transceiver = this.#findTransceiver(mid);
      if (!transceiver) continue;
      if (this.#pulls.delete(mid)) transceiver.receiver.track.stop();
      else await transceiver.sender.replaceTrack(null);
    }
    return outcomes;
  }

  /** Our offer and the SFU's answer (sfu-exchange.ts), the request watched for a session the SFU dropped. */
  #offer<R extends { sessionDescription?: SessionDescription }>(
    label: string,
    send: (offer: SessionDescription) => Promise<R>,
    undo?: () => void,
  ): Promise<R> {
    return offerAndApply(this.peerConnection, label, (offer) => this.#health.watch(send(offer)), undo);
  }

  async #answerSfuOffer(offer: SessionDescription): Promise<void> {
    const sdp = await answerOffer(this.peerConnection, offer);
    await this.#health.watch(
      this.#api.renegotiate(this.sessionId, { sessionDescription: { type: 'answer', sdp } }),
    );
  }

  #findTransceiver(mid: string): RTCRtpTransceiver | undefined {
    return this.peerConnection
      .getTransceivers()
      .find((t) => t.mid === mid && t.direction !== 'stopped' && t.currentDirection !== 'stopped');
  }

  #transceiver(mid: string): RTCRtpTransceiver {
    const transceiver = this.#findTransceiver(mid);
    if (!transceiver) throw new SfuSessionError('unknown_mid', `no transceiver with mid ${mid}`);
    return transceiver;
  }
}
