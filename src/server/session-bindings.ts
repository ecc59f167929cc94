/**
 * Which user owns which Calls session in one room, and who was removed from it, so the proxy can decide who
 * may touch or pull which session, breakouts included. Pure like `PresenceRoom`: time comes in as arguments.
 *
 * Where users are (in presence, in which breakout) is the presence room's to know; it is asked through
 * `breakoutOf`, so this class holds no copy of the roster.
 */
import type { RoomRole } from '../protocol/token.ts';

/** `gone`: the caller's own session is unknown here (never bound, or forgotten): it should make a new one. */
export type AccessDecision = { ok: true } | { ok: false; reason: string; gone?: boolean };

export interface SessionBinding {
  sub: string;
  role: RoomRole;
  boundAt: number;
}

/** The user's breakout (null: the main room); undefined when the user is not in presence. */
export type BreakoutOf = (sub: string) => string | null | undefined;

/** Sessions one user may have bound at once; binding another forgets the user's oldest. */
export const MAX_BINDINGS_PER_USER = 16;
/** Bindings of users who never joined presence are forgotten after this long. */
export const UNJOINED_BINDING_TTL_MS = 30 * 60_000;

const REMOVED = 'you were removed from this room';

export class SessionBindings {
  private readonly sessions = new Map<string, SessionBinding>();
  private readonly banned = new Set<string>();

  constructor(private readonly breakoutOf: BreakoutOf) {}

  /** No bindings and no removed users. */
  get empty(): boolean {
    return this.sessions.size === 0 && this.banned.size === 0;
  }

  isBanned(sub: string): boolean {
    return this.banned.has(sub);
  }

  /** Users removed by a host (restored from storage by the Durable Object). */
  bannedUsers(): string[] {
    return [...this.banned];
  }

  /** Removes the user for good: no new bindings, no access, and their bindings are dropped. */
  ban(sub: string): void {
    this.banned.add(sub);
    this.dropUser(sub);
  }

  /** Records that `sub` created Calls session `sessionId` in this room. */
  bind(sessionId: string, owner: { sub: string; role: RoomRole }, now: number): AccessDecision {
    if (this.banned.has(owner.sub)) return { ok: false, reason: REMOVED };
    this.sessions.set(sessionId, { sub: owner.sub, role: owner.role, boundAt: now });
    const mine = [...this.sessions].filter(([, b]) => b.sub === owner.sub);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - MAX_BINDINGS_PER_USER))) {
      this.sessions.delete(id);
    }
    return { ok: true };
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  binding(sessionId: string): SessionBinding | undefined {
    return this.sessions.get(sessionId);
  }

  isOwnedBy(sessionId: string, sub: string): boolean {
    return this.sessions.get(sessionId)?.sub === sub;
  }

  /**
   * May `caller` act on its session `sessionId` (must own it) and pull from the sessions in `pullFrom`?
   * A pull needs the caller in this room's presence (a participant, connected or within its resume grace)
   * and each target bound in this room to a user who is in presence too, in the caller's breakout.
   * An own session this room does not know answers `gone`, so the client replaces it.
   */
  authorize(caller: { sub: string }, check: { sessionId?: string; pullFrom?: string[] }): AccessDecision {
    if (this.banned.has(caller.sub)) return { ok: false, reason: REMOVED };
    if (check.sessionId !== undefined) {
      const own = this.sessions.get(check.sessionId);
      if (!own) {
        return {
          ok: false,
          gone: true,
          reason: `session ${check.sessionId} is not known in this room: create a new session`,
        };
      }
      if (own.sub !== caller.sub) {
        return { ok: false, reason: `session ${check.sessionId} does not belong to you in this room` };
      }
    }
    const targets = check.pullFrom ?? [];
    if (targets.length === 0) return { ok: true };
    const mine = this.breakoutOf(caller.sub);
    if (mine === undefined) return { ok: false, reason: "join the room's presence before pulling" };
    for (const target of targets) {
      const b = this.sessions.get(target);
      if (!b) return { ok: false, reason: `session ${target} is not in this room` };
      if (b.sub === caller.sub) continue;
      const theirs = this.breakoutOf(b.sub);
      if (theirs === undefined) return { ok: false, reason: `session ${target} has nobody in the room` };
      if (theirs !== mine) return { ok: false, reason: `session ${target} is in another breakout` };
    }
    return { ok: true };
  }

  /** Forgets every session of the user (they left, or were removed). */
  dropUser(sub: string): void {
    for (const [id, b] of this.sessions) if (b.sub === sub) this.sessions.delete(id);
  }

  /** Forgets bindings older than the TTL of users not in presence (`present`: the users who are). */
  expireUnjoined(present: ReadonlySet<string>, now: number): void {
    for (const [id, b] of this.sessions) {
      if (!present.has(b.sub) && now - b.boundAt > UNJOINED_BINDING_TTL_MS) this.sessions.delete(id);
    }
  }
}
