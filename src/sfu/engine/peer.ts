/**
 * The engine boundary: everything werift-specific about one Calls session's peer connection lives in this
 * folder. The session layer above speaks in SDP strings, mids, `MediaSource`/`MediaSink` and `DataPipe`, so
 * another WebRTC stack could stand in. Pure SDP work is in sdp.ts, codecs in codecs.ts, werift's
 * workarounds in werift-fixes.ts, data channels in channel.ts.
 */
import { MediaStream, RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { mediaSectionMids } from '../../protocol/sdp-limits.ts';
import { MediaSource, type CodecInfo, type MediaKind } from './media.ts';
import { MediaSink } from './sink.ts';
import { SrtpTransport } from './srtp-transport.ts';
import { SrtpStreamSender } from './srtp-sender.ts';
import { TwccRecorder, buildRemb, type RawRtcp } from './feedback.ts';
import { offerForWerift } from './offer-fixes.ts';
import {
  ExtensionIdHistory,
  TWCC_URI,
  codecs,
  codecsFor,
  extensionsFor,
  headerExtensions,
  toCodecInfo,
} from './codecs.ts';
import {
  announce,
  describeSections,
  extensionIds,
  rejectLikeOffer,
  usableSections,
  type HostAddress,
  type OfferedSection,
} from './sdp.ts';
import {
  answerAsDtlsServer,
  bindEachAddressOf,
  disableReceiverTwcc,
  keepSimulcast,
  nativeX25519,
  startAddedSctp,
} from './werift-fixes.ts';
import { openNegotiated, wrapChannel, type DataChannelOptions, type DataPipe } from './channel.ts';

export type { OfferedSection } from './sdp.ts';
export type { DataChannelOptions, DataMessage, DataPipe } from './channel.ts';

export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface PeerOptions {
  /**
   * The host candidates, in order of preference: the address announced and the local address its UDP socket
   * binds (a wildcard for an announced address that is not local). One socket per distinct `bind`.
   */
  addresses: readonly HostAddress[];
  portRange?: [number, number] | undefined;
  /** Bitrate cap the SFU signals to publishers with REMB, bits/s. */
  maxPublisherBitrate: number;
}

const FEEDBACK_INTERVAL_MS = 50;
const REMB_INTERVAL_MS = 1000;

export class MediaPeer {
  private readonly pc: RTCPeerConnection;
  private readonly sources = new Map<string, MediaSource>();
  private readonly sinks = new Map<string, MediaSink>();
  /** Every `streamId trackId` this peer has sent an m-section for (see `uniqueTrackId`). */
  private readonly msids = new Set<string>();
  private readonly extensionHistory = new ExtensionIdHistory();
  private readonly stateListeners = new Set<(state: PeerState) => void>();
  private readonly readyListeners = new Set<() => void>();
  private readonly watchedDtls = new WeakSet<object>();
  private readonly twcc = new TwccRecorder();
  /** Forwarded media leaves on the lean send path, not through werift's `RTCRtpSender.sendRtp`. */
  private readonly sendPath = new SrtpTransport(() => this.pc.dtlsTransports[0]);
  private readonly rtcpSsrc = (Math.random() * 0xffffffff) >>> 0;
  private feedbackTimer: ReturnType<typeof setInterval> | undefined;
  private lastRemb = 0;
  private transportHooked = false;
  private twccId: number | undefined;
  /** When the client last sent anything (RTP, RTCP, DTLS, SCTP); 0 before the transport is up. */
  lastInboundAt = 0;
  private closed = false;
  /** Called for every non-negotiated channel the client opens (DCEP). */
  onRemoteDataChannel: ((pipe: DataPipe, label: string) => void) | undefined;

  constructor(private readonly options: PeerOptions) {
    nativeX25519();
    this.pc = new RTCPeerConnection({
      iceLite: true,
      bundlePolicy: 'max-bundle',
      iceServers: [],
      // The addresses are ours (addresses.ts), not werift's own pick of the interfaces.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [...new Set(options.addresses.map((a) => a.bind))],
      icePortRange: options.portRange,
      codecs: codecs(),
      headerExtensions: headerExtensions(),
    });
    this.pc.connectionStateChange.subscribe((state) => {
      for (const l of this.stateListeners) l(state);
    });
    disableReceiverTwcc(this.pc);
    this.pc.onDataChannel.subscribe((channel) => {
      this.onRemoteDataChannel?.(wrapChannel(channel), channel.label);
    });
  }

  get state(): PeerState {
    return this.pc.connectionState;
  }

  /**
   * ICE and DTLS are up, so SRTP flows. werift's `connectionState` turns `connected` only once SCTP has
   * connected as well; media (and Calls' "wait for ICE+DTLS" rule) need not wait for that.
   */
  get transportReady(): boolean {
    return !this.closed && this.pc.dtlsTransports[0]?.state === 'connected';
  }

  onTransportReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Follows the DTLS transport that descriptions create (one, bundled). */
  private watchTransport(): void {
    for (const dtls of this.pc.dtlsTransports) {
      if (this.watchedDtls.has(dtls)) continue;
      this.watchedDtls.add(dtls);
      dtls.onStateChange.subscribe((state) => {
        if (state !== 'connected' || this.closed) return;
        this.hookTransport();
        for (const l of this.readyListeners) l();
      });
    }
  }

  onState(listener: (state: PeerState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get negotiated(): boolean {
    return this.pc.remoteDescription !== null;
  }

  /** The mids of every m-section negotiated so far (what a new offer may reuse without adding a section). */
  get mids(): string[] {
    return mediaSectionMids(this.pc.localDescription?.sdp ?? '').map((mid, i) => mid ?? String(i));
  }

  get hasDataTransport(): boolean {
    const sdp = this.pc.localDescription?.sdp ?? '';
    return /\nm=application /.test(sdp);
  }

  /** Applies a client offer and returns the SFU's answer and what the offer held. */
  async acceptOffer(
    offer: string,
    /** Runs between applying the offer and writing the answer, e.g. to make sections send. */
    beforeAnswer?: (sections: OfferedSection[]) => void,
  ): Promise<{ answer: string; sections: OfferedSection[] }> {
    const sections = usableSections(offer, 'offer');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerForWerift(offer) });
    this.rememberExtensions(offer);
    for (const t of this.pc.getTransceivers()) this.adopt(t);
    keepSimulcast(this.pc, sections);
    beforeAnswer?.(sections);
    answerAsDtlsServer(this.pc);
    const answer = await this.pc.createAnswer();
    bindEachAddressOf(this.pc);
    await this.pc.setLocalDescription(answer);
    this.rememberExtensions(this.pc.localDescription?.sdp);
    this.watchTransport();
    startAddedSctp(this.pc);
    const sdp = rejectLikeOffer(this.pc.localDescription!.sdp, offer);
    return { answer: announce(sdp, this.options.addresses), sections };
  }

  /** Applies the client's answer to the SFU's last offer. */
  async acceptAnswer(answer: string): Promise<void> {
    const offered = describeSections(this.pc.localDescription?.sdp ?? '').map((s) => s.mid);
    const answered = usableSections(answer, 'answer').map((s) => s.mid);
    if (answered.join(' ') !== offered.join(' ')) {
      throw new Error(
        `its m-sections (mids ${answered.join(',')}) are not those of the SFU offer (${offered.join(',')})`,
      );
    }
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.rememberExtensions(answer);
    for (const t of this.pc.getTransceivers()) this.adopt(t);
    startAddedSctp(this.pc);
  }

  /**
   * The msid track id of a new outgoing m-section: the publication's track name, with a suffix when this
   * peer already sent one with the same stream and track id (the same track pulled again, after a rejoin or a
   * closed pull), since browsers refuse a description with duplicate `a=msid` lines.
   */
  private uniqueTrackId(streamId: string, trackId: string): string {
    let id = trackId;
    for (let n = 2; this.msids.has(`${streamId} ${id}`); n++) id = `${trackId}~${n}`;
    this.msids.add(`${streamId} ${id}`);
    return id;
  }

  /** Adds an SFU-sending m-section; its mid exists once `createOffer` ran. */
  addOutgoing(
    kind: MediaKind,
    options: { codec?: CodecInfo | undefined; bidirectional?: boolean; streamId: string; trackId: string },
  ): { sink: MediaSink; mid: () => string } {
    const transceiver = this.pc.addTransceiver(kind, {
      direction: options.bidirectional ? 'sendrecv' : 'sendonly',
      streams: [new MediaStream({ id: options.streamId })],
    });
    Object.assign(transceiver.sender, { trackId: this.uniqueTrackId(options.streamId, options.trackId) });
    transceiver.codecs = codecsFor(kind, options.codec);
    transceiver.headerExtensions = this.extensionsFor(kind);
    const sink = this.newSink(kind, transceiver);
    return {
      sink,
      mid: () => {
        const mid = transceiver.mid;
        if (mid === null || mid === undefined) throw new Error('mid not assigned before createOffer');
        this.sinks.set(mid, sink);
        if (options.bidirectional) this.adopt(transceiver);
        return mid;
      },
    };
  }

  /** Adds an m-section the client is to send on (a push without a client offer); a sendrecv one with
   * `bidirectional` also gets a sink so tracks can be pulled back into it (`mid: "#name"`). */
  addIncoming(kind: MediaKind, bidirectional: boolean): { mid: () => string; sink: MediaSink | undefined } {
    const transceiver = this.pc.addTransceiver(kind, { direction: bidirectional ? 'sendrecv' : 'recvonly' });
    transceiver.codecs = codecs()[kind];
    transceiver.headerExtensions = this.extensionsFor(kind);
    const sink = bidirectional ? this.newSink(kind, transceiver) : undefined;
    return {
      sink,
      mid: () => {
        const mid = transceiver.mid;
        if (mid === null || mid === undefined) throw new Error('mid not assigned before createOffer');
        if (sink) this.sinks.set(mid, sink);
        return mid;
      },
    };
  }

  /** The sink on the SFU-sending side of a client's sendrecv section, created on first use. */
  sinkForBidirectional(mid: string): MediaSink | undefined {
    const existing = this.sinks.get(mid);
    if (existing) return existing;
    const t = this.pc.getTransceivers().find((x) => x.mid === mid);
    if (!t || (t.kind !== 'audio' && t.kind !== 'video')) return undefined;
    if (t.direction === 'recvonly') t.setDirection('sendrecv');
    const sink = this.newSink(t.kind, t);
    this.sinks.set(mid, sink);
    return sink;
  }

  private newSink(kind: MediaKind, t: RTCRtpTransceiver): MediaSink {
    return new MediaSink(kind, new SrtpStreamSender(this.sendPath, t.sender));
  }

  /** Extension ids for a new section, agreeing with every id this session's BUNDLE already uses. */
  private extensionsFor(kind: MediaKind) {
    this.rememberExtensions(this.pc.remoteDescription?.sdp, this.pc.localDescription?.sdp);
    for (const t of this.pc.getTransceivers()) this.extensionHistory.remember(t.headerExtensions);
    const chosen = extensionsFor(kind, this.extensionHistory.used);
    this.extensionHistory.remember(chosen);
    return chosen;
  }

  /** Records the extension ids of descriptions this peer applied (see `ExtensionIdHistory`). */
  private rememberExtensions(...sdps: (string | undefined)[]): void {
    this.extensionHistory.remember([...extensionIds(...sdps)].map(([uri, id]) => ({ uri, id })));
  }

  /** Opens the reserved `server-events` channel so the next offer carries an SCTP m-section. */
  openServerEvents(): DataPipe {
    return wrapChannel(this.pc.createDataChannel('server-events'));
  }

  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    bindEachAddressOf(this.pc);
    await this.pc.setLocalDescription(offer);
    this.rememberExtensions(this.pc.localDescription?.sdp);
    this.watchTransport();
    return announce(this.pc.localDescription!.sdp, this.options.addresses);
  }

  source(mid: string): MediaSource | undefined {
    return this.sources.get(mid);
  }

  openChannel(options: DataChannelOptions): DataPipe {
    return openNegotiated(this.pc, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.feedbackTimer);
    this.sendPath.close();
    for (const s of this.sources.values()) s.close();
    for (const s of this.sinks.values()) s.detach();
    await this.pc.close().catch(() => undefined);
  }

  /** Wires a transceiver the client sends on into a `MediaSource`, once. */
  private adopt(t: RTCRtpTransceiver): void {
    const mid = t.mid;
    if (mid === null || mid === undefined || this.sources.has(mid)) return;
    const direction = t.currentDirection ?? t.direction;
    if (direction !== 'recvonly' && direction !== 'sendrecv') return;
    const receiver = t.receiver;
    if (t.kind !== 'audio' && t.kind !== 'video') return;
    const source = new MediaSource(t.kind, (ssrc) => void receiver.sendRtcpPLI(ssrc));
    this.sources.set(mid, source);
    const listen = (track: {
      rid?: string;
      onReceiveRtp: RTCRtpTransceiver['receiver']['track']['onReceiveRtp'];
    }) => {
      const rid = track.rid ?? '';
      track.onReceiveRtp.subscribe((packet) => {
        if (!source.codec || source.codec.mimeType === '') {
          const codec = t.codecs.find((c) => c.payloadType === packet.header.payloadType);
          if (codec) source.codec = toCodecInfo(codec);
        }
        source.push(rid, packet, Date.now());
      });
    };
    for (const track of receiver.tracks) listen(track);
    t.onTrack.subscribe((track) => listen(track));
  }

  /** Transport-wide feedback: TWCC every 50 ms, REMB every second, for what the client publishes. */
  private hookTransport(): void {
    if (this.transportHooked) return;
    const dtls = this.pc.dtlsTransports[0];
    if (!dtls) return;
    this.transportHooked = true;
    this.lastInboundAt = Date.now();
    dtls.iceTransport.connection.onData.subscribe(() => {
      this.lastInboundAt = Date.now();
    });
    dtls.onRtp.subscribe((packet) => {
      const id = (this.twccId ??= this.twccExtensionId());
      if (id === undefined) return;
      const ext = packet.header.extensions.find((e) => e.id === id);
      if (ext && ext.payload.length >= 2) this.twcc.record(ext.payload.readUInt16BE(0), nowUs());
    });
    this.feedbackTimer = setInterval(() => {
      if (!this.transportReady) return;
      const packets: RawRtcp[] = [];
      const mediaSsrc = this.firstVideoSsrc();
      const fb = this.twcc.build(this.rtcpSsrc, mediaSsrc ?? 0);
      if (fb) packets.push(fb);
      const now = Date.now();
      if (mediaSsrc !== undefined && now - this.lastRemb >= REMB_INTERVAL_MS) {
        this.lastRemb = now;
        packets.push(buildRemb(this.rtcpSsrc, this.options.maxPublisherBitrate, this.videoSsrcs()));
      }
      if (packets.length) void dtls.sendRtcp(packets as never).catch(() => undefined);
    }, FEEDBACK_INTERVAL_MS);
  }

  private twccExtensionId(): number | undefined {
    for (const [id, uri] of Object.entries(this.pc.extIdUriMap)) if (uri === TWCC_URI) return Number(id);
    return undefined;
  }

  private videoSsrcs(): number[] {
    const out: number[] = [];
    for (const s of this.sources.values()) {
      if (s.kind !== 'video') continue;
      for (const layer of s.layers.values()) if (layer.ssrc !== undefined) out.push(layer.ssrc);
    }
    return out;
  }

  private firstVideoSsrc(): number | undefined {
    return this.videoSsrcs()[0];
  }
}

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
