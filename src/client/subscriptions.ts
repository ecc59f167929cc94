/**
 * What we receive on one session: the pulls, reconciled against what should be received (visible
 * participants' tracks, minus videos whose tile is not visible), with the simulcast layer each tile's size
 * asks for. The tiles' preferences outlive sessions (VideoPreferences); the pulls are the session's.
 */
import type { SimulcastOptions } from '../protocol/calls.ts';
import { tileKey, trackKey } from '../protocol/keys.ts';
import type { Participant, PublishedTrack, TrackSource } from '../protocol/presence.ts';
import type { Scope } from './chat.ts';
import { layerForHeight } from './room-media.ts';
import type { RoomErrorCode, VideoPreference } from './room-types.ts';
import type { InboundOwner } from './stats-sampler.ts';

/** How long a video pull waits for its tile's size (a headless Room has no tiles: then it pulls anyway). */
export const TILE_SIZE_WAIT_MS = 150;

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): void;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => void setTimeout(callback, ms),
};

/** What tiles want of videos (visible, height), kept across sessions, pruned as participants leave. */
export class VideoPreferences {
  readonly #prefs = new Map<string, VideoPreference>();
  readonly #sizeWait = new Map<string, number>();

  constructor(readonly clock: Clock = realClock) {}

  /** False when nothing changed. */
  set(key: string, preference: VideoPreference): boolean {
    const previous = this.#prefs.get(key);
    if (previous && previous.visible === preference.visible && previous.height === preference.height)
      return false;
    this.#prefs.set(key, { ...preference });
    return true;
  }

  get(key: string): VideoPreference | undefined {
    return this.#prefs.get(key);
  }

  /** The simulcast layer for a tile's size (360 px until it says). */
  wantedRid(participantId: string, t: PublishedTrack): string {
    return layerForHeight(t.simulcast, this.#prefs.get(tileKey(participantId, t.source))?.height ?? 360);
  }

  /**
   * A simulcast video whose tile has not reported its size yet waits for it, briefly: pulling a guessed
   * layer and switching a moment later costs a second keyframe wait before the first picture. `retry` runs
   * once when the wait is over.
   */
  awaitingSize(participantId: string, t: PublishedTrack, retry: () => void): boolean {
    const key = tileKey(participantId, t.source);
    if (!t.simulcast || this.#prefs.has(key)) return false;
    const since = this.#sizeWait.get(key);
    const now = this.clock.now();
    if (since === undefined) {
      this.#sizeWait.set(key, now);
      this.clock.setTimeout(retry, TILE_SIZE_WAIT_MS);
      return true;
    }
    return now - since < TILE_SIZE_WAIT_MS;
  }

  prune(participantIds: readonly string[]): void {
    for (const id of participantIds) {
      for (const source of ['camera', 'screen'] as const) {
        this.#prefs.delete(tileKey(id, source));
        this.#sizeWait.delete(tileKey(id, source));
      }
    }
  }

  /** Keys kept (for tests). */
  get size(): number {
    return this.#prefs.size + this.#sizeWait.size;
  }
}

export interface SubscriptionsListener {
  changed(): void;
  subscribed(pull: {
    participantId: string;
    source: TrackSource;
    trackName: string;
    track: MediaStreamTrack;
  }): void;
  failed(error: unknown, code: RoomErrorCode): void;
  /** A simulcast video's size wait is over: reconcile again. */
  retry(): void;
}

interface Pull {
  participantId: string;
  published: PublishedTrack;
  mid: string | undefined;
  track: MediaStreamTrack | undefined;
  rid: string | undefined;
  closed: boolean;
}

/** Asks for layer `rid`, falling back to the best one (rids sort best first, room-media.ts). */
function simulcastFor(rid: string): SimulcastOptions {
  return { preferredRid: rid, priorityOrdering: 'asciibetical', ridNotAvailable: 'asciibetical' };
}

/** One session's pulls, keyed by `trackKey`: the one table of what this room receives. */
export class Subscriptions {
  readonly #pulls = new Map<string, Pull>();

  constructor(
    private readonly scope: Scope,
    private readonly prefs: VideoPreferences,
    private readonly listener: SubscriptionsListener,
  ) {}

  /** Pulls what `visible` publish and closes the rest. */
  reconcile(visible: readonly Participant[]): void {
    const { session } = this.scope;
    const desired = new Map<string, { p: Participant; t: PublishedTrack }>();
    for (const p of visible) {
      for (const t of p.tracks) {
        const pref = this.prefs.get(tileKey(p.id, t.source));
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
    if (closing.length > 0)
      session.close(closing).catch((e: unknown) => this.listener.failed(e, 'sfu-failed'));
    // A participant whose new video waits for its tile's size keeps its other new pulls back too, so that
    // they all go in one `tracks/new` (one SDP exchange) when the size comes, not one exchange each.
    const waiting = new Set<string>();
    for (const [key, { p, t }] of desired) {
      if (!this.#pulls.has(key) && this.prefs.awaitingSize(p.id, t, () => this.listener.retry()))
        waiting.add(p.id);
    }
    for (const [key, { p, t }] of desired) {
      const existing = this.#pulls.get(key);
      if (!existing) {
        if (!waiting.has(p.id)) this.#start(key, p, t);
        continue;
      }
      // The same track announced by a new participant (a rejoin after the old one expired, a backend
      // restart): the pull stays and changes hands.
      existing.participantId = p.id;
      if (existing.mid && t.simulcast) this.#updateLayer(existing, t);
    }
  }

  /** The received track of a participant's source, once there is one. */
  track(participantId: string, source: TrackSource): MediaStreamTrack | undefined {
    for (const pull of this.#pulls.values()) {
      if (pull.participantId === participantId && pull.published.source === source && pull.track)
        return pull.track;
    }
    return undefined;
  }

  /** The layer asked of the SFU for a tile's video; undefined when not pulled. */
  requestedLayer(key: string): string | undefined {
    for (const pull of this.#pulls.values()) {
      if (pull.published.kind === 'video' && tileKey(pull.participantId, pull.published.source) === key)
        return pull.mid ? pull.rid : undefined;
    }
    return undefined;
  }

  /** Pulled audio by participant: the mids to read levels from. */
  audio(): { participantId: string; mid: string }[] {
    return [...this.#pulls.values()]
      .filter((p) => p.published.kind === 'audio' && p.mid)
      .map((p) => ({ participantId: p.participantId, mid: p.mid! }));
  }

  /** Pulled tracks by mid: whose they are, and the simulcast layer asked for (for the stats sampler). */
  inbound(): Map<string, InboundOwner> {
    const owners = new Map<string, InboundOwner>();
    for (const p of this.#pulls.values()) {
      if (!p.mid) continue;
      owners.set(p.mid, {
        participantId: p.participantId,
        source: p.published.source,
        ...(p.rid !== undefined ? { layer: p.rid } : {}),
      });
    }
    return owners;
  }

  dispose(): void {
    for (const pull of this.#pulls.values()) pull.closed = true;
    this.#pulls.clear();
  }

  #start(key: string, p: Participant, t: PublishedTrack): void {
    const { session } = this.scope;
    const rid = t.simulcast ? this.prefs.wantedRid(p.id, t) : undefined;
    const pull: Pull = {
      participantId: p.id,
      published: t,
      mid: undefined,
      track: undefined,
      rid,
      closed: false,
    };
    const gone = () => pull.closed || !this.scope.live;
    this.#pulls.set(key, pull);
    session
      .pull({
        sessionId: t.sessionId,
        trackName: t.trackName,
        // The tile's <video> gets the track while the exchange finishes: ready when the first frame comes.
        onTrack: (track) => {
          if (gone() || pull.track) return;
          pull.track = track;
          this.listener.changed();
        },
        ...(rid ? { simulcast: simulcastFor(rid) } : {}),
      })
      .then(({ track, mid }) => {
        if (gone()) {
          if (this.scope.live) session.close([mid]).catch(() => undefined);
          return;
        }
        pull.mid = mid;
        pull.track = track;
        this.listener.subscribed({
          participantId: pull.participantId,
          source: t.source,
          trackName: t.trackName,
          track,
        });
        this.listener.changed();
        // The tile may have changed size while the pull was under way.
        if (t.simulcast) this.#updateLayer(pull, t);
      })
      .catch((error: unknown) => {
        if (gone()) return;
        this.#pulls.delete(key);
        this.listener.changed(); // a track handed over early goes away with it
        this.listener.failed(error, 'subscribe-failed');
      });
  }

  #updateLayer(pull: Pull, t: PublishedTrack): void {
    const rid = this.prefs.wantedRid(pull.participantId, t);
    if (!pull.mid || rid === pull.rid) return;
    const previous = pull.rid;
    pull.rid = rid;
    this.scope.session.updatePull(pull.mid, { simulcast: simulcastFor(rid) }).catch((error: unknown) => {
      pull.rid = previous;
      this.listener.failed(error, 'subscribe-failed');
    });
  }
}
