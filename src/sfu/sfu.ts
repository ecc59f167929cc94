/**
 * The SFU's state across sessions: apps and sessions, with the publications that pulls find in one
 * `Publications` registry. One housekeeping tick per second does the time-based rules: publication GC after
 * 30 s without RTP, unused and disconnected session expiry, simulcast fallbacks, keyframe re-requests.
 */
import { randomBytes } from 'node:crypto';
import type { SfuConfig } from './config.ts';
import { sessionGone } from './errors.ts';
import { Publications } from './publications.ts';
import { Session } from './session.ts';

export interface SfuStats {
  sessions: number;
  publications: number;
  forwardedPackets: number;
}

export class Sfu {
  readonly sessions = new Map<string, Session>();
  readonly publications = new Publications();
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(readonly config: SfuConfig) {
    this.tick = setInterval(() => this.housekeeping(Date.now()), 1000);
    this.tick.unref();
  }

  newSession(appId: string): Session {
    const id = randomBytes(16).toString('hex');
    const session = new Session(id, appId, {
      config: this.config,
      publications: this.publications,
      onClosed: (closed) => {
        if (this.sessions.get(closed.id) === closed) this.sessions.delete(closed.id);
      },
    });
    this.sessions.set(id, session);
    return session;
  }

  /** A live session of this app, else 410. */
  session(appId: string, id: string): Session {
    const session = this.sessions.get(id);
    if (!session || session.appId !== appId || session.closed) throw sessionGone(id);
    return session;
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
