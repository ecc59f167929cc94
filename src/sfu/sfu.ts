/**
 * The SFU's state across sessions: apps, sessions, and the publications (sessionId, trackName) that pulls
 * find. One housekeeping tick per second does the time-based rules: publication GC after 30 s without
 * RTP, unused and disconnected session expiry, simulcast fallbacks, keyframe re-requests.
 */
import { randomBytes } from 'node:crypto';
import type { SfuConfig } from './config.ts';
import { CallsError, sessionGone } from './errors.ts';
import { Session, type Publication } from './session.ts';
import type { DataPublication } from './data.ts';

export interface SfuStats {
  sessions: number;
  publications: number;
  forwardedPackets: number;
}

export class Sfu {
  readonly sessions = new Map<string, Session>();
  readonly publications = new Map<string, Publication>();
  readonly dataPublications = new Map<string, DataPublication>();
  private readonly publicationWaiters = new Map<string, Set<() => void>>();
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(readonly config: SfuConfig) {
    this.tick = setInterval(() => this.housekeeping(Date.now()), 1000);
    this.tick.unref();
  }

  newSession(appId: string): Session {
    const id = randomBytes(16).toString('hex');
    const session = new Session(id, appId, this);
    this.sessions.set(id, session);
    return session;
  }

  /** A live session of this app, else 410. */
  session(appId: string, id: string): Session {
    const session = this.sessions.get(id);
    if (!session || session.appId !== appId || session.closed) throw sessionGone(id);
    return session;
  }

  static key(sessionId: string, name: string): string {
    return `${sessionId}/${name}`;
  }

  addPublication(publication: Publication): void {
    const key = Sfu.key(publication.sessionId, publication.trackName);
    this.publications.set(key, publication);
    for (const wake of this.publicationWaiters.get(key) ?? []) wake();
    this.publicationWaiters.delete(key);
  }

  removePublication(publication: Publication): void {
    const key = Sfu.key(publication.sessionId, publication.trackName);
    if (this.publications.get(key) === publication) this.publications.delete(key);
  }

  /** The publication, waiting up to `waitMs` for it to appear and send its first packet. */
  async findPublication(
    appId: string,
    sessionId: string,
    trackName: string,
    waitMs: number,
  ): Promise<Publication> {
    const key = Sfu.key(sessionId, trackName);
    const deadline = Date.now() + waitMs;
    let publication = this.publications.get(key);
    if (!publication) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.publicationWaiters.get(key)?.delete(wake);
          resolve();
        }, waitMs);
        const set = this.publicationWaiters.get(key) ?? new Set();
        set.add(wake);
        this.publicationWaiters.set(key, set);
      });
      publication = this.publications.get(key);
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

  forget(session: Session): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  stats(): SfuStats {
    let forwardedPackets = 0;
    for (const s of this.sessions.values()) forwardedPackets += s.forwardedPackets();
    return { sessions: this.sessions.size, publications: this.publications.size, forwardedPackets };
  }

  private housekeeping(now: number): void {
    for (const session of [...this.sessions.values()]) session.housekeeping(now);
  }

  async close(): Promise<void> {
    clearInterval(this.tick);
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }
}
