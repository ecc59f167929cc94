/**
 * One session's tracks by mid: what it publishes (local records, each registered as a `Publication`) and
 * what it pulls (remote records, each a `MediaSink` fed by a publication). Each kind of record is built in
 * one place here; the tracks/new modes decide which to build.
 */
import type { SessionTrackState } from '../protocol/calls.ts';
import type { MediaSource } from './engine/media.ts';
import type { LayerPreference, MediaSink } from './engine/sink.ts';
import { publicationIdle } from './expiry.ts';
import type { Publication, Publications } from './publications.ts';
import type { TrackInput } from './schemas.ts';
import type { SfuLimits } from './config.ts';
import type { Negotiation } from './negotiation.ts';

export interface LocalTrack {
  location: 'local';
  mid: string;
  trackName: string;
  publication: Publication;
  /** Send side of a sendrecv transceiver, for `mid: "#trackName"` pulls. */
  bidirectional: boolean;
  active: boolean;
}

export interface RemoteTrack {
  location: 'remote';
  mid: string;
  sessionId: string;
  trackName: string;
  sink: MediaSink;
  simulcast: TrackInput['simulcast'];
  active: boolean;
}

export type TrackRecord = LocalTrack | RemoteTrack;

export class TrackTable {
  private readonly records = new Map<string, TrackRecord>();

  constructor(
    private readonly appId: string,
    private readonly sessionId: string,
    private readonly publications: Publications,
  ) {}

  get(mid: string): TrackRecord | undefined {
    return this.records.get(mid);
  }

  has(mid: string): boolean {
    return this.records.has(mid);
  }

  /** The active local track published as `trackName`. */
  localNamed(trackName: string): LocalTrack | undefined {
    for (const t of this.records.values()) {
      if (t.location === 'local' && t.active && t.trackName === trackName) return t;
    }
    return undefined;
  }

  /** Publishes what arrives on `mid` as `trackName` (again, if it was published before and stopped). */
  publish(mid: string, trackName: string, source: MediaSource, bidirectional: boolean): LocalTrack {
    const publication: Publication = {
      appId: this.appId,
      sessionId: this.sessionId,
      trackName,
      kind: source.kind,
      source,
      publishedAt: Date.now(),
    };
    const record: LocalTrack = {
      location: 'local',
      mid,
      trackName,
      publication,
      bidirectional,
      active: true,
    };
    this.records.set(mid, record);
    this.publications.add(publication);
    return record;
  }

  /** Feeds `sink` (the SFU-sending side of `mid`) from `publication`. */
  pull(
    mid: string,
    publication: Publication,
    sink: MediaSink,
    simulcast: TrackInput['simulcast'],
  ): RemoteTrack {
    sink.attach(publication.source, preference(simulcast));
    const record: RemoteTrack = {
      location: 'remote',
      mid,
      sessionId: publication.sessionId,
      trackName: publication.trackName,
      sink,
      simulcast,
      active: true,
    };
    this.records.set(mid, record);
    return record;
  }

  stop(record: TrackRecord): void {
    record.active = false;
    if (record.location === 'local') {
      record.publication.source.close();
      this.publications.remove(record.publication);
    } else {
      record.sink.detach();
    }
  }

  stopAll(): void {
    for (const t of this.records.values()) if (t.active) this.stop(t);
  }

  /** Starts every pulled track not started yet, each from a fresh keyframe. */
  startSinks(): void {
    for (const t of this.records.values()) {
      if (t.location !== 'remote' || !t.active || t.sink.ready) continue;
      t.sink.ready = true;
      t.sink.start();
    }
  }

  /** Idle publications stop; pulled tracks reconsider their layer and re-request a missing keyframe. */
  housekeeping(now: number, trackIdleMs: number): void {
    for (const t of this.records.values()) {
      if (!t.active) continue;
      if (t.location === 'local') {
        if (publicationIdle(t.publication, now, trackIdleMs)) this.stop(t);
      } else {
        t.sink.reconsider(now);
        if (t.sink.source && t.sink.currentRid === undefined) t.sink.requestKeyframe();
      }
    }
  }

  forwardedPackets(): number {
    let n = 0;
    for (const t of this.records.values()) if (t.location === 'remote') n += t.sink.forwarded;
    return n;
  }

  states(): SessionTrackState[] {
    return [...new Set(this.records.values())].map((t) =>
      t.location === 'local'
        ? {
            location: 'local',
            mid: t.mid,
            trackName: t.trackName,
            status: t.active && !t.publication.source.closed ? 'active' : 'inactive',
          }
        : {
            location: 'remote',
            mid: t.mid,
            sessionId: t.sessionId,
            trackName: t.trackName,
            status: t.active && t.sink.source ? 'active' : 'inactive',
          },
    );
  }
}

export function preference(simulcast: TrackInput['simulcast']): LayerPreference {
  return {
    preferredRid: simulcast?.preferredRid || undefined,
    priorityOrdering: simulcast?.priorityOrdering,
    ridNotAvailable: simulcast?.ridNotAvailable,
  };
}

/** What the tracks/new, tracks/update modes work with: one session's parts. */
export interface TrackContext {
  appId: string;
  sessionId: string;
  limits: SfuLimits;
  negotiation: Negotiation;
  tracks: TrackTable;
  publications: Publications;
}
