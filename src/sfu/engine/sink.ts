/**
 * The media plane's subscribing side: a `MediaSink` is one subscriber's sending m-line, forwarding one layer
 * of one `MediaSource` at a time. Each sink writes its own copy with its own SSRC, payload type, sequence
 * numbers and timestamps, rebased here when the layer or source changes; the header itself is written by
 * its `RtpOutput` (srtp-sender.ts), which leaves the publisher's packet untouched for the other sinks.
 */
import type { RtpPacket } from 'werift';
import type { LayerSubscriber, MediaKind, MediaSource } from './media.ts';
import type { RtpOutput } from './srtp-sender.ts';

const KEYFRAME_RETRY_MS = 500;

/** The layers to try after `rid`, in `ridNotAvailable: 'asciibetical'` order: the worse ones, then the better. */
function fallbackOrder(rids: readonly string[], rid: string): string[] {
  return [...rids.filter((r) => r > rid), ...rids.filter((r) => r < rid).reverse()];
}

export interface LayerPreference {
  preferredRid?: string | undefined;
  priorityOrdering?: 'none' | 'asciibetical' | undefined;
  ridNotAvailable?: 'none' | 'asciibetical' | undefined;
}

/** One subscriber m-line: forwards one layer of one source at a time. */
export class MediaSink implements LayerSubscriber {
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
    private readonly output: RtpOutput,
  ) {
    // A subscriber's PLI/FIR reaches the publisher of the layer it is watching.
    output.onKeyframeRequest(() => this.requestKeyframe());
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
    this.forwarded++;
    this.output.send(packet, sequenceNumber, timestamp);
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
