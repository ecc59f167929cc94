/**
 * The fan-out tables (mediasoup's Router): every live media and data publication by (sessionId, name), and
 * the pulls waiting for a media publication to appear. Sessions publish into it and find in it; it knows
 * nothing of sessions.
 */
import type { MediaKind, MediaSource } from './engine/media.ts';
import type { DataPublication } from './data.ts';
import { CallsError } from './errors.ts';

export interface Publication {
  appId: string;
  sessionId: string;
  trackName: string;
  kind: MediaKind;
  source: MediaSource;
  /** The idle clock of a publication that has not sent yet starts here, not at the session's creation. */
  publishedAt: number;
}

function key(sessionId: string, name: string): string {
  return `${sessionId}/${name}`;
}

export class Publications {
  private readonly media = new Map<string, Publication>();
  private readonly data = new Map<string, { appId: string; publication: DataPublication }>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Live media publications. */
  get size(): number {
    return this.media.size;
  }

  get(sessionId: string, trackName: string): Publication | undefined {
    return this.media.get(key(sessionId, trackName));
  }

  add(publication: Publication): void {
    const k = key(publication.sessionId, publication.trackName);
    this.media.set(k, publication);
    for (const wake of this.waiters.get(k) ?? []) wake();
    this.waiters.delete(k);
  }

  remove(publication: Publication): void {
    const k = key(publication.sessionId, publication.trackName);
    if (this.media.get(k) === publication) this.media.delete(k);
  }

  /** The publication, waiting up to `waitMs` for it to appear and send its first packet. */
  async find(appId: string, sessionId: string, trackName: string, waitMs: number): Promise<Publication> {
    const k = key(sessionId, trackName);
    const deadline = Date.now() + waitMs;
    let publication = this.media.get(k);
    if (!publication) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.waiters.get(k)?.delete(wake);
          resolve();
        }, waitMs);
        const set = this.waiters.get(k) ?? new Set();
        set.add(wake);
        this.waiters.set(k, set);
      });
      publication = this.media.get(k);
    }
    if (!publication || publication.appId !== appId || publication.source.closed) {
      throw new CallsError(
        404,
        'not_found_track_error',
        'Track not found on remote peer. Make sure the publisher peer is connected and sending packets for this track',
      );
    }
    const flowing = await publication.source.waitForFirstPacket(Math.max(0, deadline - Date.now()));
    if (!flowing) {
      throw new CallsError(
        404,
        'empty_track_error',
        'No track data from remote peer. Make sure the publisher peer is sending packets for this track',
      );
    }
    return publication;
  }

  /** The live data publication of this app, if any. */
  getData(appId: string, sessionId: string, name: string): DataPublication | undefined {
    const entry = this.data.get(key(sessionId, name));
    return entry && entry.appId === appId && !entry.publication.closed ? entry.publication : undefined;
  }

  addData(appId: string, publication: DataPublication): void {
    this.data.set(key(publication.sessionId, publication.name), { appId, publication });
  }

  removeData(publication: DataPublication): void {
    const k = key(publication.sessionId, publication.name);
    if (this.data.get(k)?.publication === publication) this.data.delete(k);
  }
}
