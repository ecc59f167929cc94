/**
 * One Calls session: its endpoints, each delegated to the part that owns it: the request gate (rate limit
 * and lock), the negotiation (peer, SFU offers awaiting answers), the track table and the tracks/new modes,
 * the data channels, and the expiry rules. Every mutating request runs under the session's lock, so
 * overlapping requests are ordered, and one made while an SFU offer is unanswered is refused with 406, as
 * Cloudflare does.
 */
import type {
  CloseTracksResponse,
  DataChannelsResponse,
  EstablishDataChannelsResponse,
  GetSessionStateResponse,
  RenegotiateResponse,
  TracksResponse,
  UpdateTracksResponse,
} from '../protocol/calls.ts';
import type { SfuConfig } from './config.ts';
import { badParams, badSdp, checkBatch } from './errors.ts';
import { sessionExpiry } from './expiry.ts';
import { Negotiation } from './negotiation.ts';
import type { Publications } from './publications.ts';
import { RequestGate } from './request-gate.ts';
import type { DataChannelInput, TrackInput } from './schemas.ts';
import { SessionChannels } from './session-channels.ts';
import { TrackTable, type TrackContext } from './track-table.ts';
import { pullWithOffer, pullWithSfuOffer, updatePulls } from './tracks-pull.ts';
import { publishWithOffer, publishWithoutOffer } from './tracks-publish.ts';

/** What a session needs of the SFU around it. */
export interface SessionContext {
  config: SfuConfig;
  publications: Publications;
  /** Called once, when the session has closed. */
  onClosed(session: Session): void;
}

type Description = { type: 'offer' | 'answer'; sdp: string };

export class Session {
  private readonly gate: RequestGate;
  private readonly negotiation: Negotiation;
  private readonly tracks: TrackTable;
  private readonly channels: SessionChannels;
  private readonly parts: TrackContext;
  closed = false;

  constructor(
    readonly id: string,
    readonly appId: string,
    private readonly context: SessionContext,
  ) {
    const limits = context.config.limits;
    this.gate = new RequestGate(() => this.limits.requestsPerSecond);
    this.negotiation = new Negotiation(context.config, {
      transportReady: () => this.startSinks(),
      failed: () => void this.close(),
      serverEvents: (pipe) => (this.channels.serverEvents = pipe),
    });
    this.tracks = new TrackTable(appId, id, context.publications);
    this.channels = new SessionChannels(appId, id, limits, this.negotiation, context.publications);
    this.parts = {
      appId,
      sessionId: id,
      limits,
      negotiation: this.negotiation,
      tracks: this.tracks,
      publications: context.publications,
    };
  }

  get createdAt(): number {
    return this.negotiation.createdAt;
  }

  private get limits() {
    return this.context.config.limits;
  }

  /** 50 requests per second per session, as Cloudflare's limit. */
  admit(now = Date.now()): void {
    this.gate.admit(now);
  }

  /** Runs one mutation at a time on this session. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.gate.exclusive(task);
  }

  /** The legacy `sessions/new` with an offer: answered at once, publishing nothing by itself. */
  async acceptLegacyOffer(sdp: string): Promise<string> {
    const { answer, sections } = await this.negotiation.applyOffer(sdp);
    if (sections.some((s) => s.kind === 'application' && !s.rejected)) this.negotiation.dataTransport = true;
    return answer;
  }

  async newTracks(body: {
    sessionDescription?: Description | undefined;
    tracks?: TrackInput[] | undefined;
    autoDiscover?: boolean | undefined;
  }): Promise<TracksResponse> {
    this.negotiation.noPendingOffer();
    const items = body.tracks ?? [];
    checkBatch(items.length, this.limits.maxTracksPerCall, 'tracks');
    const locations = new Set(items.map((t) => t.location));
    if (locations.size > 1) throw badParams('All tracks of one request must be local, or all remote');
    if (!items.length && !body.autoDiscover) throw badParams('No tracks given (and autoDiscover is not set)');
    const location = items[0]?.location ?? 'local';
    if (items.some((t) => t.location === undefined))
      throw badParams('Every track needs a location: local or remote');

    const offer = body.sessionDescription;
    if (offer && offer.type !== 'offer') {
      throw badSdp('tracks/new takes an offer; answer an SFU offer with PUT /renegotiate');
    }
    await this.negotiation.connected();
    if (offer) {
      if (location === 'remote') return pullWithOffer(this.parts, offer.sdp, items);
      return publishWithOffer(this.parts, offer.sdp, items, body.autoDiscover === true);
    }
    if (location === 'remote') return pullWithSfuOffer(this.parts, items);
    return publishWithoutOffer(this.parts, items);
  }

  async renegotiate(body: { sessionDescription: Description }): Promise<RenegotiateResponse> {
    const { type, sdp } = body.sessionDescription;
    if (type === 'answer') {
      const { peer, publications } = await this.negotiation.acceptAnswer(sdp);
      for (const p of publications) {
        const source = peer.source(p.mid);
        if (source) this.tracks.publish(p.mid, p.trackName, source, p.bidirectional);
      }
      this.startSinks();
      return {};
    }
    // A client offer (e.g. an ICE restart): answered like any other.
    this.negotiation.noPendingOffer();
    await this.negotiation.connected();
    const { answer } = await this.negotiation.applyOffer(sdp);
    return { sessionDescription: { type: 'answer', sdp: answer } };
  }

  async closeTracks(body: {
    tracks: { mid: string }[];
    force?: boolean | undefined;
    sessionDescription?: Description | undefined;
  }): Promise<CloseTracksResponse> {
    if (!body.tracks.length) throw badParams('tracks must name at least one mid');
    checkBatch(body.tracks.length, this.limits.maxTracksPerCall, 'tracks');
    let answer: string | undefined;
    if (body.force !== true) {
      this.negotiation.noPendingOffer();
      if (!body.sessionDescription || body.sessionDescription.type !== 'offer') {
        throw badParams('A negotiated close (force: false) needs the client offer in sessionDescription');
      }
      await this.negotiation.connected();
      answer = (await this.negotiation.applyOffer(body.sessionDescription.sdp)).answer;
    }
    const tracks = body.tracks.map(({ mid }) => {
      const record = this.tracks.get(mid);
      if (!record?.active) {
        return {
          mid,
          errorCode: 'close_track_error' as const,
          errorDescription: "Track doesn't exist or was already closed",
        };
      }
      this.tracks.stop(record);
      return { mid };
    });
    return {
      ...(answer ? { sessionDescription: { type: 'answer' as const, sdp: answer } } : {}),
      tracks,
      requiresImmediateRenegotiation: false,
    };
  }

  updateTracks(body: { tracks: TrackInput[] }): Promise<UpdateTracksResponse> {
    checkBatch(body.tracks.length, this.limits.maxTracksPerCall, 'tracks');
    return updatePulls(this.parts, body.tracks);
  }

  state(): GetSessionStateResponse {
    return { tracks: this.tracks.states(), dataChannels: this.channels.states() };
  }

  establishDataChannels(body: {
    sessionDescription?: Description | undefined;
    dataChannel: DataChannelInput;
  }): Promise<EstablishDataChannelsResponse> {
    return this.channels.establish(body);
  }

  newDataChannels(body: { dataChannels: DataChannelInput[] }): Promise<DataChannelsResponse> {
    return this.channels.open(body);
  }

  updateDataChannels(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    return this.channels.update(body);
  }

  closeDataChannels(body: { dataChannels: DataChannelInput[] }): DataChannelsResponse {
    return this.channels.close(body);
  }

  /** Once the client holds the SDP of every pulled m-line, sinks may start, each from a fresh keyframe. */
  private startSinks(): void {
    if (this.negotiation.awaitingAnswer || !this.negotiation.peer?.transportReady) return;
    this.tracks.startSinks();
  }

  housekeeping(now: number): void {
    if (this.closed) return;
    if (sessionExpiry(this.negotiation, now, this.limits)) {
      void this.close();
      return;
    }
    this.tracks.housekeeping(now, this.limits.trackIdleMs);
  }

  forwardedPackets(): number {
    return this.tracks.forwardedPackets();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tracks.stopAll();
    this.channels.closeAll();
    this.context.onClosed(this);
    await this.negotiation.close();
  }
}
