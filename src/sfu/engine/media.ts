/**
 * The media plane: a `MediaSource` is one published track (all its simulcast layers) as it arrives from
 * the publisher's peer connection; a `MediaSink` is one subscriber's sending m-line. Sources fan packets
 * out to sinks, each sink writing its own copy with its own SSRC, payload type, sequence numbers and
 * timestamps (werift's `sendRtp` rewrites the header in place, so the copy is required). Sequence numbers and
 * timestamps are rebased here, not with werift's `replaceRTP`, which truncates timestamp offsets to 16 bits.
 */
import { RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { isKeyframe } from './keyframe.ts';

export type MediaKind = 'audio' | 'video';

export interface CodecInfo {
  mimeType: string;
  clockRate: number;
  channels?: number;
  parameters?: string;
}

/** One simulcast layer (or the only stream, with rid ''). */
interface Layer {
  rid: string;
  ssrc: number | undefined;
  lastPacketAt: number;
  /** Last packet that carried media (not a padding-only bandwidth probe): what makes a layer "flowing". */
  lastMediaAt: number;
  packets: number;
  /** The packets of the latest complete keyframe, so a new subscriber can show a picture at once. */
  keyframe: RtpPacket[];
  /** The keyframe being collected; it replaces `keyframe` once its last packet (marker bit) arrives. */
  collecting: RtpPacket[];
  /** Timestamp of the keyframe being collected. */
  collectingTs: number | undefined;
  /** Media packets that arrived after `keyframe` and are not part of it. */
  afterKeyframe: number;
}

const MAX_KEYFRAME_PACKETS = 500;

function newLayer(rid: string): Layer {
  return {
    rid,
    ssrc: undefined,
    lastPacketAt: 0,
    lastMediaAt: 0,
    packets: 0,
    keyframe: [],
    collecting: [],
    collectingTs: undefined,
    afterKeyframe: 0,
  };
}

/** How a source asks its publisher for a keyframe on one layer's SSRC. */
export type KeyframeRequester = (ssrc: number) => void;

const KEYFRAME_REQUEST_INTERVAL_MS = 300;
const KEYFRAME_RETRY_MS = 500;

/**
 * Fan-out runs after the event loop has read every datagram waiting on the sockets, not packet by packet:
 * the arrival times the SFU reports to publishers (TWCC) then measure the network, not the time spent
 * forwarding earlier packets to many subscribers, which Chrome's delay-based estimator would read as a
 * growing queue and back off from.
 */
const fanOutDue = new Set<MediaSource>();
let fanOutScheduled = false;
function scheduleFanOut(source: MediaSource): void {
  fanOutDue.add(source);
  if (fanOutScheduled) return;
  fanOutScheduled = true;
  setImmediate(() => {
    fanOutScheduled = false;
    const due = [...fanOutDue];
    fanOutDue.clear();
    for (const s of due) s.fanOut();
  });
}

/** Resolves once packets pushed so far have been forwarded (tests). */
export function fannedOut(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The layers to try after `rid`, in `ridNotAvailable: 'asciibetical'` order: the worse ones, then the better. */
function fallbackOrder(rids: readonly string[], rid: string): string[] {
  return [...rids.filter((r) => r > rid), ...rids.filter((r) => r < rid).reverse()];
}

export class MediaSource {
  readonly layers = new Map<string, Layer>();
  readonly sinks = new Set<MediaSink>();
  codec: CodecInfo | undefined;
  lastPacketAt = 0;
  firstPacketAt = 0;
  closed = false;
  private readonly lastKeyframeRequest = new Map<string, number>();
  private readonly deferredKeyframeRequest = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly firstPacketWaiters: (() => void)[] = [];
  /** The layer each SSRC was seen carrying with a rid header extension. */
  private readonly ridOfSsrc = new Map<number, string>();
  private queue: { rid: string; packet: RtpPacket; keyframe: boolean }[] = [];

  constructor(
    readonly kind: MediaKind,
    private readonly requestKeyframeOn: KeyframeRequester,
  ) {}

  /** Layers the publisher announced (rids), best first in asciibetical order. */
  declareLayers(rids: string[]): void {
    for (const rid of rids) {
      if (!this.layers.has(rid)) this.layers.set(rid, newLayer(rid));
    }
  }

  get rids(): string[] {
    return [...this.layers.keys()].filter((r) => r !== '').sort();
  }

  get simulcast(): boolean {
    return this.rids.length > 0;
  }

  /**
   * Layers that have sent media within `withinMs`. Padding does not count: publishers keep probing on a layer
   * they stopped encoding (bandwidth), and a subscriber waiting on such a layer would never get a picture.
   */
  activeRids(now: number, withinMs = 2000): string[] {
    return this.rids.filter((rid) => now - (this.layers.get(rid)?.lastMediaAt ?? 0) <= withinMs);
  }

  /** Resolves when the first packet has arrived, or false after `timeoutMs`. */
  waitForFirstPacket(timeoutMs: number): Promise<boolean> {
    if (this.firstPacketAt) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.firstPacketAt > 0);
      };
      const timer = setTimeout(() => {
        const i = this.firstPacketWaiters.indexOf(done);
        if (i >= 0) this.firstPacketWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      this.firstPacketWaiters.push(done);
    });
  }

  /** Hot path: one packet from the publisher on layer `rid`. */
  push(rid: string, packet: RtpPacket, now: number): void {
    if (this.closed) return;
    if (rid === '') {
      // Firefox lists its simulcast SSRCs in the SDP and marks only each layer's first packets with the rid
      // header extension: the engine hands the rest over without a rid. The SSRC says which layer they are.
      rid = this.ridOfSsrc.get(packet.header.ssrc) ?? '';
    } else if (!this.ridOfSsrc.has(packet.header.ssrc)) {
      this.ridOfSsrc.set(packet.header.ssrc, rid);
    }
    let layer = this.layers.get(rid);
    if (!layer) {
      layer = newLayer(rid);
      this.layers.set(rid, layer);
    }
    layer.ssrc = packet.header.ssrc;
    layer.lastPacketAt = now;
    layer.packets++;
    this.lastPacketAt = now;
    if (!this.firstPacketAt) {
      this.firstPacketAt = now;
      for (const w of this.firstPacketWaiters.splice(0)) w();
    }
    if (packet.payload.length === 0) {
      // A padding-only probe: not forwarded, but its sequence number must not become a hole downstream.
      if (this.sinks.size) {
        this.queue.push({ rid, packet, keyframe: false });
        scheduleFanOut(this);
      }
      return;
    }
    layer.lastMediaAt = now;
    const keyframe = this.kind === 'audio' || isKeyframe(this.codec?.mimeType ?? '', packet.payload);
    if (keyframe && this.deferredKeyframeRequest.has(rid)) {
      clearTimeout(this.deferredKeyframeRequest.get(rid));
      this.deferredKeyframeRequest.delete(rid);
    }
    if (this.kind === 'video') remember(layer, packet, keyframe);
    if (!this.sinks.size) return;
    this.queue.push({ rid, packet, keyframe });
    scheduleFanOut(this);
  }

  /** Forwards what arrived since the last turn of the event loop to the sinks. */
  fanOut(): void {
    const queue = this.queue;
    this.queue = [];
    for (const { rid, packet, keyframe } of queue) {
      if (packet.payload.length === 0) {
        for (const sink of this.sinks) sink.skip(rid);
        continue;
      }
      for (const sink of this.sinks) if (sink.wantsLayer(rid)) sink.write(rid, packet, keyframe);
    }
  }

  /**
   * Where a new subscriber of layer `rid` can begin: the packets to send it first, and whether the live
   * packets that follow continue them (true when they are the newest frame: a keyframe still arriving, or the
   * cached one with nothing after it yet). Undefined when the layer holds no keyframe.
   */
  startingPoint(rid: string): { packets: readonly RtpPacket[]; live: boolean } | undefined {
    const layer = this.layers.get(rid);
    if (!layer) return undefined;
    if (layer.collecting.length) return { packets: layer.collecting, live: true };
    if (layer.keyframe.length) return { packets: layer.keyframe, live: layer.afterKeyframe === 0 };
    return undefined;
  }

  /**
   * Asks the publisher for a keyframe on one layer, at most every 300 ms per layer. A request within that
   * interval is not dropped but sent when it ends (once, however many came), unless a keyframe came first:
   * a subscriber that joins just after another would otherwise wait for its own retry.
   */
  requestKeyframe(rid: string): void {
    if (this.kind !== 'video' || this.closed) return;
    const layer = this.layers.get(rid);
    if (!layer?.ssrc) return;
    const now = Date.now();
    const wait = KEYFRAME_REQUEST_INTERVAL_MS - (now - (this.lastKeyframeRequest.get(rid) ?? 0));
    if (wait > 0) {
      if (!this.deferredKeyframeRequest.has(rid)) {
        const timer = setTimeout(() => {
          this.deferredKeyframeRequest.delete(rid);
          this.requestKeyframe(rid);
        }, wait);
        timer.unref?.();
        this.deferredKeyframeRequest.set(rid, timer);
      }
      return;
    }
    this.lastKeyframeRequest.set(rid, now);
    this.requestKeyframeOn(layer.ssrc);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.deferredKeyframeRequest.values()) clearTimeout(timer);
    this.deferredKeyframeRequest.clear();
    for (const sink of [...this.sinks]) sink.detach();
    for (const w of this.firstPacketWaiters.splice(0)) w();
  }
}

/** Keeps the packets of the latest keyframe: from its first packet to the one with the marker bit. */
function remember(layer: Layer, packet: RtpPacket, keyframe: boolean): void {
  const ts = packet.header.timestamp;
  if (keyframe) {
    if (layer.collectingTs !== ts) layer.collecting = [];
    layer.collectingTs = ts;
  } else if (layer.collectingTs !== ts) {
    // A new frame began before the keyframe's marker: that keyframe is incomplete; the previous one stays.
    layer.collecting = [];
    layer.collectingTs = undefined;
    layer.afterKeyframe++;
    return;
  }
  if (layer.collecting.length >= MAX_KEYFRAME_PACKETS) {
    layer.collecting = [];
    layer.collectingTs = undefined;
    return;
  }
  layer.collecting.push(packet);
  if (packet.header.marker) {
    layer.keyframe = layer.collecting;
    layer.collecting = [];
    layer.collectingTs = undefined;
    layer.afterKeyframe = 0;
  }
}

export interface LayerPreference {
  preferredRid?: string | undefined;
  priorityOrdering?: 'none' | 'asciibetical' | undefined;
  ridNotAvailable?: 'none' | 'asciibetical' | undefined;
}

/** One subscriber m-line: forwards one layer of one source at a time. */
export class MediaSink {
  source: MediaSource | undefined;
  preference: LayerPreference = {};
  /** The layer being forwarded. */
  currentRid: string | undefined;
  /** A layer to switch to at its next keyframe. */
  targetRid: string | undefined;
  private rebase = false;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private lastSentAt = 0;
  private lastKeyframeAsk = 0;
  private awaitingFresh = false;
  forwarded = 0;
  active = true;
  /** False until the subscriber has applied the SDP that carries this m-line: packets sent earlier are
   * dropped by the browser, so the sink must not spend a keyframe on them. */
  ready = false;

  constructor(
    readonly kind: MediaKind,
    private readonly sender: RTCRtpSender,
  ) {
    // A subscriber's PLI/FIR reaches the publisher of the layer it is watching.
    sender.onPictureLossIndication.subscribe(() => this.requestKeyframe());
  }

  attach(source: MediaSource, preference: LayerPreference = {}): void {
    this.detach();
    this.source = source;
    this.preference = preference;
    this.currentRid = undefined;
    this.targetRid = this.chooseLayer();
    this.awaitingFresh = false;
    this.rebase = this.forwarded > 0;
    source.sinks.add(this);
    this.requestKeyframe();
  }

  detach(): void {
    this.source?.sinks.delete(this);
    this.source = undefined;
    this.currentRid = undefined;
    this.targetRid = undefined;
  }

  setPreference(preference: LayerPreference): void {
    this.preference = preference;
    this.retarget(this.chooseLayer());
  }

  /** Aims at layer `next`: taken up at its next keyframe, unless it is already the one forwarded. */
  private retarget(next: string): void {
    if (next === (this.targetRid ?? this.currentRid)) return;
    this.targetRid = next === this.currentRid ? undefined : next;
    if (this.targetRid !== undefined) this.requestKeyframe();
  }

  /**
   * Until its first picture, a sink that may fall back to other layers (`ridNotAvailable: 'asciibetical'`,
   * or no preferred layer) takes whichever layer brings a keyframe first and moves to its target at the
   * target's keyframe: a publisher short of bandwidth may have paused exactly the layer asked for, and a
   * joiner would otherwise look at a black tile until the SFU notices the layer stopped.
   */
  private get anyLayerFirst(): boolean {
    return (
      this.currentRid === undefined &&
      (this.preference.ridNotAvailable === 'asciibetical' || !this.preference.preferredRid)
    );
  }

  /** The layer this sink should forward given the preference and what the publisher sends now. */
  chooseLayer(now = Date.now()): string {
    const source = this.source;
    if (!source?.simulcast) return '';
    const rids = source.rids;
    const active = source.activeRids(now);
    const preferred = this.preference.preferredRid;
    if (preferred && rids.includes(preferred)) {
      if (
        active.includes(preferred) ||
        this.preference.ridNotAvailable !== 'asciibetical' ||
        !active.length
      ) {
        return preferred;
      }
      // The preferred layer stopped: the next available one in a-z order after it, else the best left.
      return active.find((r) => r > preferred) ?? active[active.length - 1]!;
    }
    // No preference: the best layer that is flowing.
    return active[0] ?? rids[0]!;
  }

  wantsLayer(rid: string): boolean {
    return (
      this.active && this.ready && (rid === this.currentRid || rid === this.targetRid || this.anyLayerFirst)
    );
  }

  /**
   * Starts a ready sink: the publisher's latest keyframe goes out at once (a picture within a round trip),
   * and live packets follow it, or the next keyframe (asked for now) when the cached one is stale.
   */
  start(): void {
    const source = this.source;
    if (!source || !this.ready) return;
    const target = this.targetRid;
    if (this.kind === 'video' && this.currentRid === undefined && target !== undefined) {
      // The target layer's keyframe, else (when falling back is allowed) the nearest layer's that has one.
      const candidates = this.anyLayerFirst ? [target, ...fallbackOrder(source.rids, target)] : [target];
      for (const rid of candidates) {
        const start = source.startingPoint(rid);
        if (!start) continue;
        this.currentRid = rid;
        if (rid === target) this.targetRid = undefined;
        for (const packet of start.packets) this.emit(packet);
        // Live packets continue a keyframe that is still arriving, or one with nothing after it yet (often
        // the answer to the keyframe request sent when the pull came in); after an older keyframe they would
        // reference frames the subscriber never got, so they wait for the next keyframe.
        this.awaitingFresh = !start.live;
        break;
      }
    }
    this.requestKeyframe();
  }

  /** Hot path. */
  write(rid: string, packet: RtpPacket, keyframe: boolean): void {
    if (this.awaitingFresh && rid === this.currentRid) {
      // After a replayed keyframe, live deltas would reference frames the subscriber never got.
      if (!keyframe) {
        if (Date.now() - this.lastKeyframeAsk > KEYFRAME_RETRY_MS) this.requestKeyframe();
        return;
      }
      this.awaitingFresh = false;
      this.rebase = true;
    }
    if (rid !== this.currentRid) {
      // Take up a new layer (or the first one) only at its keyframe.
      const target = rid === this.targetRid;
      if (!target && !this.anyLayerFirst) return;
      if (!keyframe) {
        // Publishers ignore a keyframe request that comes too soon after the last one: ask again.
        if (target && Date.now() - this.lastKeyframeAsk > KEYFRAME_RETRY_MS) this.requestKeyframe();
        return;
      }
      this.currentRid = rid;
      if (target) this.targetRid = undefined;
      this.awaitingFresh = false;
      this.rebase = this.forwarded > 0;
    }
    this.emit(packet);
  }

  /**
   * The publisher sent a packet on `rid` that is not forwarded (bandwidth-probe padding): later packets move
   * down one sequence number, or the subscriber would count it lost, ask for it with NACKs and hold frames
   * back waiting for it.
   */
  skip(rid: string): void {
    if (rid === this.currentRid && !this.awaitingFresh && this.forwarded > 0) {
      this.seqOffset = (this.seqOffset - 1) & 0xffff;
    }
  }

  /** Rewrites one packet for this m-line and sends it. */
  private emit(packet: RtpPacket): void {
    const h = packet.header;
    const now = Date.now();
    if (this.rebase) {
      // Continue this m-line's sequence numbers and timestamps from where the previous layer or source
      // stopped, advanced by the wall-clock time since, so the receiver sees one smooth stream.
      const clockRate = this.source?.codec?.clockRate ?? 90000;
      const elapsed = Math.max(1, Math.round(((now - this.lastSentAt) * clockRate) / 1000));
      this.seqOffset = (this.lastSeq + 1 - h.sequenceNumber) & 0xffff;
      this.tsOffset = (this.lastTs + elapsed - h.timestamp) >>> 0;
      this.rebase = false;
    }
    const sequenceNumber = (h.sequenceNumber + this.seqOffset) & 0xffff;
    const timestamp = (h.timestamp + this.tsOffset) >>> 0;
    this.lastSeq = sequenceNumber;
    this.lastTs = timestamp;
    this.lastSentAt = now;
    const header = new RtpHeader({
      marker: h.marker,
      payloadType: h.payloadType,
      sequenceNumber,
      timestamp,
      ssrc: h.ssrc,
      extensions: [],
    });
    this.forwarded++;
    void this.sender.sendRtp(new RtpPacket(header, packet.payload));
  }

  requestKeyframe(): void {
    const source = this.source;
    if (!source || this.kind !== 'video') return;
    this.lastKeyframeAsk = Date.now();
    const rid = this.targetRid ?? this.currentRid ?? this.chooseLayer();
    source.requestKeyframe(rid);
    // A replayed keyframe of a fallback layer holds its live packets back until that layer's next keyframe.
    if (this.awaitingFresh && this.currentRid !== undefined && this.currentRid !== rid) {
      source.requestKeyframe(this.currentRid);
    }
  }

  /** Re-evaluates the layer choice when the publisher's layers come and go (ridNotAvailable). */
  reconsider(now: number): void {
    if (!this.source?.simulcast) return;
    this.retarget(this.chooseLayer(now));
  }
}
