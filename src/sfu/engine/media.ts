/**
 * The media plane's publishing side: a `MediaSource` is one published track (all its simulcast layers) as it
 * arrives from the publisher's peer connection, with each layer's latest keyframe cached, keyframe requests
 * paced, and packets fanned out to its subscribers (`MediaSink`s, sink.ts) once per event-loop turn.
 */
import type { RtpPacket } from 'werift';
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

/** What a source fans out to: one subscriber's sending m-line (a `MediaSink`, sink.ts). */
export interface LayerSubscriber {
  wantsLayer(rid: string): boolean;
  write(rid: string, packet: RtpPacket, keyframe: boolean): void;
  /** A padding-only packet on `rid`: not forwarded, its sequence number must not become a hole. */
  skip(rid: string): void;
  detach(): void;
}

/** How a source asks its publisher for a keyframe on one layer's SSRC. */
export type KeyframeRequester = (ssrc: number) => void;

const KEYFRAME_REQUEST_INTERVAL_MS = 300;

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

export class MediaSource {
  readonly layers = new Map<string, Layer>();
  readonly sinks = new Set<LayerSubscriber>();
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
